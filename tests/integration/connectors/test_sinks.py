"""The Jira and HubSpot sinks against the sandboxes: each write lands, and repeating it changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.http.errors import RequestRejected
from connectors.hubspot.api import HubSpotApi
from connectors.hubspot.sink import HubSpotSink
from connectors.jira.api import JiraApi
from connectors.jira.sink import JiraSink, document_text
from tests.integration.connectors.support import Plumbing, guid, jira_get, load, scenario, settings_for
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration


async def test_jira_writes_are_idempotent(world: Sandboxes, plumbing: Plumbing) -> None:
    load(world, scenario(issues=2))
    api = JiraApi(settings_for(world, plumbing.bootstrap, plumbing.prefix))
    sink = JiraSink(api)
    for _ in range(2):
        await sink.add_labels("WEB-1", ["campaign-abc"])
        await sink.upsert_remote_link(
            "WEB-1", "tandem:campaign:abc", "https://app.hubspot.com/marketing/1/campaigns/details/abc", "Spring"
        )
        assert await sink.comment("WEB-1", "Launch moved to March 3.\n\nEngineering: 2 days less.", "sig-1") is (_ == 0)
        await sink.update_fields("WEB-1", {"duedate": "2027-02-27"})
    issue = jira_get(world, "/rest/api/3/issue/WEB-1?fields=labels,duedate")
    assert issue["fields"]["labels"] == ["campaign-abc"] and issue["fields"]["duedate"] == "2027-02-27"
    links = jira_get(world, "/rest/api/3/issue/WEB-1/remotelink")
    assert [link["globalId"] for link in links] == ["tandem:campaign:abc"]  # type: ignore[union-attr,index]
    comments = jira_get(world, "/rest/api/3/issue/WEB-1/comment")["comments"]
    assert len(comments) == 1 and "tandem:sig-1" in document_text(comments[0]["body"])
    assert "Launch moved to March 3." in document_text(comments[0]["body"])
    await sink.remove_labels("WEB-1", ["campaign-abc"])
    assert jira_get(world, "/rest/api/3/issue/WEB-1?fields=labels")["fields"]["labels"] == []
    api.close()


async def test_hubspot_writes_a_property_and_a_task_for_the_owner_and_no_note_no_one_would_see(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    load(world, scenario(campaigns=1))
    api = HubSpotApi(settings_for(world, plumbing.bootstrap, plumbing.prefix))
    sink = HubSpotSink(api)
    updated = await sink.update_campaign(guid(1), {"hs_notes": "Engineering: on track (4/6 done)"})
    assert updated["properties"]["hs_notes"] == "Engineering: on track (4/6 done)"
    due = datetime(2027, 1, 5, 9, tzinfo=UTC)
    task = await sink.create_task("100", "Campaign 0: launch at risk", "WEB-1 is late.", due)
    assert task["properties"]["hubspot_owner_id"] == "100"
    with pytest.raises(RequestRejected, match="a note needs a contact, company or deal"):
        await sink.create_note("Campaign 0: engineering status", due, {}, owner_id="100")
    status, writes = world.control("GET", "/_sandbox/writes")
    assert status == 200
    assert [(w["method"], w["path"], w["status"]) for w in writes if w["system"] == "hubspot"] == [
        ("PATCH", f"/marketing/v3/campaigns/{guid(1)}", 200),
        ("POST", "/crm/v3/objects/tasks", 201),
    ]
    api.close()
