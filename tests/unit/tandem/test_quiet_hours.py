"""Quiet hours delay messages to their end, never drop them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tandem.quiet_hours import parse_quiet_hours


def test_quiet_hours_across_midnight_contain_the_night() -> None:
    hours = parse_quiet_hours("22:00-07:00")
    assert hours.contains(datetime(2027, 1, 12, 23, tzinfo=UTC))
    assert hours.contains(datetime(2027, 1, 12, 6, 59, tzinfo=UTC))
    assert not hours.contains(datetime(2027, 1, 12, 7, tzinfo=UTC))


def test_a_message_in_quiet_hours_waits_until_they_end() -> None:
    hours = parse_quiet_hours("22:00-07:00")
    assert hours.ends_after(datetime(2027, 1, 12, 23, tzinfo=UTC)) == datetime(2027, 1, 13, 7, tzinfo=UTC)


def test_quiet_hours_follow_the_persons_time_zone() -> None:
    hours = parse_quiet_hours("20:00-08:00 Europe/Berlin")
    assert hours.contains(datetime(2027, 1, 12, 19, 30, tzinfo=UTC))  # 20:30 in Berlin
    assert hours.ends_after(datetime(2027, 1, 12, 19, 30, tzinfo=UTC)) == datetime(2027, 1, 13, 7, tzinfo=UTC)


@pytest.mark.parametrize("spec", ["9-17", "25:00-07:00", "08:00-08:00", "08:00-17:00 Mars/Olympus"])
def test_bad_quiet_hours_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="quiet hours"):
        parse_quiet_hours(spec)
