"""The sandboxes' clock: every vendor timestamp (`updatedAt`, changelogs, webhooks) is read from it.

Unfrozen, it follows the wall clock (or, for the demo, a scenario clock it was told to `follow`); frozen, it
stands still until moved. A replay moves it forward step by step, so the times the vendors report are the
scenario's times, not the machine's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def _require_aware(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"sandbox times must be timezone-aware, got naive {when.isoformat()}")
    return when.astimezone(UTC)


def _wall() -> datetime:
    return datetime.now(UTC)


class SandboxClock:
    """Aware-UTC time for the sandboxes: follows the wall clock until frozen with `set` (or a start)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._frozen: datetime | None = None if start is None else _require_aware(start)
        self._running: Callable[[], datetime] = _wall

    def _current(self) -> datetime:
        return self._frozen if self._frozen is not None else _require_aware(self._running())

    def follow(self, running: Callable[[], datetime]) -> None:
        """Unfreeze and follow `running` (a scenario clock) instead of the wall clock; it must not go back."""
        with self._lock:
            self._running = running
            self._frozen = None

    @property
    def frozen(self) -> bool:
        """True while the clock stands still at a set time."""
        return self._frozen is not None

    def now(self) -> datetime:
        """The current sandbox time (aware, UTC)."""
        with self._lock:
            return self._current()

    def set(self, when: datetime) -> None:
        """Freeze at `when`; time only moves forward, so an earlier `when` is a ValueError."""
        target = _require_aware(when)
        with self._lock:
            current = self._current()
            if target < current:
                raise ValueError(f"the sandbox clock only moves forward: {target.isoformat()} < {current.isoformat()}")
            self._frozen = target

    def advance(self, delta: timedelta) -> datetime:
        """Move a frozen (or the wall) clock forward by `delta` and freeze there; returns the new time."""
        if delta < timedelta(0):
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            current = self._current()
            self._frozen = current + delta
            return self._frozen

    def reset(self, start: datetime | None = None) -> None:
        """Start over (loading a scenario): frozen at `start`, or following the wall clock when None."""
        with self._lock:
            self._frozen = None if start is None else _require_aware(start)
            self._running = _wall


__all__ = ["SandboxClock"]
