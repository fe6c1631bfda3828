"""Rate limiters as the vendors enforce them: HubSpot's rolling window and daily limit, Jira's token bucket.

All keep state per key (the credential). The rolling window and the token bucket read a monotonic clock,
never the sandbox clock: they are about real request pace, even while a replay jumps scenario time forward.
The daily limit counts per day of the sandbox clock, in the account's time zone, as HubSpot counts "midnight
to midnight based on the time zone setting of the account": a replay that moves to the next day starts a
fresh count, as the day would at HubSpot.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo


class RollingWindowLimiter:
    """At most `limit` requests in any `window` seconds, per key (HubSpot's TEN_SECONDLY_ROLLING).

    Rejected requests do not take a slot.
    """

    def __init__(self, limit: int, window: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def check(self, key: str) -> tuple[bool, int, float]:
        """Take a slot if one is free: (allowed, slots remaining, seconds until the oldest slot frees)."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) < self.limit:
                hits.append(now)
                wait = 0.0 if len(hits) < self.limit else max(0.0, hits[0] + self.window - now)
                return True, self.limit - len(hits), wait
            return False, 0, max(0.0, hits[0] + self.window - now)

    def remaining(self, key: str) -> int:
        """Slots free for `key` right now (none taken)."""
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key, deque())
            return self.limit - sum(1 for hit in hits if hit > now - self.window)

    def reset(self) -> None:
        """Forget all keys' history."""
        with self._lock:
            self._hits.clear()


class DailyLimit:
    """At most `limit` requests per key and day (HubSpot's DAILY policy); the day is `now()`'s date in `zone`.

    Refused requests do not count. `limit` None: no daily limit (HubSpot's OAuth apps have none)."""

    def __init__(self, limit: int | None, *, now: Callable[[], datetime], zone: str = "UTC") -> None:
        if limit is not None and limit < 1:
            raise ValueError("a daily limit must be >= 1 (or none)")
        self.limit = limit
        self.zone = ZoneInfo(zone)
        self._now = now
        self._lock = threading.Lock()
        self._used: dict[tuple[str, date], int] = {}

    def today(self) -> date:
        return self._now().astimezone(self.zone).date()

    def used(self, key: str) -> int:
        with self._lock:
            return self._used.get((key, self.today()), 0)

    def remaining(self, key: str) -> int | None:
        """Requests left today for `key` (None: no daily limit)."""
        if self.limit is None:
            return None
        return max(0, self.limit - self.used(key))

    def take(self, key: str) -> int | None:
        """Count one request for `key` today; the requests left after it (None: no daily limit)."""
        if self.limit is None:
            return None
        day = self.today()
        with self._lock:
            used = self._used.get((key, day), 0) + 1
            self._used = {k: v for k, v in self._used.items() if k[1] == day}  # earlier days are over
            self._used[(key, day)] = used
        return max(0, self.limit - used)

    def spend(self, key: str, count: int) -> None:
        """Count `count` requests for `key` today at once (the control plane: a day half spent)."""
        with self._lock:
            self._used[(key, self.today())] = self._used.get((key, self.today()), 0) + count

    def reset(self) -> None:
        """Forget every day's counts."""
        with self._lock:
            self._used.clear()


class TokenBucket:
    """Burst limit per key: `capacity` tokens, refilled at `refill_per_second` (Jira Cloud's model)."""

    def __init__(
        self, capacity: float, refill_per_second: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if capacity <= 0 or refill_per_second <= 0:
            raise ValueError("capacity and refill_per_second must be > 0")
        self.capacity = capacity
        self.refill_per_second = refill_per_second
        self._clock = clock
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}

    def take(self, key: str, cost: float = 1.0) -> tuple[bool, float, float]:
        """Spend `cost` tokens if there are enough: (allowed, tokens left, seconds until `cost` is available)."""
        if cost > self.capacity:
            raise ValueError(f"cost {cost} exceeds the bucket's capacity {self.capacity}")
        now = self._clock()
        with self._lock:
            tokens, last = self._state.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.refill_per_second)
            if tokens >= cost:
                tokens -= cost
                self._state[key] = (tokens, now)
                return True, tokens, 0.0
            self._state[key] = (tokens, now)
            return False, tokens, (cost - tokens) / self.refill_per_second

    def reset(self) -> None:
        """Refill every bucket."""
        with self._lock:
            self._state.clear()


__all__ = ["DailyLimit", "RollingWindowLimiter", "TokenBucket"]
