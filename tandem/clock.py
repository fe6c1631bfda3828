"""The time a worker lives by: the wall clock, or the scenario clock `tandem demo` gives it (`TANDEM_CLOCK`).

Only the edge reads it: the live ticks (`streams/clock.py`) and the sources' polling. Rules never do;
they get *now* from ticks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tandem.settings import ClockSpec, Settings


def scenario_now(spec: ClockSpec, wall: float | None = None) -> datetime:
    """The scenario time at wall time `wall` (epoch seconds; now when None), stopped at `spec.end`."""
    elapsed = max(0.0, (time.time() if wall is None else wall) - spec.origin)
    now = spec.start.astimezone(UTC) + timedelta(seconds=elapsed * spec.speed)
    return min(now, spec.end.astimezone(UTC)) if spec.end is not None else now


def wall_at(spec: ClockSpec, when: datetime) -> float:
    """The wall time (epoch seconds) at which the scenario clock reads `when`."""
    return spec.origin + (when - spec.start).total_seconds() / spec.speed


def wall_now() -> datetime:
    return datetime.now(UTC)


def clock_for(settings: Settings) -> Callable[[], datetime]:
    """`now()` for this worker."""
    spec = settings.clock
    if spec is None:
        return wall_now
    return lambda: scenario_now(spec)


def speed_of(settings: Settings) -> float:
    """How many clock seconds pass per wall second (1 for the wall clock)."""
    return settings.clock.speed if settings.clock is not None else 1.0
