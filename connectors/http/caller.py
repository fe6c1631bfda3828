"""Runs a synchronous vendor-client call off the event loop, under a rate limit, with retries.

One `ApiCaller` per API. Every call:
1. waits out any cool-down a 429 imposed (so parallel callers do not hammer a limited API);
2. takes a slot from the bucket's limiter (a leaky bucket sized to stay under the vendor's limit);
3. runs in the caller's bounded thread pool (the vendor clients block);
4. turns the client's exception into a `connectors.http.errors` one (`classify`), and retries by the policy.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from aiolimiter import AsyncLimiter

from connectors.http.errors import RetryableApiError
from connectors.http.retry import RetryPolicy

T = TypeVar("T")
Classify = Callable[[BaseException, str], BaseException]


class ApiCaller:
    """Rate-limited, retried, threaded calls to one vendor API."""

    def __init__(
        self,
        name: str,
        *,
        limiter_factory: Callable[[], AsyncLimiter],
        classify: Classify,
        policy: RetryPolicy,
        threads: int,
    ) -> None:
        self.name = name
        self._limiter_factory = limiter_factory
        self._limiters: dict[str, AsyncLimiter] = {}
        self._classify = classify
        self.policy = policy
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"tandem-{name}")
        self._slots = asyncio.Semaphore(threads)
        self._not_before = 0.0
        self.requests = 0
        """Requests sent (attempts, retries included)."""
        self.retries = 0
        self.throttled = 0
        """Answers with 429 (too many requests)."""

    def headroom(self) -> float:
        """0–1: the smallest share of any bucket's budget left right now (1 before any call)."""
        shares = [1.0]
        for limiter in self._limiters.values():
            limiter._leak()  # aiolimiter drains its level lazily; bring it up to date before reading it
            shares.append(max(0.0, 1.0 - limiter._level / limiter.max_rate))
        return min(shares)

    def _limiter(self, bucket: str) -> AsyncLimiter:
        limiter = self._limiters.get(bucket)
        if limiter is None:
            limiter = self._limiters[bucket] = self._limiter_factory()
        return limiter

    async def call(self, what: str, fn: Callable[..., T], *args: Any, bucket: str = "default", **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` in a thread, rate-limited in `bucket`, retried by the policy."""
        loop = asyncio.get_running_loop()
        job = functools.partial(fn, *args, **kwargs)
        result: T
        first = True
        async for attempt in self.policy.retrying(f"{self.name} {what}"):
            with attempt:
                if not first:
                    self.retries += 1
                first = False
                await self._cool_down()
                async with self._slots:
                    await self._limiter(bucket).acquire()
                    self.requests += 1
                    try:
                        result = await loop.run_in_executor(self._executor, job)
                    except Exception as exc:  # noqa: BLE001 - every client error is classified here
                        error = self._classify(exc, what)
                        if isinstance(error, RetryableApiError) and error.status == 429:
                            self.throttled += 1
                            self._pause_all(error.retry_after)
                        raise error from None
        return result

    async def _cool_down(self) -> None:
        wait = self._not_before - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    def _pause_all(self, retry_after: float | None) -> None:
        pause = min(retry_after if retry_after is not None else 1.0, self.policy.max_backoff)
        self._not_before = max(self._not_before, time.monotonic() + pause)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def leaky_bucket(rate_per_second: float, burst: float) -> Callable[[], AsyncLimiter]:
    """Limiters that allow `burst` at once and `rate_per_second` after: at most burst + rate·t in t seconds."""
    burst = max(1.0, burst)
    return lambda: AsyncLimiter(burst, burst / rate_per_second)


__all__ = ["ApiCaller", "leaky_bucket"]
