"""Rate limiters: HubSpot's rolling window and Jira's token bucket, on a fake monotonic clock."""

from __future__ import annotations

import pytest

from sandbox.core import RollingWindowLimiter, TokenBucket


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rolling_window_allows_the_limit_then_refuses() -> None:
    time = FakeTime()
    limiter = RollingWindowLimiter(3, 10.0, clock=time)
    assert [limiter.check("t")[:2] for _ in range(3)] == [(True, 2), (True, 1), (True, 0)]
    allowed, remaining, wait = limiter.check("t")
    assert (allowed, remaining) == (False, 0)
    assert wait == pytest.approx(10.0)


def test_rolling_window_frees_a_slot_when_the_oldest_request_leaves_the_window() -> None:
    """Rolling, not fixed: a slot frees exactly `window` after the request that took it."""
    time = FakeTime()
    limiter = RollingWindowLimiter(2, 10.0, clock=time)
    limiter.check("t")
    time.now += 4
    limiter.check("t")
    time.now += 5.9
    allowed, _, wait = limiter.check("t")
    assert not allowed and wait == pytest.approx(0.1)
    time.now += 0.1
    assert limiter.check("t")[0]
    assert not limiter.check("t")[0]


def test_rolling_window_refusals_do_not_take_slots() -> None:
    time = FakeTime()
    limiter = RollingWindowLimiter(1, 10.0, clock=time)
    limiter.check("t")
    for _ in range(5):
        assert not limiter.check("t")[0]
    time.now += 10
    assert limiter.check("t")[0]


def test_rolling_window_keeps_keys_apart() -> None:
    limiter = RollingWindowLimiter(1, 10.0, clock=FakeTime())
    assert limiter.check("a")[0]
    assert limiter.check("b")[0]
    assert not limiter.check("a")[0]


def test_rolling_window_reset_forgets_history() -> None:
    limiter = RollingWindowLimiter(1, 10.0, clock=FakeTime())
    limiter.check("a")
    limiter.reset()
    assert limiter.check("a")[0]


def test_token_bucket_allows_a_burst_up_to_capacity() -> None:
    bucket = TokenBucket(3, 1.0, clock=FakeTime())
    assert [bucket.take("k")[:2] for _ in range(3)] == [(True, 2), (True, 1), (True, 0)]
    allowed, left, wait = bucket.take("k")
    assert not allowed and left == 0 and wait == pytest.approx(1.0)


def test_token_bucket_refills_at_its_rate_up_to_capacity() -> None:
    time = FakeTime()
    bucket = TokenBucket(4, 2.0, clock=time)
    for _ in range(4):
        bucket.take("k")
    time.now += 1.0
    assert bucket.take("k", 2)[:2] == (True, 0)
    time.now += 100
    assert bucket.take("k")[1] == pytest.approx(3)


def test_token_bucket_says_how_long_until_a_costly_request_fits() -> None:
    time = FakeTime()
    bucket = TokenBucket(10, 2.0, clock=time)
    bucket.take("k", 9)
    allowed, left, wait = bucket.take("k", 5)
    assert not allowed and left == pytest.approx(1) and wait == pytest.approx(2.0)


def test_token_bucket_keeps_keys_apart_and_rejects_impossible_costs() -> None:
    bucket = TokenBucket(1, 1.0, clock=FakeTime())
    assert bucket.take("a")[0] and bucket.take("b")[0]
    with pytest.raises(ValueError):
        bucket.take("a", 2)
