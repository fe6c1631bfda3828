"""HubSpot's real API answers every call Tandem makes (`HubSpotApi`) in the shape its OpenAPI files describe.

Reads run with `TANDEM_LIVE_HUBSPOT_TOKEN`; writes only into the records named by
`TANDEM_LIVE_SCRATCH_HUBSPOT_CAMPAIGN` / `TANDEM_LIVE_SCRATCH_HUBSPOT_CONTACT`, undone afterwards. Every answer
passes through the validating proxy (`tests/live/proxy.py`); `assert_conformant` fails on any that broke
`sandbox/specs/hubspot/*.json`. Which test covers which method: `tests/live/coverage.py`.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from connectors.http.errors import RequestRejected
from connectors.hubspot.normalise import CAMPAIGN_PROPERTIES
from tests.live.conftest import LiveHubSpot, scratch

pytestmark = pytest.mark.live

MARKER = "[tandem live contract test — safe to delete]"


def _first_owner_id(page: dict[str, Any]) -> str:
    results = page.get("results") or []
    if not results:
        pytest.skip("the HubSpot account has no owners to read")
    return str(results[0]["id"])


async def test_campaigns_are_listed_page_by_page_in_every_order_tandem_asks_for(live_hubspot: LiveHubSpot) -> None:
    api = live_hubspot.api
    orders: list[tuple[str, list[str]]] = [
        ("-updatedAt", list(CAMPAIGN_PROPERTIES)),  # the poller's catch-up
        ("updatedAt", list(CAMPAIGN_PROPERTIES)),  # the full sync
        ("createdAt", []),  # the deletion sweep
    ]
    for sort, properties in orders:
        page = await api.list_campaigns(sort=sort, properties=properties, limit=2)
        assert isinstance(page.get("results"), list), page
        after = ((page.get("paging") or {}).get("next") or {}).get("after")
        if after:
            following = await api.list_campaigns(sort=sort, properties=properties, after=str(after), limit=2)
            assert isinstance(following.get("results"), list)
    assert live_hubspot.answered("GET", "/marketing/v3/campaigns")
    live_hubspot.assert_conformant()


async def test_campaigns_are_batch_read_by_id_with_tandem_s_properties(live_hubspot: LiveHubSpot) -> None:
    api = live_hubspot.api
    listed = await api.list_campaigns(sort="-updatedAt", properties=[], limit=3)
    ids = [str(c["id"]) for c in listed.get("results") or []]
    if not ids:
        pytest.skip("the HubSpot account has no campaigns to read")
    read = await api.read_campaigns(ids, list(CAMPAIGN_PROPERTIES))
    assert {str(c["id"]) for c in read["results"]} == set(ids)
    live_hubspot.assert_conformant()


async def test_one_campaign_is_read_by_id_and_an_unknown_id_is_a_404(live_hubspot: LiveHubSpot) -> None:
    """The reconcile confirms a vanished campaign with a direct read: only a 404 makes a tombstone."""
    api = live_hubspot.api
    listed = await api.list_campaigns(sort="-updatedAt", properties=[], limit=1)
    ids = [str(c["id"]) for c in listed.get("results") or []]
    if not ids:
        pytest.skip("the HubSpot account has no campaigns to read")
    assert str((await api.get_campaign(ids[0]))["id"]) == ids[0]
    with pytest.raises(RequestRejected) as gone:
        await api.get_campaign("00000000-0000-4000-8000-000000000000")
    assert gone.value.status == 404
    live_hubspot.assert_conformant()


async def test_owners_are_listed_active_and_archived(live_hubspot: LiveHubSpot) -> None:
    api = live_hubspot.api
    active = await api.owners_page()
    archived = await api.owners_page(archived=True)
    assert isinstance(active.get("results"), list) and isinstance(archived.get("results"), list)
    after = ((active.get("paging") or {}).get("next") or {}).get("after")
    if after:
        await api.owners_page(str(after))
    live_hubspot.assert_conformant()


async def test_one_owner_is_read_by_id(live_hubspot: LiveHubSpot) -> None:
    api = live_hubspot.api
    owner_id = _first_owner_id(await api.owners_page())
    owner = await api.owner(owner_id)
    assert str(owner["id"]) == owner_id
    live_hubspot.assert_conformant()


async def test_a_campaign_s_notes_are_written_and_restored(live_hubspot: LiveHubSpot, no_leftovers: list[str]) -> None:
    campaign = scratch("TANDEM_LIVE_SCRATCH_HUBSPOT_CAMPAIGN", "the id of a campaign whose hs_notes the test may edit")
    api = live_hubspot.api
    before = (await api.read_campaigns([campaign], ["hs_notes"]))["results"][0]["properties"].get("hs_notes") or ""
    try:
        answer = await api.update_campaign(campaign, {"hs_notes": f"{before}\n{MARKER}".strip()})
        assert str(answer["id"]) == campaign
        after = (await api.read_campaigns([campaign], ["hs_notes"]))["results"][0]["properties"].get("hs_notes")
        assert MARKER in str(after)
    finally:
        try:
            await api.update_campaign(campaign, {"hs_notes": before})
        except Exception as exc:
            no_leftovers.append(f"campaign {campaign}: hs_notes not restored ({exc})")
    live_hubspot.assert_conformant()


async def test_a_task_is_created_for_an_owner_and_deleted(live_hubspot: LiveHubSpot, no_leftovers: list[str]) -> None:
    scratch("TANDEM_LIVE_SCRATCH_HUBSPOT_CONTACT", "a contact id (the write tests create a task and a note)")
    api = live_hubspot.api
    owner_id = _first_owner_id(await api.owners_page())
    task = await api.create_task(
        {
            "hs_timestamp": str(int(time.time() * 1000) + 86_400_000),
            "hs_task_subject": MARKER,
            "hs_task_body": "Created by Tandem's live contract tests; deleted at once.",
            "hs_task_status": "NOT_STARTED",
            "hs_task_priority": "LOW",
            "hs_task_type": "TODO",
            "hubspot_owner_id": owner_id,
        }
    )
    try:
        assert task["properties"]["hs_task_subject"] == MARKER
        # Found again by owner and subject, as the sink looks before a resend. HubSpot's search index may
        # trail a create by seconds, so it is asked for up to 30 s.
        found: list[str] = []
        for _ in range(30):
            page = await api.search_tasks({"hubspot_owner_id": owner_id, "hs_task_subject": MARKER}, ["hs_task_body"])
            found = [str(t["id"]) for t in page.get("results") or []]
            if found:
                break
            await asyncio.sleep(1.0)
        assert str(task["id"]) in found
    finally:
        try:
            await asyncio.to_thread(api.client.crm.objects.tasks.basic_api.archive, str(task["id"]))
        except Exception as exc:
            no_leftovers.append(f"task {task['id']} not deleted ({exc})")
    live_hubspot.assert_conformant()


async def test_a_note_is_created_on_a_contact_and_deleted(live_hubspot: LiveHubSpot, no_leftovers: list[str]) -> None:
    contact = scratch("TANDEM_LIVE_SCRATCH_HUBSPOT_CONTACT", "a contact id the test may hang a note on")
    api = live_hubspot.api
    note = await api.create_note(
        {"hs_timestamp": str(int(time.time() * 1000)), "hs_note_body": MARKER}, {"contact": contact}
    )
    try:
        assert note["properties"]["hs_note_body"] == MARKER
    finally:
        try:
            await asyncio.to_thread(api.client.crm.objects.notes.basic_api.archive, str(note["id"]))
        except Exception as exc:
            no_leftovers.append(f"note {note['id']} not deleted ({exc})")
    live_hubspot.assert_conformant()
