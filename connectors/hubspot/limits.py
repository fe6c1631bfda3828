"""HubSpot's request limits as HubSpot reports them, and what Tandem does about them.

HubSpot answers every request with its limits (https://developers.hubspot.com/docs/api/usage-details):
- `X-HubSpot-RateLimit-Max` requests per `X-HubSpot-RateLimit-Interval-Milliseconds` (100 or 190 per 10 s for
  private apps, by subscription): when that is less than `TANDEM_HUBSPOT_REQUESTS_PER_10S`, the app's budget
  is lowered to it (`Budget.set_rate`), 5 % under HubSpot's number;
- `X-HubSpot-RateLimit-Daily` and `-Daily-Remaining` (private apps only; OAuth calls have no daily limit):
  with `TANDEM_HUBSPOT_DAILY_RESERVE` or fewer left, the budget is held for everything but priority calls
  (write-back, alerts) until the daily reset; with none left, for every call;
- a 429 with `policyName: DAILY` ("You have reached your daily limit."): every call is held until the reset
  and the call is not retried (retrying a spent day only spends the error allowance).

The day runs "midnight to midnight based on the time zone setting of the account"
(https://developers.hubspot.com/changelog/2018-11-06-rate-limit-information-headers-will-be-included-in-http-responses):
`TANDEM_HUBSPOT_TIMEZONE`, else UTC. HubSpot's account-details endpoint, which names the zone, is not among
the API descriptions Tandem is checked against, so it is not called. Both mistakes a wrong zone can cause
are caught: HubSpot's day turning earlier shows in the first priority call's `Daily-Remaining` (the hold is
lifted); later, in a daily limit still spent after Tandem's midnight (held again for `PROBE` only, with a
hint to set the zone).

Everything here runs on the event loop (the headers are read after the call returns), never in the worker
threads the vendor client blocks in.
"""

from __future__ import annotations

import json
import logging
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as day_start
from typing import Any
from zoneinfo import ZoneInfo

from connectors.http.caller import Budget, leaky_bucket

log = logging.getLogger(__name__)

DAILY_POLICY = "DAILY"
PROBE = timedelta(minutes=15)
"""How long to wait again when HubSpot's day has not turned at the expected midnight."""
BURST = 10
MARGIN = 0.05
"""Tandem stays this share under the rolling-window limit HubSpot reports."""

Headers = Mapping[str, str] | Iterable[tuple[str, str]] | None


def rolling_window_bucket(limit: int, window: float) -> tuple[float, float]:
    """(rate per second, burst) of a leaky bucket that never exceeds `limit` requests in any `window` seconds:
    at most burst + rate·window requests fit in a window, so burst + rate·window = limit."""
    burst = float(min(BURST, max(1, limit // 2)))
    return (limit - burst) / window, burst


def header(headers: Headers, name: str) -> str | None:
    """A response header by name, whatever its case (`requests`, urllib3 and plain mappings alike)."""
    if headers is None:
        return None
    items = headers.items() if isinstance(headers, Mapping) else headers
    wanted = name.lower()
    for key, value in items:
        if str(key).lower() == wanted:
            return str(value)
    return None


def int_header(headers: Headers, name: str) -> int | None:
    value = header(headers, name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class Reading:
    """The limits one HubSpot answer reported (None: not sent)."""

    limit: int | None = None
    interval_ms: int | None = None
    daily: int | None = None
    daily_remaining: int | None = None

    @classmethod
    def of(cls, headers: Headers) -> Reading:
        return cls(
            limit=int_header(headers, "X-HubSpot-RateLimit-Max"),
            interval_ms=int_header(headers, "X-HubSpot-RateLimit-Interval-Milliseconds"),
            daily=int_header(headers, "X-HubSpot-RateLimit-Daily"),
            daily_remaining=int_header(headers, "X-HubSpot-RateLimit-Daily-Remaining"),
        )


def next_midnight(now: datetime, zone: ZoneInfo) -> datetime:
    """The next midnight in `zone` after `now`, in UTC (daylight saving time included)."""
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), day_start(0), tzinfo=zone)
    return midnight.astimezone(UTC)


def policy_of(body: Any) -> str | None:
    """`policyName` of a HubSpot 429 body (`DAILY`, `TEN_SECONDLY_ROLLING`, ...), when it has one."""
    data = body
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            data = json.loads(body)
        except ValueError:
            return None
    policy = data.get("policyName") if isinstance(data, dict) else None
    return policy if isinstance(policy, str) else None


@dataclass(frozen=True)
class DailyView:
    """What the health page shows of HubSpot's limits."""

    limit: int | None
    remaining: int | None
    reserve: int
    held_until: datetime | None
    held_reason: str | None
    per_10s: float


_BY_BUDGET: weakref.WeakKeyDictionary[Budget, HubSpotLimits] = weakref.WeakKeyDictionary()


class HubSpotLimits:
    """One HubSpot app's limits as HubSpot last reported them, holding the app's `Budget` accordingly."""

    def __init__(
        self,
        budget: Budget,
        *,
        per_10s: int,
        reserve: int,
        zone: ZoneInfo,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.budget = budget
        self.configured = per_10s
        self.reserve = reserve
        self.zone = zone
        self.clock = clock
        self.daily: int | None = None
        self.daily_remaining: int | None = None
        self.held_until: datetime | None = None
        self.held_reason: str | None = None
        self.window: tuple[int, float] | None = None
        """The rolling window Tandem keeps to (requests, seconds) when HubSpot allows less than configured."""
        self._awaiting: datetime | None = None
        """The midnight the current hold waits for, until an answer shows HubSpot's day has turned."""

    @classmethod
    def of(
        cls,
        budget: Budget,
        *,
        per_10s: int,
        reserve: int,
        zone: ZoneInfo,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> HubSpotLimits:
        """The limits of the app whose budget this is: one object for every client sharing the budget."""
        found = _BY_BUDGET.get(budget)
        if found is None:
            found = _BY_BUDGET[budget] = cls(budget, per_10s=per_10s, reserve=reserve, zone=zone, clock=clock)
        return found

    @property
    def per_10s(self) -> float:
        """Requests per 10 s Tandem allows itself now."""
        if self.window is None:
            return float(self.configured)
        limit, seconds = self.window
        return limit * 10.0 / seconds

    def view(self) -> DailyView:
        held = self.budget.held(priority=False)
        return DailyView(
            limit=self.daily,
            remaining=self.daily_remaining,
            reserve=self.reserve,
            held_until=self.held_until if held is not None else None,
            held_reason=held.reason if held is not None else None,
            per_10s=self.per_10s,
        )

    # -- what HubSpot said --------------------------------------------------------------------------------------

    def observe(self, headers: Headers) -> None:
        """Read one answer's limit headers: adjust the rate, hold or release the budget."""
        reading = Reading.of(headers)
        self._rate(reading)
        if reading.daily_remaining is None:
            return
        self.daily = reading.daily if reading.daily is not None else self.daily
        self.daily_remaining = reading.daily_remaining
        of_daily = f" of HubSpot's daily {self.daily:,}" if self.daily is not None else ""
        if reading.daily_remaining <= 0:
            self._hold(f"HubSpot's daily request limit is spent ({reading.daily_remaining}{of_daily} left)", False)
        elif reading.daily_remaining <= self.reserve:
            self._hold(
                f"{reading.daily_remaining:,}{of_daily} requests left, kept for write-back and alerts "
                f"(TANDEM_HUBSPOT_DAILY_RESERVE={self.reserve:,})",
                True,
            )
        else:  # more than the reserve left: HubSpot's day has turned (or never ran low)
            self._awaiting = None
            if self.held_until is not None:
                log.info("hubspot: %d requests of the day left again; polling resumes", reading.daily_remaining)
                self.budget.release()
                self.held_until = self.held_reason = None

    def daily_spent(self) -> float:
        """HubSpot answered 429 `DAILY`: hold every call until the reset; the hold's end (monotonic seconds)."""
        self.daily_remaining = 0
        self._hold("HubSpot answered 429: its daily request limit is spent (policyName DAILY)", False)
        hold = self.budget.hold_state
        return hold.until if hold is not None else time.monotonic()

    # -- what Tandem does -----------------------------------------------------------------------------------------

    def _hold(self, reason: str, reserve: bool) -> None:
        now = self.clock()
        if self._awaiting is not None and now >= self._awaiting:
            until = now + PROBE  # HubSpot's day did not turn at the midnight Tandem expected
            reason += (
                f"; HubSpot's day did not turn at midnight {self.zone.key}: set TANDEM_HUBSPOT_TIMEZONE to the "
                "HubSpot account's time zone"
            )
        else:
            until = self._awaiting = next_midnight(now, self.zone)
        message = f"{reason}; {'polling' if reserve else 'every call'} waits until {until.isoformat()}"
        current = self.budget.held(priority=False)
        if current is None or current.reason != message:
            log.warning("hubspot: %s", message)
            self.budget.release()  # this hold replaces the last one (Tandem's reading of HubSpot's day is one)
        self.budget.hold((until - now).total_seconds(), message, reserve=reserve)
        self.held_until, self.held_reason = until, message

    def _rate(self, reading: Reading) -> None:
        if not reading.limit or not reading.interval_ms or reading.limit < 1 or reading.interval_ms < 1:
            return
        seconds = reading.interval_ms / 1000.0
        if reading.limit / seconds >= self.configured / 10.0:
            window = None
        else:
            window = (max(1, int(reading.limit * (1 - MARGIN))), seconds)
        if window == self.window:
            return
        self.window = window
        limit, span = window if window is not None else (self.configured, 10.0)
        self.budget.set_rate(leaky_bucket(*rolling_window_bucket(limit, span)))
        log.info(
            "hubspot allows %d requests per %.0f ms: Tandem keeps to %d per %.0f s",
            reading.limit,
            reading.interval_ms,
            limit,
            span,
        )


__all__ = [
    "DAILY_POLICY",
    "PROBE",
    "DailyView",
    "HubSpotLimits",
    "Reading",
    "header",
    "next_midnight",
    "policy_of",
    "rolling_window_bucket",
]
