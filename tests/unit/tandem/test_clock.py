"""The worker's clock: the wall clock, or the demo's scenario clock (`TANDEM_CLOCK`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tandem.clock import clock_for, scenario_now, speed_of, wall_at
from tandem.settings import ClockSpec, SettingsError, load_settings

START = datetime(2027, 1, 4, 9, tzinfo=UTC)
DAY_EVERY_20S = 86400 / 20


def test_the_scenario_clock_reads_its_start_at_its_origin() -> None:
    assert scenario_now(ClockSpec(start=START, origin=1000.0, speed=DAY_EVERY_20S), wall=1000.0) == START


def test_the_scenario_clock_runs_speed_times_as_fast_as_the_wall() -> None:
    spec = ClockSpec(start=START, origin=1000.0, speed=DAY_EVERY_20S)
    assert scenario_now(spec, wall=1020.0) == START + timedelta(days=1)


def test_the_scenario_clock_stops_at_its_end() -> None:
    spec = ClockSpec(start=START, origin=0.0, speed=DAY_EVERY_20S, end=START + timedelta(days=2))
    assert scenario_now(spec, wall=10_000.0) == START + timedelta(days=2)


def test_the_scenario_clock_never_reads_before_its_start() -> None:
    assert scenario_now(ClockSpec(start=START, origin=1000.0, speed=2.0), wall=900.0) == START


def test_wall_at_is_when_the_scenario_clock_reads_a_time() -> None:
    spec = ClockSpec(start=START, origin=1000.0, speed=DAY_EVERY_20S)
    assert wall_at(spec, START + timedelta(days=3)) == pytest.approx(1060.0)


def test_without_a_clock_setting_the_worker_lives_by_the_wall_clock() -> None:
    settings = load_settings()
    before = datetime.now(UTC)
    assert before <= clock_for(settings)() <= datetime.now(UTC)
    assert speed_of(settings) == 1.0


def test_the_clock_setting_is_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_CLOCK", '{"start": "2027-01-04T09:00:00Z", "origin": 1000, "speed": 4320}')
    settings = load_settings()
    assert settings.clock == ClockSpec(start=START, origin=1000.0, speed=4320.0)
    assert speed_of(settings) == 4320.0


def test_a_clock_without_a_zone_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_CLOCK", '{"start": "2027-01-04T09:00:00", "origin": 1000}')
    with pytest.raises(SettingsError, match="TANDEM_CLOCK"):
        load_settings()
