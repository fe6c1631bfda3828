"""Runs a synchronous vendor-client call off the event loop, under the app's rate-limit budget, with retries.

One `ApiCaller` per client object (its own thread pool). Every call:
1. is refused at once while the budget is on hold (`Budget.hold`: a daily limit spent, say), unless it is a
   `priority` call the hold lets through (write-back and alerts use the reserve);
2. waits out any cool-down a 429 imposed on its bucket (so parallel callers do not hammer a limited
   endpoint, and one endpoint's 429 does not stop the others);
3. takes a slot from the bucket's limiter (a leaky bucket sized to stay under the vendor's limit);
4. runs in the caller's bounded thread pool (the vendor clients block);
5. turns the client's exception into a `connectors.http.errors` one (`classify`), and retries by the policy.

The budget (limiters, cool-downs, holds) belongs to the vendor app, not to one client: every client of a
worker that calls the same API with the same credentials shares it (`Budget.shared`), so the pollers, the
write-back and the notifications together stay under the vendor's per-app limits.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import time
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from aiolimiter import AsyncLimiter

from connectors.http.errors import ApiPaused, RetryableApiError
from connectors.http.retry import RetryPolicy

T = TypeVar("T")
Classify = Callable[[BaseException, str], BaseException]
LimiterFactory = Callable[[], AsyncLimiter]


@dataclass
class Hold:
    """No calls before `until` (monotonic seconds), for `reason`; `priority` calls may pass when `reserve`."""

    until: float
    reason: str
    reserve: bool  # priority calls (write-back, alerts) still go through


Shared = TypeVar("Shared")


class PerLoop(Generic[Shared]):
    """Objects shared by key within one event loop (limiters belong to one loop). Held by the loop itself,
    weakly: a closed loop's objects go with it, and a new loop never inherits them (an `id()` can be reused)."""

    def __init__(self) -> None:
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Shared]] = (
            weakref.WeakKeyDictionary()
        )
        self._outside: dict[str, Shared] = {}

    def get(self, key: str, make: Callable[[], Shared]) -> Shared:
        try:
            found = self._by_loop.setdefault(asyncio.get_running_loop(), {})
        except RuntimeError:
            found = self._outside
        if key not in found:
            found[key] = make()
        return found[key]

    def clear(self) -> None:
        self._by_loop.clear()
        self._outside.clear()


class Budget:
    """One vendor app's rate-limit state in this process: a limiter and a cool-down per bucket, and a hold."""

    _shared: ClassVar[PerLoop[Budget]] = PerLoop()

    def __init__(self, limiter_factory: LimiterFactory) -> None:
        self._factory = limiter_factory
        self._factories: dict[str, LimiterFactory] = {}
        self._limiters: dict[str, AsyncLimiter] = {}
        self._not_before: dict[str, float] = {}
        self.hold_state: Hold | None = None

    @classmethod
    def shared(cls, key: str, limiter_factory: LimiterFactory) -> Budget:
        """The budget of the app `key` (vendor, base URL and a fingerprint of the credentials) in this event
        loop: the same object for every client built with the same key. Keyed by loop too, since limiters
        belong to one loop."""
        return cls._shared.get(key, lambda: cls(limiter_factory))

    def limiter(self, bucket: str) -> AsyncLimiter:
        limiter = self._limiters.get(bucket)
        if limiter is None:
            limiter = self._limiters[bucket] = self._factories.get(bucket, self._factory)()
        return limiter

    def set_rate(self, limiter_factory: LimiterFactory, bucket: str | None = None) -> None:
        """Use new limits from now on (for `bucket`, or every bucket): the vendor said what it allows."""
        if bucket is None:
            self._factory = limiter_factory
            self._factories.clear()
            self._limiters.clear()
        else:
            self._factories[bucket] = limiter_factory
            self._limiters.pop(bucket, None)

    def headroom(self) -> float:
        """0–1: the smallest share of any bucket's budget left right now (1 before any call)."""
        shares = [1.0]
        for limiter in self._limiters.values():
            limiter._leak()  # aiolimiter drains its level lazily; bring it up to date before reading it
            shares.append(max(0.0, 1.0 - limiter._level / limiter.max_rate))
        return min(shares)

    def pause(self, bucket: str, seconds: float) -> None:
        """No calls in `bucket` for `seconds` (a 429 said so)."""
        self._not_before[bucket] = max(self._not_before.get(bucket, 0.0), time.monotonic() + seconds)

    def cool_down(self, bucket: str) -> float:
        """Seconds until `bucket` may be called again (0: now)."""
        return max(0.0, self._not_before.get(bucket, 0.0) - time.monotonic())

    def hold(self, seconds: float, reason: str, *, reserve: bool = False) -> None:
        """Refuse calls for `seconds` (all of them, or with `reserve` all but priority ones)."""
        until = time.monotonic() + max(0.0, seconds)
        current = self.hold_state
        if current is None or current.until < until or (current.reserve and not reserve):
            self.hold_state = Hold(until, reason, reserve)

    def release(self) -> None:
        self.hold_state = None

    def held(self, priority: bool) -> Hold | None:
        """The hold that refuses a call now, if any."""
        hold = self.hold_state
        if hold is None:
            return None
        if time.monotonic() >= hold.until:
            self.hold_state = None
            return None
        if priority and hold.reserve:
            return None
        return hold


def app_key(vendor: str, base_url: str, *credentials: str) -> str:
    """The identity of a vendor app for `Budget.shared`: never the credentials themselves."""
    fingerprint = hashlib.sha256("\n".join(credentials).encode()).hexdigest()[:16]
    return f"{vendor} {base_url.rstrip('/')} {fingerprint}"


class ApiCaller:
    """Rate-limited, retried, threaded calls to one vendor API."""

    def __init__(
        self,
        name: str,
        *,
        limiter_factory: LimiterFactory,
        classify: Classify,
        policy: RetryPolicy,
        threads: int,
        budget: Budget | None = None,
    ) -> None:
        self.name = name
        self.budget = budget if budget is not None else Budget(limiter_factory)
        self._classify = classify
        self.policy = policy
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"tandem-{name}")
        self._slots = asyncio.Semaphore(threads)
        self.requests = 0
        """Requests sent (attempts, retries included)."""
        self.retries = 0
        self.throttled = 0
        """Answers with 429 (too many requests)."""
        self.looked_and_found = 0
        """Writes found already done after an ambiguous failure (see `call`'s `look`), so not sent again."""

    def headroom(self) -> float:
        """0–1: the smallest share of any bucket's budget left right now (1 before any call)."""
        return self.budget.headroom()

    async def call(
        self,
        what: str,
        fn: Callable[..., T],
        *args: Any,
        bucket: str = "default",
        priority: bool = False,
        look: Callable[[], Awaitable[T | None]] | None = None,
        **kwargs: Any,
    ) -> T:
        """`fn(*args, **kwargs)` in a thread, rate-limited in `bucket`, retried by the policy. `priority`:
        write-back and alerts, which a hold with a reserve lets through.

        `look`, for a write that must not happen twice: after an ambiguous failure (a timeout or a 5xx — the
        request may have been carried out), it is awaited before the write is sent again; what it finds (not
        None) is the write already done, returned instead of resending. A 429 is not ambiguous: the vendor
        refused the request without carrying it out."""
        loop = asyncio.get_running_loop()
        job = functools.partial(fn, *args, **kwargs)
        result: T
        first = True
        ambiguous = False
        async for attempt in self.policy.retrying(f"{self.name} {what}"):
            with attempt:
                if not first:
                    self.retries += 1
                first = False
                if ambiguous and look is not None:
                    found = await look()
                    if found is not None:
                        self.looked_and_found += 1
                        return found
                hold = self.budget.held(priority)
                if hold is not None:
                    raise ApiPaused(f"{self.name} {what}: {hold.reason}", until=hold.until)
                wait = self.budget.cool_down(bucket)
                if wait > 0:
                    await asyncio.sleep(wait)
                async with self._slots:
                    await self.budget.limiter(bucket).acquire()
                    self.requests += 1
                    try:
                        result = await loop.run_in_executor(self._executor, job)
                    except Exception as exc:  # noqa: BLE001 - every client error is classified here
                        error = self._classify(exc, what)
                        ambiguous = isinstance(error, RetryableApiError) and error.status != 429
                        if isinstance(error, RetryableApiError) and error.status == 429:
                            self.throttled += 1
                            pause = error.retry_after if error.retry_after is not None else 1.0
                            self.budget.pause(bucket, min(pause, self.policy.max_backoff))
                        raise error from None
        return result

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def leaky_bucket(rate_per_second: float, burst: float) -> LimiterFactory:
    """Limiters that allow `burst` at once and `rate_per_second` after: at most burst + rate·t in t seconds."""
    burst = max(1.0, burst)
    return lambda: AsyncLimiter(burst, burst / rate_per_second)


__all__ = ["ApiCaller", "Budget", "Hold", "app_key", "leaky_bucket"]
