"""HubSpot campaign and owner JSON → records (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.http.errors import ObjectError
from connectors.hubspot.normalise import campaign_snapshot, campaign_tombstone, owner_person, parse_day
from connectors.hubspot.status_block import with_block
from streams.records import Person
from streams.rules.references import campaign_id_from_url

GUID = "0b6e1b6e-6f4e-4c43-9a77-1d2a3c4b5d6e"


def campaign(**properties: str) -> dict:
    return {
        "id": GUID,
        "properties": {"hs_name": "Spring Launch", "hs_owner": "101", **properties},
        "createdAt": "2027-01-01T00:00:00.000Z",
        "updatedAt": "2027-01-04T09:00:00.123Z",
    }


def test_a_campaign_becomes_a_snapshot_with_its_owner_dates_budget_and_ui_url() -> None:
    owners = {"101": Person(id="101", name="Maria Lopez", email="maria@acme.test")}
    snap = campaign_snapshot(
        campaign(
            hs_start_date="2027-03-01", hs_budget_items_sum_amount="1500.5", hs_currency_code="EUR", hs_notes="WEB-1"
        ),
        owners=owners,
        app_url="https://app.hubspot.com/",
        portal_id=4242,
    )
    assert snap.id == GUID and snap.name == "Spring Launch" and snap.start_date == "2027-03-01"
    assert snap.source_updated_at == datetime(2027, 1, 4, 9, 0, 0, 123000, tzinfo=UTC)
    assert snap.owner == owners["101"] and snap.budget == 1500.5 and snap.currency == "EUR" and snap.notes == "WEB-1"
    assert snap.url == f"https://app.hubspot.com/marketing/4242/campaigns/details/{GUID}"
    assert campaign_id_from_url(snap.url, "https://app.hubspot.com") == GUID  # the link a Jira remote link carries
    assert snap.properties["hs_owner"] == "101"


def test_an_owner_hubspot_does_not_know_stays_a_bare_person_and_no_portal_means_no_url() -> None:
    snap = campaign_snapshot(campaign(), owners={}, app_url="https://app.hubspot.com", portal_id=None)
    assert snap.owner == Person(id="101") and snap.url is None


def test_dates_come_as_days_datetimes_or_epoch_millis() -> None:
    assert parse_day("2027-03-01", "d") == "2027-03-01"
    assert parse_day("2027-03-01T00:00:00Z", "d") == "2027-03-01"
    assert parse_day("1803859200000", "d") == "2027-03-01"
    assert parse_day("", "d") is None


@pytest.mark.parametrize(
    "bad",
    [
        {"id": GUID, "properties": {}, "updatedAt": "yesterday"},
        {"id": GUID, "properties": {"hs_start_date": "2027-13-45"}, "updatedAt": "2027-01-04T09:00:00Z"},
        {"id": GUID, "properties": {"hs_budget_items_sum_amount": "lots"}, "updatedAt": "2027-01-04T09:00:00Z"},
        {"properties": {}, "updatedAt": "2027-01-04T09:00:00Z"},
    ],
)
def test_a_malformed_campaign_is_an_object_error_for_the_dead_letter_topic(bad: dict) -> None:
    with pytest.raises(ObjectError):
        campaign_snapshot(bad, owners={}, app_url="https://app.hubspot.com", portal_id=1)


def test_owners_from_rest_and_typed_client_field_names() -> None:
    assert owner_person({"id": "7", "firstName": "Ann", "lastName": "Lee", "email": "a@x.test"}) == Person(
        id="7", name="Ann Lee", email="a@x.test"
    )
    assert owner_person({"id": "8", "first_name": "Bo", "last_name": None, "email": None}) == Person(id="8", name="Bo")


def test_a_tombstone_is_a_deleted_snapshot_at_the_time_it_was_missed() -> None:
    at = datetime(2027, 2, 1, tzinfo=UTC)
    tomb = campaign_tombstone(GUID, at)
    assert tomb.deleted and tomb.id == GUID and tomb.source_updated_at == at


def test_tandems_status_block_is_not_part_of_the_campaigns_notes() -> None:
    """The notes are where a marketer names issue keys; Tandem's block at their end is Tandem's own."""
    notes = with_block("Tracked in WEB-1.", {"status": "at_risk", "items_done": "1", "items_total": "2"})
    snap = campaign_snapshot(campaign(hs_notes=notes), owners={}, app_url="https://app.hubspot.com", portal_id=None)
    assert snap.notes == "Tracked in WEB-1." and snap.properties["hs_notes"] == "Tracked in WEB-1."
