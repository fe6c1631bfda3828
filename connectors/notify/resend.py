"""What a delivery unit's record says to do next — the pure part of `connectors.notify.agent`.

A unit is `sending` from just before its channel is called until the outcome is recorded. Found `sending`
after a restart, it may or may not have gone out. Where the far end can tell (a Jira comment and a HubSpot
task carry their idempotency key as a marker, and the sinks look for it before posting: Tandem's comments on
the issue, HubSpot's CRM search of the owner's tasks with that subject), the unit is simply sent again.

Email is sent again too (at least once): every email's `Message-ID` is derived from the notification's
idempotency key and its recipients, so a mail client folds a repeat into the message it already has. The
kill test (tests/chaos) decided it: under 12 kills of a busy replay, 3 email units were interrupted, and
none of the 3 had reached the mail server — at most once would have lost all three.

Slack posts carry nothing a receiver could fold a repeat by, so an interrupted one is marked `unknown` and
not sent again (at most once); the kill test counts how often that happens.
"""

from __future__ import annotations

from typing import Literal

Step = Literal["send", "skip", "mark_unknown"]

DEDUPLICATED_BY_THE_CHANNEL = frozenset({"jira_comment", "hubspot_task", "email"})
"""Channels where a unit interrupted mid-send is sent again: the far end drops or folds a repeat."""


def channel_of(unit: str) -> str:
    """`email`, `slack`, `jira_comment` or `hubspot_task` from a unit such as `slack:WEB`."""
    return unit.split(":", 1)[0]


def next_step(state: str | None, unit: str) -> Step:
    """What to do with a unit whose record is in `state` (None: never tried)."""
    if state is None:
        return "send"
    if state == "sending":
        return "send" if channel_of(unit) in DEDUPLICATED_BY_THE_CHANNEL else "mark_unknown"
    return "skip"  # sent, failed (dead-lettered) or unknown: settled
