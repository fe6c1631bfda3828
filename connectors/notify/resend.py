"""What a delivery unit's record says to do next — the pure part of `connectors.notify.agent`.

A unit is `sending` from just before its channel is called until the outcome is recorded. Found `sending`
after a restart, it may or may not have gone out. Where the far end can tell (a Jira comment carries its
idempotency key as a marker, and the sink looks for it before posting), the unit is simply sent again;
elsewhere (email, Slack, HubSpot tasks) sending again could duplicate it, so it is marked `unknown` and left.
"""

from __future__ import annotations

from typing import Literal

Step = Literal["send", "skip", "mark_unknown"]

DEDUPLICATED_BY_THE_CHANNEL = frozenset({"jira_comment"})


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
