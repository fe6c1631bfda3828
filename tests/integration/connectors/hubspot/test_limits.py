"""HubSpot's limits as HubSpot reports them (daily count, DAILY 429s, the tier), against the sandbox over HTTP,
and one budget per app shared by every `HubSpotApi` of a worker."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from connectors.http.errors import ApiPaused, CredentialsRejected
from connectors.hubspot.api import HubSpotApi
from connectors.hubspot.limits import next_midnight
from connectors.hubspot.sink import HubSpotSink
from connectors.hubspot.source import HubSpotSource
from tests.integration.connectors.support import Plumbing, guid, load, scenario, settings_for
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration
LIMITS = "/_sandbox/hubspot/limits"
DUE = datetime(2027, 2, 1, tzinfo=UTC)


def terms(world: Sandboxes, **values: object) -> None:
    status, answer = world.control("PUT", LIMITS, values)
    assert status == 200, answer


def source(world: Sandboxes, plumbing: Plumbing, **overrides: object) -> HubSpotSource:
    settings = settings_for(world, plumbing.bootstrap, plumbing.prefix, **overrides)
    return HubSpotSource(settings, plumbing.sink, plumbing.cursors(), clock=world.world.clock.now)


async def test_a_daily_429_is_not_retried_and_holds_every_call_until_midnight_in_the_accounts_zone(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """A 429 with `policyName: DAILY` ("You have reached your daily limit.",
    https://developers.hubspot.com/docs/api/usage-details) lasts until the daily reset, "midnight to midnight based
    on the time zone setting of the account"
    (https://developers.hubspot.com/changelog/2018-11-06-rate-limit-information-headers-will-be-included-in-http-responses):
    retrying it spends nothing but attempts, so the source stops at the first one and holds the app's budget."""
    load(world, scenario(campaigns=3))
    terms(world, daily=50, used_today=50)
    hub = source(world, plumbing, hubspot_timezone="America/New_York")
    with pytest.raises(ApiPaused, match="daily"):
        await hub.sync()
    assert hub.api.caller.requests == 1
    view = hub.api.limits.view()
    assert view.remaining == 0
    assert view.held_until == next_midnight(datetime.now(UTC), ZoneInfo("America/New_York"))
    assert view.held_reason is not None and "DAILY" in view.held_reason
    with pytest.raises(ApiPaused):  # a spent day holds write-back too
        await HubSpotSink(hub.api).create_task("100", "Blocked", "WEB-1 is blocked", DUE)
    assert hub.api.caller.requests == 1
    await hub.close()


async def test_polling_stops_at_the_daily_reserve_and_write_back_goes_on_until_the_limit(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """HubSpot reports what is left of the day on every answer (`X-HubSpot-RateLimit-Daily-Remaining`,
    https://developers.hubspot.com/docs/api/usage-details). With `TANDEM_HUBSPOT_DAILY_RESERVE` left the pollers
    wait for the reset; tasks, notes and status writes spend the reserve, and nothing is sent once it is spent."""
    load(world, scenario(campaigns=3))
    terms(world, daily=100, used_today=94)  # the first answer says 5 left
    hub = source(world, plumbing, hubspot_daily_reserve=5)
    with pytest.raises(ApiPaused, match="TANDEM_HUBSPOT_DAILY_RESERVE"):
        await hub.sync()
    sent = hub.api.caller.requests
    assert sent == 1
    assert hub.api.limits.view().held_until == next_midnight(datetime.now(UTC), ZoneInfo("UTC"))
    sink = HubSpotSink(hub.api)
    for n in range(5):
        created = await sink.create_task("100", f"Blocked {n}", "WEB-1 is blocked", DUE)
        assert created["id"]
    assert hub.api.limits.view().remaining == 0
    with pytest.raises(ApiPaused, match="spent"):
        await sink.create_task("100", "One too many", "WEB-1 is blocked", DUE)
    assert hub.api.caller.requests == sent + 5
    _, seen = world.control("GET", LIMITS)
    assert seen["used_today"] == 100  # nothing was refused: Tandem stopped itself
    await hub.close()


async def test_the_budget_comes_down_to_the_tier_hubspot_announces(world: Sandboxes, plumbing: Plumbing) -> None:
    """Private apps get 100 or 190 requests per 10 s by subscription, announced in `X-HubSpot-RateLimit-Max` and
    `-Interval-Milliseconds` (https://developers.hubspot.com/docs/api/usage-details): on a 100 tier Tandem's
    default of 180 would meet 429s, so it keeps 5 % under what HubSpot announces."""
    load(world, scenario(campaigns=3))
    terms(world, per_10s=100)
    hub = source(world, plumbing)
    assert hub.api.limits.per_10s == 180
    await hub.sync()
    assert hub.api.limits.per_10s == 95
    limiter = hub.api.caller.budget.limiter("default")
    assert limiter.max_rate == 10 and limiter.time_period == pytest.approx(10 / 8.5)  # burst 10, 8.5 a second
    await hub.close()


async def test_a_higher_tier_than_configured_leaves_tandems_own_cap(world: Sandboxes, plumbing: Plumbing) -> None:
    load(world, scenario(campaigns=3))
    terms(world, per_10s=190)
    hub = source(world, plumbing)
    await hub.sync()
    assert hub.api.limits.per_10s == 180 and hub.api.limits.window is None
    await hub.close()


async def test_a_source_and_write_back_of_one_app_share_one_budget_and_another_app_has_its_own(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """HubSpot counts its limits per app (https://developers.hubspot.com/docs/api/usage-details): the poller's
    requests and those of a second `HubSpotApi` built from the same settings (write-back, notifications) draw on
    one budget; a client with other credentials is another app and does not."""
    load(world, scenario(campaigns=1))
    settings = settings_for(world, plumbing.bootstrap, plumbing.prefix, hubspot_requests_per_10s=20)  # burst 10
    hub = HubSpotSource(settings, plumbing.sink, plumbing.cursors(), clock=world.world.clock.now)
    second = HubSpotApi(settings)
    other = HubSpotApi(settings.model_copy(update={"hubspot_token": SecretStr("pat-na1-another-app")}))
    assert hub.api.caller.budget is second.caller.budget
    assert other.caller.budget is not hub.api.caller.budget
    for _ in range(10):  # the burst, spent by the source's client
        await hub.api.read_campaigns([guid(1)], [])
    started = time.monotonic()
    await second.read_campaigns([guid(1)], [])
    assert time.monotonic() - started >= 0.5  # waited for the budget the source spent (1 a second)
    started = time.monotonic()
    with pytest.raises(CredentialsRejected):
        await other.read_campaigns([guid(1)], [])
    assert time.monotonic() - started < 0.5  # its own budget was untouched
    for api in (second, other):
        api.close()
    await hub.close()
