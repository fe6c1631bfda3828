"""JQL dates: Jira's four absolute formats, periods relative to the sandbox clock, minute precision, UTC.

The clock stands at 2027-01-10 12:00:30 UTC. Updated times: WEB-1 01-09 10:15:45, WEB-2 01-10 11:58:10,
WEB-3 01-08 00:00, APP-1 01-10 12:00:05, APP-2 01-07 16:30. Created: WEB-1 01-04 09:00, WEB-2 01-05 09:00,
WEB-3 01-05 10:00, APP-1 2026-12-20 08:00, APP-2 01-07 16:30. WEB-1 is due 2027-02-20.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.jira.jql_compile import parse_date
from tests.unit.sandbox.jql_support import NOW, error, keys


def test_slash_date_and_time() -> None:
    assert keys('updated >= "2027/01/10 11:58"') == ["WEB-2", "APP-1"]


def test_dash_date_and_time() -> None:
    assert keys('updated >= "2027-01-10 11:58"') == ["WEB-2", "APP-1"]


def test_slash_date() -> None:
    assert keys('created >= "2027/01/05"') == ["WEB-3", "WEB-2", "APP-2"]


def test_dash_date_unquoted() -> None:
    assert keys("created >= 2027-01-05") == ["WEB-3", "WEB-2", "APP-2"]


def test_comparisons_are_at_minute_precision() -> None:
    """WEB-2 was updated at 11:58:10, which is the minute 11:58: not after it, but at or after it."""
    assert keys('updated > "2027/01/10 11:58"') == ["APP-1"]
    assert keys('updated >= "2027/01/10 11:58"') == ["WEB-2", "APP-1"]


def test_a_date_without_a_time_means_midnight() -> None:
    """As in Jira: `created <= "2027-01-05"` leaves out issues created later that day."""
    assert keys('created <= "2027-01-05"') == ["WEB-1", "APP-1"]


def test_equals_a_date_matches_the_whole_day() -> None:
    assert keys('created = "2027-01-05"') == ["WEB-3", "WEB-2"]


def test_equals_a_date_and_time_matches_that_minute() -> None:
    assert keys('updated = "2027-01-10 11:58"') == ["WEB-2"]


def test_not_equals_a_date() -> None:
    assert keys('created != "2027-01-05"') == ["WEB-1", "APP-2", "APP-1"]


def test_less_than() -> None:
    assert keys('updated < "2027-01-08 00:01"') == ["WEB-3", "APP-2"]


def test_relative_minutes() -> None:
    assert keys("updated >= -5m") == ["WEB-2", "APP-1"]


def test_relative_hours() -> None:
    assert keys("updated >= -3h") == ["WEB-2", "APP-1"]


def test_relative_days() -> None:
    assert keys("updated > -2d") == ["WEB-2", "WEB-1", "APP-1"]


def test_relative_weeks() -> None:
    assert keys("created >= -2w") == ["WEB-3", "WEB-2", "WEB-1", "APP-2"]


def test_a_period_of_several_units() -> None:
    assert parse_date("-1w 2d", NOW) == parse_date("-9d", NOW)


def test_a_period_without_a_sign_is_in_the_future() -> None:
    assert keys("duedate <= 6w") == ["WEB-1"]


def test_relative_dates_count_from_the_sandbox_clock_floored_to_the_minute() -> None:
    value = parse_date("-5m", NOW)
    assert value is not None and value.instant == datetime(2027, 1, 10, 11, 55, tzinfo=UTC)


def test_due_is_a_name_for_duedate() -> None:
    assert keys('due = "2027-02-20"') == ["WEB-1"]


def test_duedate_is_empty() -> None:
    assert keys("project = WEB AND duedate is EMPTY") == ["WEB-3", "WEB-2"]


def test_now_function() -> None:
    assert keys("updated >= now()") == ["APP-1"]


def test_createddate_is_a_name_for_created() -> None:
    assert keys('createdDate >= "2027/01/07"') == ["APP-2"]


def test_an_unreadable_date_is_a_400_listing_the_formats() -> None:
    assert error('updated > "last tuesday"') == (
        "Date value 'last tuesday' for field 'updated' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
        "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
    )


def test_an_impossible_date_is_a_400() -> None:
    assert error('created > "2027/13/01"').startswith("Date value '2027/13/01' for field 'created' is invalid.")
