"""The incremental cursor shared by both sources (pure): how far a source has read, and which objects at
the edge it has already produced, so re-reads inside the lookback window are dropped.

`since` is the greatest `updatedAt` produced so far. An object is news when it is newer than
`since − lookback` and its (id, updatedAt) is not among `seen`, which holds every object produced with an
`updatedAt` at or after that cutoff. Objects sharing one timestamp across a page boundary, or a restart in
the middle of them, are therefore produced exactly once: the seen ones are skipped, the others are not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connectors.state.idsets import decode_ids, encode_ids


def iso(when: datetime) -> str:
    return when.isoformat()


@dataclass
class Watermark:
    """The cursor of one source. `complete` turns True once a full sync (backfill) has finished."""

    lookback: timedelta
    since: datetime | None = None
    seen: dict[str, datetime] = field(default_factory=dict)
    complete: bool = False
    added: set[str] = field(default_factory=set)
    """Ids produced since the last full id listing that the listing did not hold (for reconciliation)."""
    reconciled_at: datetime | None = None

    @property
    def cutoff(self) -> datetime | None:
        return None if self.since is None else self.since - self.lookback

    def is_new(self, ident: str, updated: datetime) -> bool:
        """True when (ident, updated) has not been produced and is inside the window still being read."""
        cutoff = self.cutoff
        if cutoff is not None and updated < cutoff:
            return False
        return self.seen.get(ident) != updated

    def record(self, produced: Iterable[tuple[str, datetime]], *, advance: bool = True) -> None:
        """Note objects as produced (after the broker acknowledged them); move `since` when `advance`."""
        for ident, updated in produced:
            self.seen[ident] = updated
            if advance and (self.since is None or updated > self.since):
                self.since = updated
        self.prune()

    def prune(self) -> None:
        cutoff = self.cutoff
        if cutoff is not None:
            self.seen = {ident: at for ident, at in self.seen.items() if at >= cutoff}

    def to_json(self) -> dict[str, Any]:
        by_time: dict[str, list[str]] = {}
        for ident, updated in self.seen.items():
            by_time.setdefault(iso(updated), []).append(ident)
        return {
            "since": iso(self.since) if self.since else None,
            "seen": {at: encode_ids(ids) for at, ids in sorted(by_time.items())},
            "complete": self.complete,
            "added": encode_ids(self.added),
            "reconciled_at": iso(self.reconciled_at) if self.reconciled_at else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None, lookback: timedelta) -> Watermark:
        if not data:
            return cls(lookback)
        seen: dict[str, datetime] = {}
        for at, ids in (data.get("seen") or {}).items():
            when = datetime.fromisoformat(at)
            for ident in decode_ids(ids):
                seen[ident] = when
        since = data.get("since")
        reconciled = data.get("reconciled_at")
        return cls(
            lookback,
            since=datetime.fromisoformat(since) if since else None,
            seen=seen,
            complete=bool(data.get("complete")),
            added=decode_ids(data.get("added") or []),
            reconciled_at=datetime.fromisoformat(reconciled) if reconciled else None,
        )


__all__ = ["Watermark"]
