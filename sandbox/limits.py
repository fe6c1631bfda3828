"""Rate limiters as the vendors enforce them: HubSpot's rolling window and Jira's token bucket.

Both keep state per key (the credential) and read a monotonic clock, never the sandbox clock: rate limits
are about real request pace, even while a replay jumps scenario time forward.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


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

    def reset(self) -> None:
        """Forget all keys' history."""
        with self._lock:
            self._hits.clear()


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


__all__ = ["RollingWindowLimiter", "TokenBucket"]
