"""Item 10: a write-back command's target goes into a REST path (`/rest/api/3/issue/{key}/…`,
`/marketing/v3/campaigns/{campaignGuid}`), so only a real Jira issue key or HubSpot campaign UUID is carried
out; anything else is a `CommandError` (dead-lettered by the write-back agent) and nothing is written.

Jira's issue keys are `<project key>-<number>`, a project key being an uppercase letter then uppercase
letters, digits or underscores (https://confluence.atlassian.com/adminjiraserver/changing-the-project-key-format-938847081.html);
HubSpot's Campaigns API names its path parameter `campaignGuid`, "the UUID of the campaign"
(https://developers.hubspot.com/docs/reference/api/marketing/campaigns).
"""

from __future__ import annotations

import pytest

from connectors.sync.actions import CommandError, execute, hubspot_id
from streams.records import SyncCommand
from tandem.settings import load_settings
from tests.builders import T

TRAVERSALS = [
    "campaigns/../../../crm/v3/objects/contacts/123",
    "../../crm/v3/objects/contacts/123",
    "WEB-1/../../myself",
    "WEB-1?expand=changelog",
    "WEB-1\n",
    "WEB-1#x",
    "web-1",
    "WEB-01",
    "W-1",
    "WEB-1 ",
    "%2e%2e%2fWEB-1",
    "",
]
GUID = "9dbec438-53e2-4b28-8c0f-38f56574a6e8"


def command(system: str, action: str, target: str, payload: dict | None = None) -> SyncCommand:
    return SyncCommand(
        system=system, action=action, target=target or "x", idempotency_key="k", at=T, payload=payload or {}
    )


@pytest.mark.parametrize("target", TRAVERSALS)
async def test_a_jira_command_whose_target_is_not_an_issue_key_is_refused(target: str) -> None:
    with pytest.raises(CommandError, match="is not a Jira issue key"):
        await execute(command("jira", "comment", target or "", {"text": "hi"}), load_settings(), None, None)


@pytest.mark.parametrize("target", [*TRAVERSALS, GUID.upper() + "/../x", GUID + "\n", "123"])
async def test_a_hubspot_command_whose_target_is_not_a_campaign_uuid_is_refused(target: str) -> None:
    with pytest.raises(CommandError, match="is not a HubSpot campaign id"):
        await execute(
            command("hubspot", "update_campaign", target, {"properties": {"a": "b"}}), load_settings(), None, None
        )


@pytest.mark.parametrize("value", ["1/../../objects/contacts", "12 ", "-1", "0x10", "1e3", ""])
def test_a_hubspot_owner_or_record_id_that_is_not_a_number_is_refused(value: str) -> None:
    with pytest.raises(CommandError, match="is not a HubSpot id"):
        hubspot_id(value, "hubspot create_task")


async def test_the_error_shows_the_target_escaped_on_one_line() -> None:
    with pytest.raises(CommandError) as error:
        await execute(command("jira", "comment", "WEB-1\r\nINFO forged", {"text": "x"}), load_settings(), None, None)
    assert "\n" not in str(error.value) and "\\r\\n" in str(error.value)
