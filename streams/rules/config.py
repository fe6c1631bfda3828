"""The thresholds of docs/rules.md, in one immutable value the rules take as an argument."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from tandem.settings import Settings

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _lowered(statuses: Iterable[str]) -> frozenset[str]:
    return frozenset(status.strip().lower() for status in statuses if status.strip())


@dataclass(frozen=True)
class RuleConfig:
    """Every threshold of docs/rules.md with its default. Status sets are kept lowercase."""

    risk_horizon_days: int = 45
    velocity_window_days: int = 14
    buffer_days: int = 2
    scope_creep_pct: float = 20.0
    stalled_days: int = 7
    stalled_horizon_days: int = 30
    date_conflict_critical_days: int = 7
    remind_days: int = 3
    baseline_after_days: int = 7
    default_size: float = 1.0
    canceled_statuses: frozenset[str] = field(default_factory=lambda: frozenset({"canceled", "cancelled"}))
    live_statuses: frozenset[str] = field(default_factory=lambda: frozenset({"in_progress", "active"}))
    completed_statuses: frozenset[str] = field(default_factory=lambda: frozenset({"completed"}))
    digest_day: int = 0  # Monday, as `date.weekday()` counts
    digest_hour: int = 9
    timezone: str = "UTC"
    schedule_risk_basis: Literal["linear", "p85"] = "linear"
    forecast_runs: int = 10_000

    def __post_init__(self) -> None:
        for name in ("canceled_statuses", "live_statuses", "completed_statuses"):
            object.__setattr__(self, name, _lowered(getattr(self, name)))
        if self.velocity_window_days <= 0:
            raise ValueError(f"velocity_window_days must be positive, got {self.velocity_window_days}")
        if self.schedule_risk_basis not in ("linear", "p85"):
            raise ValueError(f"schedule_risk_basis must be linear or p85, got {self.schedule_risk_basis!r}")
        if self.forecast_runs < 1:
            raise ValueError(f"forecast_runs must be positive, got {self.forecast_runs}")
        if self.remind_days <= 0:
            raise ValueError(f"remind_days must be positive, got {self.remind_days}")
        if not 0 <= self.digest_day <= 6:
            raise ValueError(f"digest_day must be 0 (Monday) to 6 (Sunday), got {self.digest_day}")
        if not 0 <= self.digest_hour <= 23:
            raise ValueError(f"digest_hour must be 0 to 23, got {self.digest_hour}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"not an IANA time zone: {self.timezone!r}") from None

    @property
    def zone(self) -> ZoneInfo:
        """The time zone of the digest schedule."""
        return ZoneInfo(self.timezone)

    def is_canceled(self, status: str | None) -> bool:
        return status is not None and status.strip().lower() in self.canceled_statuses

    def is_live(self, status: str | None) -> bool:
        return status is not None and status.strip().lower() in self.live_statuses

    def is_completed(self, status: str | None) -> bool:
        return status is not None and status.strip().lower() in self.completed_statuses

    @classmethod
    def from_settings(cls, settings: Settings) -> RuleConfig:
        """The rule thresholds configured in `settings` (the `TANDEM_*` variables of the Rules section)."""
        return cls(
            risk_horizon_days=settings.risk_horizon_days,
            velocity_window_days=settings.velocity_window_days,
            buffer_days=settings.buffer_days,
            scope_creep_pct=settings.scope_creep_pct,
            stalled_days=settings.stalled_days,
            stalled_horizon_days=settings.stalled_horizon_days,
            date_conflict_critical_days=settings.date_conflict_critical_days,
            remind_days=settings.remind_days,
            baseline_after_days=settings.baseline_after_days,
            default_size=settings.default_size,
            canceled_statuses=frozenset(settings.canceled_statuses),
            live_statuses=frozenset(settings.live_statuses),
            completed_statuses=frozenset(settings.completed_statuses),
            digest_day=WEEKDAYS.index(settings.digest_day),
            digest_hour=settings.digest_hour,
            timezone=settings.timezone,
            schedule_risk_basis=settings.schedule_risk_basis,
            forecast_runs=settings.forecast_runs,
        )
