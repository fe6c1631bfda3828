"""What the worker's connectors have achieved, in-process: the tick timer reads `status.hubspot_synced` and
`status.jira_synced` (docs/rules.md: no rule fires before both sources finished a full sync), and the
health timer reports the polls' and webhooks' tallies to the `health` topic for the dashboard."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

log = logging.getLogger(__name__)


@dataclass
class PollTally:
    """One source's polls on this worker since it started (wall-clock times)."""

    polls: int = 0
    errors: int = 0
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    held: str | None = None
    """Why the last poll did not run: the API's budget is on hold (HubSpot's daily limit, say); not an error."""

    def succeeded(self) -> None:
        now = datetime.now(UTC)
        self.polls += 1
        self.last_poll_at = self.last_success_at = now
        self.held = None

    def failed(self, error: str) -> None:
        now = datetime.now(UTC)
        self.polls += 1
        self.errors += 1
        self.last_poll_at = self.last_error_at = now
        self.last_error = error
        self.held = None

    def paused(self, reason: str) -> bool:
        """The poll waited for a hold to end; True when this is news (a new reason), to be logged once."""
        self.polls += 1
        self.last_poll_at = datetime.now(UTC)
        news = reason != self.held
        self.held = reason
        return news


@dataclass
class WebhookTally:
    """Webhook deliveries this worker answered, per system: accepted, duplicates, refused by reason."""

    accepted: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)

    def count(self, system: str, status: int, duplicate: bool = False) -> None:
        if 200 <= status < 300:
            (self.duplicates if duplicate else self.accepted)[system] += 1
        else:
            self.refused[f"{system}:{REFUSALS.get(status, str(status))}"] += 1


REFUSALS = {400: "malformed", 401: "signature", 408: "too_slow", 413: "too_large", 503: "busy"}


@dataclass
class SyncTally:
    """The background sync on this worker: writes made (or, dry-run, logged), and what it must tell people
    once each — a person's edit of a synced value, a write a vendor refused and what to configure."""

    written: Counter[str] = field(default_factory=Counter)
    dry_run: Counter[str] = field(default_factory=Counter)
    conflicts: dict[str, str] = field(default_factory=dict)
    refusals: dict[str, str] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)

    def conflict(self, cause: str, message: str) -> None:
        self._once(self.conflicts, cause, message)

    def refusal(self, cause: str, message: str) -> None:
        self._once(self.refusals, cause, message)

    def _once(self, book: dict[str, str], cause: str, message: str) -> None:
        self.counts[cause] += 1
        if cause not in book:
            book[cause] = message
            log.warning("background sync: %s", message)


@dataclass
class SourceStatus:
    hubspot_synced: bool = False
    """The HubSpot source has completed a full sync (now or in an earlier run)."""
    jira_synced: bool = False
    """The Jira source has completed a full sync (now or in an earlier run)."""
    hubspot_error: str | None = None
    """Why the HubSpot connector stopped (credentials or configuration), if it did."""
    jira_error: str | None = None
    """Why the Jira connector stopped, if it did."""
    polls: dict[str, PollTally] = field(default_factory=lambda: {"hubspot": PollTally(), "jira": PollTally()})
    webhooks: WebhookTally = field(default_factory=WebhookTally)
    sync: SyncTally = field(default_factory=SyncTally)


status = SourceStatus()
"""The one status object of this process."""

__all__ = ["PollTally", "SourceStatus", "SyncTally", "WebhookTally", "status"]
