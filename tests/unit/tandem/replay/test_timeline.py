"""How the replayer walks the scenario clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tandem.replay.driver import tick_batches, tick_times

START = datetime(2027, 1, 4, 9, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_ticks_fall_on_the_hour_grid_from_the_start() -> None:
    assert tick_times(START, START + 3 * HOUR, HOUR, START) == [START + HOUR, START + 2 * HOUR]


def test_ticks_resume_on_the_grid_after_an_off_grid_step() -> None:
    after = START + timedelta(minutes=90)
    assert tick_times(after, START + 4 * HOUR, HOUR, START) == [START + 2 * HOUR, START + 3 * HOUR]


def test_no_ticks_in_an_empty_span() -> None:
    assert tick_times(START, START, HOUR, START) == []


def test_ticks_go_out_a_scenario_day_at_a_time() -> None:
    times = [START + k * HOUR for k in range(50)]
    batches = tick_batches(times, timedelta(days=1))
    assert [len(batch) for batch in batches] == [24, 24, 2]
