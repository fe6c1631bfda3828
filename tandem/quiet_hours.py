"""Quiet hours: `HH:MM-HH:MM [Zone/Name]`, possibly spanning midnight; messages wait until they end."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SPEC = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*(\S+)?\s*$")


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    zone: ZoneInfo

    def contains(self, at: datetime) -> bool:
        local = at.astimezone(self.zone).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, at: datetime) -> datetime:
        """The first instant at or after `at` outside the quiet hours (`at` itself when not quiet)."""
        if not self.contains(at):
            return at
        local = at.astimezone(self.zone)
        end = datetime.combine(local.date(), self.end, tzinfo=self.zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=self.zone)
        return end.astimezone(UTC)


def parse_quiet_hours(spec: str) -> QuietHours:
    match = SPEC.match(spec)
    if not match:
        raise ValueError(f"quiet hours {spec!r} are not HH:MM-HH:MM [Zone/Name]")
    h1, m1, h2, m2, zone = match.groups()
    try:
        start, end = time(int(h1), int(m1)), time(int(h2), int(m2))
    except ValueError:
        raise ValueError(f"quiet hours {spec!r} name an impossible time") from None
    try:
        tz = ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"quiet hours {spec!r} name an unknown time zone") from None
    if start == end:
        raise ValueError(f"quiet hours {spec!r} are empty")
    return QuietHours(start, end, tz)
