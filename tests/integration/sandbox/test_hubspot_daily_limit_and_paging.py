"""The HubSpot sandbox's account terms: the DAILY limit and its headers, the tier, offset cursors, repeated cursors."""

from __future__ import annotations

import pytest

from tests.integration.sandbox.hubspot_support import call, campaign, client, seed
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration
CAMPAIGNS = "/marketing/v3/campaigns"
LIMITS = "/_sandbox/hubspot/limits"
USAGE = "https://developers.hubspot.com/docs/api/usage-details"


def limits(sandboxes: Sandboxes, **values: object) -> dict[str, object]:
    status, answer = sandboxes.control("PUT", LIMITS, values)
    assert status == 200, answer
    assert isinstance(answer, dict)
    return answer


def test_every_answer_carries_the_daily_limit_and_what_is_left_of_it(hubspot_sandbox: Sandboxes) -> None:
    """Private apps get `X-HubSpot-RateLimit-Daily` and `-Daily-Remaining` on every answer
    (https://developers.hubspot.com/docs/api/usage-details, "Rate limits" headers table)."""
    seed(hubspot_sandbox)
    limits(hubspot_sandbox, daily=1000)
    first = call(hubspot_sandbox, "GET", CAMPAIGNS)
    second = call(hubspot_sandbox, "GET", CAMPAIGNS)
    assert first.headers["X-HubSpot-RateLimit-Daily"] == "1000"
    assert first.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "999"
    assert second.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "998"


def test_a_spent_day_is_a_429_with_policy_daily_in_hubspots_body(hubspot_sandbox: Sandboxes) -> None:
    """HubSpot's DAILY 429: `{"status":"error","message":"You have reached your daily limit.","errorType":
    "RATE_LIMIT","correlationId":…,"policyName":"DAILY","requestId":…}` (https://developers.hubspot.com/docs/api/usage-details,
    "Error responses"); a refused request is not counted."""
    seed(hubspot_sandbox)
    limits(hubspot_sandbox, daily=3)
    assert [call(hubspot_sandbox, "GET", CAMPAIGNS).status_code for _ in range(3)] == [200, 200, 200]
    spent = call(hubspot_sandbox, "GET", CAMPAIGNS)
    assert spent.status_code == 429
    body = spent.json()
    assert (body["status"], body["message"], body["errorType"], body["policyName"]) == (
        "error",
        "You have reached your daily limit.",
        "RATE_LIMIT",
        "DAILY",
    )
    assert body["correlationId"] and body["requestId"]
    assert spent.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    assert hubspot_sandbox.control("GET", LIMITS)[1]["used_today"] == 3


def test_the_day_turns_at_midnight_in_the_accounts_time_zone(hubspot_sandbox: Sandboxes) -> None:
    """The daily limit "resets at midnight based on the time zone setting of the account"
    (https://developers.hubspot.com/changelog/2018-11-06-rate-limit-information-headers-will-be-included-in-http-responses)."""
    seed(hubspot_sandbox, start="2027-01-04T20:00:00Z")  # 15:00 in New York
    limits(hubspot_sandbox, daily=10, used_today=10, time_zone="America/New_York")
    assert call(hubspot_sandbox, "GET", CAMPAIGNS).status_code == 429
    hubspot_sandbox.control("PUT", "/_sandbox/clock", {"now": "2027-01-05T01:00:00Z"})  # UTC's day turned, NY's not
    assert call(hubspot_sandbox, "GET", CAMPAIGNS).status_code == 429
    hubspot_sandbox.control("PUT", "/_sandbox/clock", {"now": "2027-01-05T05:00:01Z"})  # midnight in New York
    fresh = call(hubspot_sandbox, "GET", CAMPAIGNS)
    assert fresh.status_code == 200 and fresh.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "9"


def test_the_tier_is_configurable_and_announced(hubspot_sandbox: Sandboxes) -> None:
    """Private apps get 100 (Free/Starter) or 190 (Professional/Enterprise) requests per 10 s, announced in
    `X-HubSpot-RateLimit-Max` and `-Interval-Milliseconds` (https://developers.hubspot.com/docs/api/usage-details)."""
    seed(hubspot_sandbox)
    limits(hubspot_sandbox, per_10s=100)
    answer = call(hubspot_sandbox, "GET", CAMPAIGNS)
    assert answer.headers["X-HubSpot-RateLimit-Max"] == "100"
    assert answer.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"


def test_loading_a_scenario_restores_the_default_terms(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    limits(hubspot_sandbox, per_10s=100, daily=5, used_today=5)
    seed(hubspot_sandbox)
    answer = call(hubspot_sandbox, "GET", CAMPAIGNS)
    assert answer.status_code == 200 and answer.headers["X-HubSpot-RateLimit-Max"] == "190"


def test_bad_limits_are_a_400_that_names_the_field(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    status, answer = hubspot_sandbox.control("PUT", LIMITS, {"per_10s": 0})
    assert status == 400 and "per_10s" in answer["error"]
    status, answer = hubspot_sandbox.control("PUT", LIMITS, {"time_zone": "Mars/Olympus"})
    assert status == 400 and "Mars/Olympus" in answer["error"]


def test_an_offset_cursor_skips_a_campaign_when_one_before_it_is_deleted(hubspot_sandbox: Sandboxes) -> None:
    """HubSpot does not document what the campaign listing's `after` is; read as an offset (the sandbox's
    default), a deletion among the campaigns already passed moves the next page's first campaign onto the page
    already read: the listing never returns it."""
    items = [campaign(f"c{n}") for n in range(6)]
    seed(hubspot_sandbox, items)
    qs = {"limit": 3, "sort": "hs_name", "properties": "hs_name"}
    first = call(hubspot_sandbox, "GET", CAMPAIGNS, qs=qs).json()
    assert [r["properties"]["hs_name"] for r in first["results"]] == ["c0", "c1", "c2"]
    call(hubspot_sandbox, "DELETE", f"{CAMPAIGNS}/{items[1]['id']}")
    rest = call(hubspot_sandbox, "GET", CAMPAIGNS, qs={**qs, "after": first["paging"]["next"]["after"]}).json()
    assert [r["properties"]["hs_name"] for r in rest["results"]] == ["c4", "c5"]  # c3 is live and never listed


def test_a_repeat_cursor_fault_hands_back_the_campaign_cursor_it_was_asked_with(hubspot_sandbox: Sandboxes) -> None:
    """The `repeat_cursor` fault: a page asked for with a cursor names that same cursor as the next one."""
    seed(hubspot_sandbox, [campaign(f"c{n}") for n in range(5)])
    hubspot_sandbox.control("PUT", "/_sandbox/faults/hubspot", {"repeat_cursor": ["^/marketing/v3/campaigns$"]})
    first = call(hubspot_sandbox, "GET", CAMPAIGNS, qs={"limit": 2}).json()
    after = first["paging"]["next"]["after"]
    second = call(hubspot_sandbox, "GET", CAMPAIGNS, qs={"limit": 2, "after": after}).json()
    third = call(hubspot_sandbox, "GET", CAMPAIGNS, qs={"limit": 2, "after": after}).json()
    assert second["paging"]["next"]["after"] == third["paging"]["next"]["after"] == after


def test_a_repeat_cursor_fault_applies_to_the_owner_listing_too(hubspot_sandbox: Sandboxes) -> None:
    owners = [{"id": str(100 + n), "email": f"o{n}@acme.test"} for n in range(5)]
    seed(hubspot_sandbox, owners=owners)
    hubspot_sandbox.control("PUT", "/_sandbox/faults/hubspot", {"repeat_cursor": ["^/crm/v3/owners/?$"]})
    api = client(hubspot_sandbox).crm.owners.owners_api
    after = api.get_page(limit=2).paging.next.after
    assert api.get_page(limit=2, after=after).paging.next.after == after


def test_a_repeat_cursor_fault_with_a_bad_pattern_is_refused(hubspot_sandbox: Sandboxes) -> None:
    status, answer = hubspot_sandbox.control("PUT", "/_sandbox/faults/hubspot", {"repeat_cursor": ["("]})
    assert status == 400 and "repeat_cursor" in str(answer)
