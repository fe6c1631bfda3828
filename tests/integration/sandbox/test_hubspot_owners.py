"""CRM Owners v3 in the HubSpot sandbox, through the typed `client.crm.owners.owners_api`."""

from __future__ import annotations

import pytest
from hubspot.crm.owners.exceptions import ApiException

from tests.integration.sandbox.hubspot_support import call, client, seed
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration


def owners(count: int) -> list[dict[str, object]]:
    return [
        {
            "id": str(100 + n),
            "email": f"owner{n}@acme.test",
            "firstName": f"O{n}",
            "lastName": "Test",
            "userId": 9000 + n,
        }
        for n in range(count)
    ]


def test_get_page_pages_through_all_owners_with_after(hubspot_sandbox: Sandboxes) -> None:
    """The typed client calls `GET /crm/v3/owners/` (trailing slash); paging follows `paging.next.after`."""
    seed(hubspot_sandbox, owners=owners(7))
    api = client(hubspot_sandbox).crm.owners.owners_api
    seen: list[str] = []
    after = None
    while True:
        page = api.get_page(limit=3, after=after)
        seen.extend(o.id for o in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    assert seen == [str(100 + n) for n in range(7)]


def test_owners_come_back_in_hubspots_shape(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox, owners=owners(1))
    owner = client(hubspot_sandbox).crm.owners.owners_api.get_page().results[0]
    assert (owner.id, owner.email, owner.first_name, owner.last_name, owner.user_id) == (
        "100",
        "owner0@acme.test",
        "O0",
        "Test",
        9000,
    )
    assert owner.type == "PERSON" and owner.archived is False and owner.created_at.year == 2027


def test_email_filters_owners(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox, owners=owners(3))
    page = client(hubspot_sandbox).crm.owners.owners_api.get_page(email="OWNER2@acme.test")
    assert [o.id for o in page.results] == ["102"]


def test_archived_owners_are_listed_only_when_asked(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox, owners=[*owners(1), {"id": "200", "email": "gone@acme.test", "archived": True}])
    api = client(hubspot_sandbox).crm.owners.owners_api
    assert [o.id for o in api.get_page().results] == ["100"]
    assert [o.id for o in api.get_page(archived=True).results] == ["200"]


def test_get_by_id_and_by_user_id(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox, owners=owners(2))
    api = client(hubspot_sandbox).crm.owners.owners_api
    assert api.get_by_id(101).email == "owner1@acme.test"
    assert api.get_by_id(9001, id_property="userId").id == "101"


def test_an_unknown_owner_is_a_404_with_hubspots_body(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox, owners=owners(1))
    with pytest.raises(ApiException) as caught:
        client(hubspot_sandbox).crm.owners.owners_api.get_by_id(999)
    assert caught.value.status == 404
    response = call(hubspot_sandbox, "GET", "/crm/v3/owners/999")
    assert response.json()["category"] == "OBJECT_NOT_FOUND"


def test_an_owner_limit_above_500_is_a_400(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    assert call(hubspot_sandbox, "GET", "/crm/v3/owners", qs={"limit": 501}).status_code == 400


def test_a_timeline_step_upserts_an_owner(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox, owners=owners(1))
    status, _ = hubspot_sandbox.control(
        "POST",
        "/_sandbox/step",
        {"at": "2027-01-05T09:00:00Z", "hubspot": {"owner": {"id": "100", "email": "new@acme.test"}}},
    )
    assert status == 200
    owner = client(hubspot_sandbox).crm.owners.owners_api.get_by_id(100)
    assert owner.email == "new@acme.test" and owner.first_name == "O0"
    assert owner.updated_at.isoformat().startswith("2027-01-05T09:00:00")
