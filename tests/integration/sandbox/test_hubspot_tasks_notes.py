"""CRM Tasks and Notes v3 in the HubSpot sandbox, through the typed basic APIs, with associations."""

from __future__ import annotations

import pytest
from hubspot.crm.objects.notes import SimplePublicObjectInputForCreate as NoteInput
from hubspot.crm.objects.tasks import SimplePublicObjectInputForCreate as TaskInput
from hubspot.crm.objects.tasks.exceptions import ApiException

from tests.integration.sandbox.hubspot_support import call, client, seed
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration
OWNERS = [{"id": "101", "email": "maria@acme.test"}]


def to(object_id: str, type_id: int) -> dict[str, object]:
    return {
        "to": {"id": object_id},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    }


def test_a_task_is_created_for_an_owner_and_read_back_with_its_associations(hubspot_sandbox: Sandboxes) -> None:
    """Owners are assigned with `hubspot_owner_id`; associations use HubSpot-defined type ids (204 = task→contact)."""
    seed(hubspot_sandbox, owners=OWNERS)
    tasks = client(hubspot_sandbox).crm.objects.tasks.basic_api
    created = tasks.create(
        TaskInput(
            properties={
                "hs_timestamp": "2027-02-10T09:00:00Z",
                "hs_task_subject": "Launch at risk: Spring Launch 2027",
                "hs_task_body": "WEB-1 is due after the launch date.",
                "hs_task_status": "NOT_STARTED",
                "hs_task_priority": "HIGH",
                "hubspot_owner_id": "101",
            },
            associations=[to("5001", 204), to("7001", 192)],
        )
    )
    assert created.id.isdigit() and created.archived is False
    assert created.properties["hs_timestamp"] == "2027-02-10T09:00:00.000Z"
    read = tasks.get_by_id(
        created.id, properties=["hs_task_subject", "hubspot_owner_id"], associations=["contacts", "companies"]
    )
    assert read.properties["hs_task_subject"] == "Launch at risk: Spring Launch 2027"
    assert read.properties["hubspot_owner_id"] == "101"
    assert [(a.id, a.type) for a in read.associations["contacts"].results] == [("5001", "task_to_contact")]
    assert [(a.id, a.type) for a in read.associations["companies"].results] == [("7001", "task_to_company")]


def test_a_note_is_created_and_read_back(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox, owners=OWNERS)
    notes = client(hubspot_sandbox).crm.objects.notes.basic_api
    created = notes.create(
        NoteInput(
            properties={"hs_timestamp": "1801900800000", "hs_note_body": "Engineering: 1/2 done"},
            associations=[to("5001", 202)],
        )
    )
    read = notes.get_by_id(created.id, properties=["hs_note_body", "hs_timestamp"], associations=["contacts"])
    assert read.properties["hs_note_body"] == "Engineering: 1/2 done"
    assert read.properties["hs_timestamp"] == "2027-02-06T08:00:00.000Z", (
        "epoch milliseconds are accepted and normalised"
    )
    assert read.associations["contacts"].results[0].type == "note_to_contact"


def test_an_association_type_hubspot_does_not_define_is_a_400(hubspot_sandbox: Sandboxes) -> None:
    """There is no HubSpot-defined association from tasks to campaigns (or owners): such a create fails."""
    seed(hubspot_sandbox, owners=OWNERS)
    with pytest.raises(ApiException) as caught:
        client(hubspot_sandbox).crm.objects.tasks.basic_api.create(
            TaskInput(properties={"hs_timestamp": "2027-02-10T09:00:00Z"}, associations=[to("x", 999)])
        )
    assert caught.value.status == 400 and "INVALID_ASSOCIATION_TYPE" in caught.value.body


def test_a_task_needs_hs_timestamp(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    response = call(
        hubspot_sandbox,
        "POST",
        "/crm/v3/objects/tasks",
        body={"properties": {"hs_task_subject": "x"}, "associations": []},
    )
    assert response.status_code == 400 and "hs_timestamp" in response.json()["message"]


def test_an_unknown_owner_is_refused(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox, owners=OWNERS)
    body = {"properties": {"hs_timestamp": "2027-02-10T09:00:00Z", "hubspot_owner_id": "999"}, "associations": []}
    response = call(hubspot_sandbox, "POST", "/crm/v3/objects/tasks", body=body)
    assert response.status_code == 400 and "owner" in response.json()["message"]


def test_an_unknown_property_or_option_is_refused(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    for props in ({"hs_task_mood": "x"}, {"hs_task_status": "DONE"}):
        body = {"properties": {"hs_timestamp": "2027-02-10T09:00:00Z", **props}, "associations": []}
        assert call(hubspot_sandbox, "POST", "/crm/v3/objects/tasks", body=body).status_code == 400


def test_an_unknown_task_is_a_404(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    with pytest.raises(ApiException) as caught:
        client(hubspot_sandbox).crm.objects.tasks.basic_api.get_by_id("123")
    assert caught.value.status == 404


def _task(tasks: object, subject: str, owner: str = "101") -> str:
    created = tasks.create(  # type: ignore[attr-defined]
        TaskInput(
            properties={"hs_timestamp": "2027-02-10T09:00:00Z", "hs_task_subject": subject, "hubspot_owner_id": owner},
            associations=[],
        )
    )
    return str(created.id)


def test_tasks_are_searched_by_equal_properties_and_paged(hubspot_sandbox: Sandboxes) -> None:
    """HubSpot's CRM search: filters of a group ANDed, `limit` per page, `paging.next.after` while more remain."""
    from hubspot.crm.objects.tasks import Filter, FilterGroup, PublicObjectSearchRequest

    seed(hubspot_sandbox, owners=[*OWNERS, {"id": "102", "email": "tom@acme.test"}])
    api = client(hubspot_sandbox).crm.objects.tasks
    mine = [_task(api.basic_api, "Blocked: WEB-7") for _ in range(3)]
    _task(api.basic_api, "Blocked: WEB-7", owner="102")
    _task(api.basic_api, "Blocked: WEB-8")
    filters = [
        Filter(property_name="hubspot_owner_id", operator="EQ", value="101"),
        Filter(property_name="hs_task_subject", operator="EQ", value="Blocked: WEB-7"),
    ]
    request = PublicObjectSearchRequest(
        filter_groups=[FilterGroup(filters=filters)], properties=["hs_task_subject"], limit=2
    )
    first = api.search_api.do_search(public_object_search_request=request)
    assert first.total == 3 and len(first.results) == 2 and first.paging.next.after == "2"
    request.after = first.paging.next.after
    second = api.search_api.do_search(public_object_search_request=request)
    assert second.paging is None
    assert sorted(t.id for t in [*first.results, *second.results]) == sorted(mine)


def test_a_search_operator_the_sandbox_does_not_know_is_a_400(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox, owners=OWNERS)
    answer = call(
        hubspot_sandbox,
        "POST",
        "/crm/v3/objects/tasks/search",
        body={
            "filterGroups": [{"filters": [{"propertyName": "hs_task_subject", "operator": "BETWEEN", "value": "a"}]}]
        },
    )
    assert answer.status_code == 400 and "BETWEEN" in answer.json()["message"]
