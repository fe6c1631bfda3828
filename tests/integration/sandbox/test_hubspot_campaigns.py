"""Marketing Campaigns v3 in the HubSpot sandbox, driven by the real `hubspot-api-client` (`api_request`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.sandbox.hubspot_support import call, campaign, guid, seed
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration
CAMPAIGNS = "/marketing/v3/campaigns"


def test_create_returns_201_with_a_guid_and_sandbox_clock_times(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    response = call(
        hubspot_sandbox, "POST", CAMPAIGNS, body={"properties": {"hs_name": "Inbound", "hs_start_date": "2027-03-01"}}
    )
    assert response.status_code == 201
    body = response.json()
    assert len(body["id"]) == 36 and body["id"].count("-") == 4
    assert body["properties"]["hs_name"] == "Inbound"
    assert body["createdAt"] == body["updatedAt"] == "2027-01-04T09:00:00.000Z"
    assert response.headers["Location"].endswith(f"{CAMPAIGNS}/{body['id']}")


def test_read_returns_only_the_requested_properties_that_have_values(hubspot_sandbox: Sandboxes) -> None:
    """HubSpot returns no properties unless asked; asked-for properties without a value are left out."""
    item = campaign("Spring", hs_notes="WEB-1", hs_start_date="2027-03-01")
    seed(hubspot_sandbox, [item])
    bare = call(hubspot_sandbox, "GET", f"{CAMPAIGNS}/{item['id']}").json()
    assert bare["properties"] == {} and bare["assets"] == {}
    asked = call(hubspot_sandbox, "GET", f"{CAMPAIGNS}/{item['id']}", qs={"properties": "hs_name,hs_notes,hs_end_date"})
    assert asked.json()["properties"] == {"hs_name": "Spring", "hs_notes": "WEB-1"}


def test_properties_may_be_repeated_or_comma_separated(hubspot_sandbox: Sandboxes) -> None:
    item = campaign("Spring", hs_notes="n", hs_audience="devs")
    seed(hubspot_sandbox, [item])
    repeated = call(hubspot_sandbox, "GET", CAMPAIGNS, qs={"properties": ["hs_name", "hs_notes,hs_audience"]}).json()
    assert repeated["results"][0]["properties"] == {"hs_name": "Spring", "hs_notes": "n", "hs_audience": "devs"}


def test_patch_updates_properties_and_bumps_updated_at_from_the_sandbox_clock(hubspot_sandbox: Sandboxes) -> None:
    item = campaign("Spring", hs_start_date="2027-03-01", hs_notes="old")
    seed(hubspot_sandbox, [item])
    status, _ = hubspot_sandbox.control("PUT", "/_sandbox/clock", {"now": "2027-01-12T10:00:00Z"})
    assert status == 200
    response = call(
        hubspot_sandbox,
        "PATCH",
        f"{CAMPAIGNS}/{item['id']}",
        body={"properties": {"hs_start_date": "2027-02-15", "hs_notes": ""}},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["properties"]["hs_start_date"] == "2027-02-15"
    assert "hs_notes" not in body["properties"], "an empty string clears a property"
    assert body["updatedAt"] == "2027-01-12T10:00:00.000Z" and body["createdAt"] == "2027-01-04T09:00:00.000Z"


def test_patch_refuses_unknown_and_read_only_properties(hubspot_sandbox: Sandboxes) -> None:
    item = campaign("Spring")
    seed(hubspot_sandbox, [item])
    for prop in ("hs_nonsense", "hs_budget_items_sum_amount"):
        response = call(hubspot_sandbox, "PATCH", f"{CAMPAIGNS}/{item['id']}", body={"properties": {prop: "1"}})
        assert response.status_code == 400
        assert response.json()["category"] == "VALIDATION_ERROR" and prop in response.json()["message"]


def test_campaign_names_are_unique(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox, [campaign("Spring Launch")])
    response = call(hubspot_sandbox, "POST", CAMPAIGNS, body={"properties": {"hs_name": "spring launch"}})
    assert response.status_code == 400 and "already exists" in response.json()["message"]


def test_delete_removes_the_campaign_for_good(hubspot_sandbox: Sandboxes) -> None:
    """No archive: a deleted campaign is 404 afterwards and gone from the list."""
    item = campaign("Doomed")
    seed(hubspot_sandbox, [item])
    assert call(hubspot_sandbox, "DELETE", f"{CAMPAIGNS}/{item['id']}").status_code == 204
    missing = call(hubspot_sandbox, "GET", f"{CAMPAIGNS}/{item['id']}")
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"
    assert call(hubspot_sandbox, "GET", CAMPAIGNS).json()["total"] == 0


def test_delete_of_an_unknown_campaign_is_still_204(hubspot_sandbox: Sandboxes) -> None:
    """HubSpot documents 204 "regardless of whether the campaignGuid corresponds to an existing campaign"."""
    seed(hubspot_sandbox)
    assert call(hubspot_sandbox, "DELETE", f"{CAMPAIGNS}/{guid()}").status_code == 204


def test_limit_outside_1_to_100_is_a_400_with_hubspots_error_body(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    for limit in ("0", "101", "ten"):
        response = call(hubspot_sandbox, "GET", CAMPAIGNS, qs={"limit": limit})
        assert response.status_code == 400
        body = response.json()
        assert body["status"] == "error" and body["category"] == "VALIDATION_ERROR" and body["correlationId"]


def test_name_filters_by_case_insensitive_substring(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox, [campaign("Spring Launch"), campaign("Autumn Sale"), campaign("spring webinar")])
    body = call(hubspot_sandbox, "GET", CAMPAIGNS, qs={"name": "SPRING", "properties": "hs_name"}).json()
    assert body["total"] == 2
    assert sorted(r["properties"]["hs_name"] for r in body["results"]) == ["Spring Launch", "spring webinar"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("hs_name", ["alpha", "Beta", "gamma"]), ("-hs_name", ["gamma", "Beta", "alpha"])],
)
def test_sort_by_name_either_way(hubspot_sandbox: Sandboxes, sort: str, expected: list[str]) -> None:
    seed(hubspot_sandbox, [campaign("gamma"), campaign("alpha"), campaign("Beta")])
    body = call(hubspot_sandbox, "GET", CAMPAIGNS, qs={"sort": sort, "properties": "hs_name"}).json()
    assert [r["properties"]["hs_name"] for r in body["results"]] == expected


def test_sort_by_minus_updated_at_puts_the_latest_change_first(hubspot_sandbox: Sandboxes) -> None:
    """`sort=-updatedAt` is how a poller finds what changed since its last poll."""
    first, second = campaign("first"), campaign("second")
    seed(hubspot_sandbox, [first, second])
    hubspot_sandbox.control("PUT", "/_sandbox/clock", {"now": "2027-01-05T09:00:00Z"})
    call(hubspot_sandbox, "PATCH", f"{CAMPAIGNS}/{first['id']}", body={"properties": {"hs_notes": "changed"}})
    body = call(hubspot_sandbox, "GET", CAMPAIGNS, qs={"sort": "-updatedAt", "properties": "hs_name"}).json()
    assert [r["properties"]["hs_name"] for r in body["results"]] == ["first", "second"]
    assert body["results"][0]["updatedAt"] == "2027-01-05T09:00:00.000Z"


def test_an_unknown_sort_is_a_400(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    assert call(hubspot_sandbox, "GET", CAMPAIGNS, qs={"sort": "hs_budget"}).status_code == 400


def test_paging_through_1000_campaigns_returns_each_exactly_once(hubspot_sandbox: Sandboxes) -> None:
    items = [campaign(f"Campaign {n:04d}") for n in range(1000)]
    seed(hubspot_sandbox, items)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        qs = {"limit": 100, "sort": "createdAt", **({"after": after} if after else {})}
        body = call(hubspot_sandbox, "GET", CAMPAIGNS, qs=qs).json()
        assert body["total"] == 1000
        seen.extend(r["id"] for r in body["results"])
        pages += 1
        if "paging" not in body:
            break
        after = body["paging"]["next"]["after"]
        assert body["paging"]["next"]["link"].startswith(hubspot_sandbox.hubspot_url)
    assert pages == 10
    assert len(seen) == len(set(seen)) == 1000
    assert set(seen) == {i["id"] for i in items}


def test_a_keyset_cursor_stays_valid_while_campaigns_change(hubspot_sandbox: Sandboxes) -> None:
    """With keyset cursors (`PUT /_sandbox/hubspot/paging`), deleting the campaign a cursor points at, or adding
    one, does not break or repeat the paging."""
    items = [campaign(f"c{n}") for n in range(6)]
    seed(hubspot_sandbox, items)
    assert hubspot_sandbox.control("PUT", "/_sandbox/hubspot/paging", {"cursors": "keyset"})[0] == 200
    first = call(hubspot_sandbox, "GET", CAMPAIGNS, qs={"limit": 3, "sort": "hs_name", "properties": "hs_name"}).json()
    assert [r["properties"]["hs_name"] for r in first["results"]] == ["c0", "c1", "c2"]
    call(hubspot_sandbox, "DELETE", f"{CAMPAIGNS}/{items[2]['id']}")
    call(hubspot_sandbox, "POST", CAMPAIGNS, body={"properties": {"hs_name": "c9"}})
    after = first["paging"]["next"]["after"]
    rest = call(
        hubspot_sandbox, "GET", CAMPAIGNS, qs={"limit": 10, "sort": "hs_name", "properties": "hs_name", "after": after}
    ).json()
    assert [r["properties"]["hs_name"] for r in rest["results"]] == ["c3", "c4", "c5", "c9"]


def test_a_cursor_from_another_sort_is_refused(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox, [campaign(f"c{n}") for n in range(3)])
    after = call(hubspot_sandbox, "GET", CAMPAIGNS, qs={"limit": 1, "sort": "hs_name"}).json()["paging"]["next"][
        "after"
    ]
    assert call(hubspot_sandbox, "GET", CAMPAIGNS, qs={"sort": "createdAt", "after": after}).status_code == 400


def test_batch_read_returns_200_when_all_are_found_and_207_with_errors_otherwise(hubspot_sandbox: Sandboxes) -> None:
    a, b = campaign("A"), campaign("B")
    seed(hubspot_sandbox, [a, b])
    path = f"{CAMPAIGNS}/batch/read"
    ok = call(
        hubspot_sandbox,
        "POST",
        path,
        qs={"properties": "hs_name"},
        body={"inputs": [{"id": a["id"]}, {"id": b["id"]}, {"id": a["id"]}]},
    )
    assert ok.status_code == 200 and ok.json()["status"] == "COMPLETE"
    assert sorted(r["properties"]["hs_name"] for r in ok.json()["results"]) == ["A", "B"]
    missing = guid()
    partial = call(hubspot_sandbox, "POST", path, body={"inputs": [{"id": a["id"]}, {"id": missing}]})
    assert partial.status_code == 207
    assert partial.json()["numErrors"] == 1 and partial.json()["errors"][0]["context"] == {"ids": [missing]}


def test_batch_read_refuses_more_than_50_inputs(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    body = {"inputs": [{"id": guid()} for _ in range(51)]}
    assert call(hubspot_sandbox, "POST", f"{CAMPAIGNS}/batch/read", body=body).status_code == 400


def test_budget_totals_sum_the_budget_and_spend_items(hubspot_sandbox: Sandboxes) -> None:
    """A scenario seeds the read-only sums; budget/totals and the sum properties agree."""
    item = campaign(
        "Budgeted", hs_currency_code="EUR", hs_budget_items_sum_amount="5000", hs_spend_items_sum_amount="1250.5"
    )
    seed(hubspot_sandbox, [item])
    totals = call(hubspot_sandbox, "GET", f"{CAMPAIGNS}/{item['id']}/budget/totals").json()
    assert totals["currencyCode"] == "EUR"
    assert (totals["budgetTotal"], totals["spendTotal"], totals["remainingBudget"]) == (5000, 1250.5, 3749.5)
    assert totals["budgetItems"][0]["amount"] == 5000 and isinstance(totals["budgetItems"][0]["createdAt"], int)
    props = call(
        hubspot_sandbox,
        "GET",
        f"{CAMPAIGNS}/{item['id']}",
        qs={"properties": "hs_budget_items_sum_amount,hs_currency_code"},
    ).json()
    assert props["properties"] == {"hs_budget_items_sum_amount": "5000", "hs_currency_code": "EUR"}


def test_metrics_are_zero_counters(hubspot_sandbox: Sandboxes) -> None:
    item = campaign("Measured")
    seed(hubspot_sandbox, [item])
    response = call(
        hubspot_sandbox,
        "GET",
        f"{CAMPAIGNS}/{item['id']}/reports/metrics",
        qs={"startDate": "2027-01-01", "endDate": "2027-01-31"},
    )
    assert response.json() == {
        "influencedContacts": 0,
        "newContactsFirstTouch": 0,
        "newContactsLastTouch": 0,
        "sessions": 0,
    }
    assert call(hubspot_sandbox, "GET", f"{CAMPAIGNS}/{guid()}/reports/metrics").status_code == 404


def test_writes_are_logged_with_their_outcome(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    call(hubspot_sandbox, "POST", CAMPAIGNS, body={"properties": {"hs_name": "Logged"}})
    call(hubspot_sandbox, "PATCH", f"{CAMPAIGNS}/{guid()}", body={"properties": {"hs_notes": "x"}})
    call(hubspot_sandbox, "GET", CAMPAIGNS)
    status, writes = hubspot_sandbox.control("GET", "/_sandbox/writes")
    assert status == 200
    assert [(w["method"], w["status"]) for w in writes] == [("POST", 201), ("PATCH", 404)]
    assert writes[0]["body"] == {"properties": {"hs_name": "Logged"}} and writes[0]["at"] == "2027-01-04T09:00:00Z"
    assert datetime.fromisoformat(writes[1]["at"].replace("Z", "+00:00")) - datetime(
        2027, 1, 4, 9, tzinfo=UTC
    ) == timedelta(0)
