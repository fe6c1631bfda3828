"""Text and ids from elsewhere (Jira summaries, campaign names, references in labels) cannot become HubSpot markup
or reach another HubSpot endpoint: the sandbox over HTTP, through the real client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.http.errors import RequestRejected
from connectors.hubspot.api import HubSpotApi
from connectors.hubspot.sink import HubSpotSink
from tests.integration.connectors.support import Plumbing, load, scenario, settings_for
from tests.integration.sandbox.hubspot_support import client
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration
SCRIPT = 'WEB-7 <script>alert("x")</script> & <b>bold</b>'
ESCAPED = "WEB-7 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
AT = datetime(2027, 2, 1, tzinfo=UTC)


def api(world: Sandboxes, plumbing: Plumbing) -> HubSpotApi:
    return HubSpotApi(settings_for(world, plumbing.bootstrap, plumbing.prefix))


async def test_a_script_in_a_task_body_arrives_as_text(world: Sandboxes, plumbing: Plumbing) -> None:
    """`hs_task_body` is shown as rich text (HTML) in HubSpot's task view
    (https://developers.hubspot.com/docs/api/crm/tasks: "hs_task_body: The task notes"; the UI's editor keeps
    them as HTML): a Jira summary with markup in it is escaped, so HubSpot shows it and runs nothing."""
    load(world, scenario(campaigns=1))
    hub = api(world, plumbing)
    created = await HubSpotSink(hub).create_task("100", "Blocked: WEB-7", f"{SCRIPT}\nSecond line", AT)
    stored = client(world).crm.objects.tasks.basic_api.get_by_id(created["id"], properties=["hs_task_body"])
    assert stored.properties["hs_task_body"] == f"{ESCAPED}<br>Second line"
    hub.close()


async def test_a_script_in_a_note_body_arrives_as_text(world: Sandboxes, plumbing: Plumbing) -> None:
    """`hs_note_body` is the note's text, rendered as rich text (HTML) on the record's timeline
    (https://developers.hubspot.com/docs/api/crm/notes): a campaign name with markup in it is escaped."""
    load(world, scenario(campaigns=1))
    hub = api(world, plumbing)
    created = await HubSpotSink(hub).create_note(SCRIPT, AT, {"contact": "501"})
    stored = client(world).crm.objects.notes.basic_api.get_by_id(created["id"], properties=["hs_note_body"])
    assert stored.properties["hs_note_body"] == ESCAPED
    hub.close()


async def test_an_id_with_dot_segments_cannot_reach_another_endpoint(world: Sandboxes, plumbing: Plumbing) -> None:
    """A campaign id is one path segment (`/marketing/v3/campaigns/{campaignGuid}`,
    https://developers.hubspot.com/docs/reference/api/marketing/campaigns); an id taken from a reference such as
    `../../../crm/v3/objects/tasks/<id>` would, unquoted, be resolved by the HTTP client (RFC 3986 §5.2.4) into
    another endpoint. Quoted, it is an unknown campaign: 404."""
    load(world, scenario(campaigns=1))
    hub = api(world, plumbing)
    task = await HubSpotSink(hub).create_task("100", "Victim", "a task the id must not reach", AT)
    with pytest.raises(RequestRejected) as refused:
        await hub.get_campaign(f"../../../crm/v3/objects/tasks/{task['id']}")
    assert refused.value.status == 404
    with pytest.raises(RequestRejected) as refused:
        await hub.update_campaign(f"../../../crm/v3/objects/tasks/{task['id']}", {"hs_name": "x"})
    assert refused.value.status == 404
    _, writes = world.control("GET", "/_sandbox/writes")
    assert [w["path"] for w in writes if w["method"] == "PATCH"] == [
        f"/marketing/v3/campaigns/../../../crm/v3/objects/tasks/{task['id']}"
    ]  # one segment, decoded by the server for its log; never /crm/v3/objects/tasks/...
    hub.close()
