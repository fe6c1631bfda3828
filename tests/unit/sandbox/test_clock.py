"""The sandbox clock: what vendor timestamps are read from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.core import SandboxClock

START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def test_a_clock_with_a_start_is_frozen_there() -> None:
    clock = SandboxClock(START)
    assert clock.now() == START
    assert clock.now() == START
    assert clock.frozen


def test_a_clock_without_a_start_follows_the_wall_clock() -> None:
    clock = SandboxClock()
    before = datetime.now(UTC)
    now = clock.now()
    assert before <= now <= datetime.now(UTC)
    assert now.tzinfo is not None
    assert not clock.frozen


def test_set_moves_the_clock_forward_and_freezes_it() -> None:
    clock = SandboxClock(START)
    clock.set(START + timedelta(hours=2))
    assert clock.now() == START + timedelta(hours=2)


def test_set_refuses_to_move_backwards() -> None:
    clock = SandboxClock(START)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.set(START - timedelta(seconds=1))


def test_set_refuses_naive_times() -> None:
    clock = SandboxClock(START)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.set(datetime(2027, 1, 5, 9, 0))


def test_times_in_other_zones_are_kept_as_utc() -> None:
    from datetime import timezone

    clock = SandboxClock(datetime(2027, 1, 4, 11, 0, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == START
    assert clock.now().utcoffset() == timedelta(0)


def test_reset_may_go_back_for_a_new_scenario() -> None:
    clock = SandboxClock(START)
    clock.reset(START - timedelta(days=30))
    assert clock.now() == START - timedelta(days=30)
    clock.reset()
    assert not clock.frozen


def test_advance_moves_forward_by_a_delta() -> None:
    clock = SandboxClock(START)
    assert clock.advance(timedelta(minutes=5)) == START + timedelta(minutes=5)
    with pytest.raises(ValueError):
        clock.advance(timedelta(minutes=-1))


def test_a_clock_told_to_follow_a_scenario_clock_reads_it() -> None:
    scenario = [datetime(2027, 1, 4, 9, tzinfo=UTC)]
    clock = SandboxClock(datetime(2026, 1, 1, tzinfo=UTC))
    clock.follow(lambda: scenario[0])
    assert not clock.frozen and clock.now() == scenario[0]
    scenario[0] += timedelta(hours=5)
    assert clock.now() == datetime(2027, 1, 4, 14, tzinfo=UTC)


def test_loading_a_scenario_stops_following() -> None:
    clock = SandboxClock()
    clock.follow(lambda: datetime(2030, 1, 1, tzinfo=UTC))
    clock.reset()
    assert clock.now().year < 2030
