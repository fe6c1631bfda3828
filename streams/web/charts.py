"""What the dashboard's charts draw, computed here (pure) so the page can show the same numbers as a table:
a goal's burn-up from its daily points, and the portfolio's week-by-week trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from streams.records import HistoryPoint, Odds
from streams.web.portfolio import STATUSES

COLORS = {
    "on_track": "#1a7f37",
    "at_risk": "#9a6700",
    "off_track": "#cf222e",
    "done": "#0969da",
    "canceled": "#6e7781",
}
LABELS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "done": "Done",
    "canceled": "Canceled",
}
MAX_DAYS = 400


@dataclass(frozen=True)
class Band:
    """The forecast with odds on the chart: the day indexes of its P50, P85 and P95 (None: beyond the chart)."""

    p50: int | None
    p85: int | None
    p95: int | None


@dataclass(frozen=True)
class Burnup:
    """Day by day: work done and total size (carried forward over days without a point), the baseline, the
    launch day's index, and the forecast's straight line from today's done to the total on the forecast day."""

    days: list[str]
    done: list[float | None]
    total: list[float | None]
    baseline: list[float | None]
    projection: list[float | None]
    launch_index: int | None
    today_index: int | None
    band: Band | None = None

    def chart(self) -> dict[str, Any]:
        return {
            "labels": self.days,
            "series": {
                "done": self.done,
                "total": self.total,
                "baseline": self.baseline,
                "projection": self.projection,
            },
            "launch": self.launch_index,
            "today": self.today_index,
            "band": None
            if self.band is None
            else {"from": self.band.p50, "to": self.band.p95, "likely": self.band.p85},
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row a day that has a point (what the table beside the chart lists)."""
        return [
            {"day": day, "done": done, "total": total, "baseline": base}
            for day, done, total, base in zip(self.days, self.done, self.total, self.baseline, strict=True)
            if done is not None
        ]


def _day(text: str | None) -> date | None:
    if not text or text == "never":
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def burnup(
    points: list[HistoryPoint], launch: str | None, forecast: str | None, odds: Odds | None = None
) -> Burnup | None:
    """The burn-up of a goal's points (oldest first), with the straight-line forecast and the band of the
    forecast with odds (P50 to P95, P85 marked); None without any point."""
    if not points:
        return None
    first, last = date.fromisoformat(points[0].day), date.fromisoformat(points[-1].day)
    launch_day, forecast_day = _day(launch), _day(forecast)
    odds_days = [_day(odds.p50), _day(odds.p85), _day(odds.p95)] if odds and not odds.done else [None] * 3
    end = max(d for d in (last, launch_day, forecast_day, *odds_days) if d is not None)
    end = min(end, first + timedelta(days=MAX_DAYS))
    by_day = {p.day: p for p in points}
    days, done, total, baseline = [], [], [], []
    current: HistoryPoint | None = None
    day = first
    while day <= end:
        text = day.isoformat()
        current = by_day.get(text, current)
        days.append(text)
        seen = day <= last and current is not None
        done.append(current.size_done if seen and current else None)
        total.append(current.size_total if seen and current else None)
        baseline.append(current.baseline if current and current.baseline is not None else None)
        day += timedelta(days=1)
    projection: list[float | None] = [None] * len(days)
    today = days.index(last.isoformat())
    latest = points[-1]
    if forecast_day is not None and forecast_day > last and forecast_day.isoformat() in days:
        target = days.index(forecast_day.isoformat())
        span = target - today
        for index in range(today, target + 1):
            share = (index - today) / span
            projection[index] = round(latest.size_done + share * (latest.size_total - latest.size_done), 2)
    positions = {text: position for position, text in enumerate(days)}

    def at(day: date | None) -> int | None:
        return None if day is None else positions.get(day.isoformat())

    band = None
    if odds_days[0] is not None:
        p50, p85, p95 = (at(d) for d in odds_days)
        band = Band(p50, p85, len(days) - 1 if p95 is None else p95)  # P95 past the chart: to its end
    return Burnup(days, done, total, baseline, projection, at(launch_day), today, band)


def trend_chart(trend: list[tuple[str, dict[str, int]]]) -> dict[str, Any]:
    return {
        "labels": [day for day, _ in trend],
        "series": [
            {"status": status, "label": LABELS[status], "color": COLORS[status], "data": [c[status] for _, c in trend]}
            for status in STATUSES
        ],
    }
