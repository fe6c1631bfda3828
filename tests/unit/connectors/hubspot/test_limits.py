"""Reading HubSpot's limit headers and holding the app's budget by them (pure logic, a fixed clock)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.http.caller import Budget, leaky_bucket
from connectors.hubspot.limits import PROBE, HubSpotLimits, header, next_midnight, policy_of, rolling_window_bucket

NOW = datetime(2027, 3, 9, 20, 0, tzinfo=UTC)


def limits(reserve: int = 100, zone: str = "UTC", per_10s: int = 180) -> HubSpotLimits:
    clock = {"now": NOW}
    found = HubSpotLimits(
        Budget(leaky_bucket(*rolling_window_bucket(per_10s, 10.0))),
        per_10s=per_10s,
        reserve=reserve,
        zone=ZoneInfo(zone),
        clock=lambda: clock["now"],
    )
    found.clock_box = clock  # type: ignore[attr-defined]
    return found


def daily(remaining: int, limit: int = 250_000) -> dict[str, str]:
    return {"X-HubSpot-RateLimit-Daily": str(limit), "X-HubSpot-RateLimit-Daily-Remaining": str(remaining)}


def test_the_day_ends_at_midnight_in_the_accounts_zone_daylight_saving_included() -> None:
    """HubSpot's day runs "midnight to midnight based on the time zone setting of the account"
    (https://developers.hubspot.com/changelog/2018-11-06-rate-limit-information-headers-will-be-included-in-http-responses)."""
    assert next_midnight(NOW, ZoneInfo("UTC")) == datetime(2027, 3, 10, tzinfo=UTC)
    assert next_midnight(NOW, ZoneInfo("Europe/Berlin")) == datetime(2027, 3, 9, 23, tzinfo=UTC)
    # 14 March 2027 is the spring change in New York: that midnight is 05:00 UTC, the next one 04:00 UTC
    assert next_midnight(datetime(2027, 3, 13, 12, tzinfo=UTC), ZoneInfo("America/New_York")) == datetime(
        2027, 3, 14, 5, tzinfo=UTC
    )
    assert next_midnight(datetime(2027, 3, 14, 12, tzinfo=UTC), ZoneInfo("America/New_York")) == datetime(
        2027, 3, 15, 4, tzinfo=UTC
    )


def test_the_policy_name_is_read_from_hubspots_429_body_in_any_form() -> None:
    """HubSpot's 429 names its policy: `DAILY` or `TEN_SECONDLY_ROLLING` (https://developers.hubspot.com/docs/api/usage-details)."""
    assert policy_of(b'{"status":"error","policyName":"DAILY"}') == "DAILY"
    assert policy_of('{"policyName":"TEN_SECONDLY_ROLLING"}') == "TEN_SECONDLY_ROLLING"
    assert policy_of({"policyName": "DAILY"}) == "DAILY"
    assert policy_of(b"<html>502</html>") is None and policy_of(None) is None


def test_headers_are_found_whatever_their_case() -> None:
    assert header({"x-hubspot-ratelimit-daily": "5"}, "X-HubSpot-RateLimit-Daily") == "5"
    assert header([("X-HUBSPOT-RATELIMIT-MAX", "100")], "X-HubSpot-RateLimit-Max") == "100"
    assert header(None, "X-HubSpot-RateLimit-Max") is None


def test_plenty_left_holds_nothing() -> None:
    found = limits()
    found.observe(daily(240_000))
    assert found.budget.held(priority=False) is None and found.view().remaining == 240_000


def test_down_to_the_reserve_holds_polling_until_midnight_but_not_priority_calls() -> None:
    found = limits(reserve=100, zone="Europe/Berlin")
    found.observe(daily(100))
    hold = found.budget.held(priority=False)
    assert hold is not None and "TANDEM_HUBSPOT_DAILY_RESERVE=100" in hold.reason
    assert found.budget.held(priority=True) is None
    assert found.view().held_until == datetime(2027, 3, 9, 23, tzinfo=UTC)


def test_none_left_holds_every_call() -> None:
    found = limits()
    found.observe(daily(100))
    found.observe(daily(0))
    assert found.budget.held(priority=True) is not None


def test_a_daily_429_holds_every_call_until_midnight() -> None:
    found = limits()
    found.daily_spent()
    hold = found.budget.held(priority=True)
    assert hold is not None and "DAILY" in hold.reason
    assert found.view().held_until == datetime(2027, 3, 10, tzinfo=UTC)


def test_more_than_the_reserve_left_again_means_the_day_turned_and_releases_the_hold() -> None:
    """A zone set wrong the other way: HubSpot's day turned before Tandem's midnight."""
    found = limits()
    found.observe(daily(50))
    found.observe(daily(249_999))
    assert found.budget.held(priority=False) is None and found.view().held_until is None


def test_a_day_still_spent_after_tandems_midnight_probes_again_and_names_the_setting() -> None:
    found = limits(zone="UTC")
    found.daily_spent()
    found.clock_box["now"] = datetime(2027, 3, 10, 0, 1, tzinfo=UTC)  # type: ignore[attr-defined]
    found.daily_spent()  # HubSpot's account is further west: its day has not turned
    assert found.view().held_until == datetime(2027, 3, 10, 0, 1, tzinfo=UTC) + PROBE
    assert "TANDEM_HUBSPOT_TIMEZONE" in (found.view().held_reason or "")


@pytest.mark.parametrize(
    ("announced", "interval", "expected"),
    [("100", "10000", 95.0), ("190", "10000", 180.0), ("50", "1000", 180.0), ("0", "10000", 180.0)],
)
def test_the_rate_comes_down_to_what_hubspot_announces_never_up(announced: str, interval: str, expected: float) -> None:
    """`X-HubSpot-RateLimit-Max` per `-Interval-Milliseconds` (https://developers.hubspot.com/docs/api/usage-details):
    Tandem keeps 5 % under it when it is below its own cap, and never goes above its own cap."""
    found = limits(per_10s=180)
    found.observe({"X-HubSpot-RateLimit-Max": announced, "X-HubSpot-RateLimit-Interval-Milliseconds": interval})
    assert found.per_10s == expected


def test_a_lowered_rate_is_the_budgets_rate() -> None:
    found = limits(per_10s=180)
    found.observe({"X-HubSpot-RateLimit-Max": "100", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"})
    limiter = found.budget.limiter("default")
    assert limiter.max_rate == 10 and limiter.time_period == pytest.approx(10 / 8.5)
    found.observe({"X-HubSpot-RateLimit-Max": "190", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"})
    assert found.budget.limiter("default").time_period == pytest.approx(10 / 17)  # back to 180 per 10 s


def test_one_limits_object_per_budget() -> None:
    budget = Budget(leaky_bucket(1.0, 1.0))
    first = HubSpotLimits.of(budget, per_10s=180, reserve=1, zone=ZoneInfo("UTC"))
    assert HubSpotLimits.of(budget, per_10s=180, reserve=1, zone=ZoneInfo("UTC")) is first
    assert HubSpotLimits.of(Budget(leaky_bucket(1.0, 1.0)), per_10s=1, reserve=1, zone=ZoneInfo("UTC")) is not first


def test_a_hold_ends_on_its_own_at_the_reset() -> None:
    found = limits()
    found.observe(daily(0))
    hold = found.budget.held(priority=True)
    assert hold is not None
    left = timedelta(seconds=hold.until - time.monotonic())  # 20:00 UTC: the reset is 4 hours away
    assert timedelta(hours=3, minutes=59) < left <= timedelta(hours=4)
