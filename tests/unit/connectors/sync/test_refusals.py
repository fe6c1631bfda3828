"""A refused write-back is reported once per cause, naming what to configure."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.sync.refusals import explain
from streams.records import SyncCommand

T = datetime(2027, 1, 12, tzinfo=UTC)


def command(system: str, action: str, target: str, **payload: object) -> SyncCommand:
    return SyncCommand(system=system, action=action, target=target, idempotency_key="k", at=T, payload=payload)


def test_a_jira_403_on_a_remote_link_names_the_link_issues_permission_and_the_project() -> None:
    cause, message = explain(command("jira", "remote_link", "WEB-1"), 403, "denied")
    assert cause == "jira:WEB:Link issues" and "'Link issues' permission in project WEB" in message


def test_refusals_of_one_permission_in_one_project_share_a_cause() -> None:
    first = explain(command("jira", "comment", "WEB-1"), 403, "")[0]
    second = explain(command("jira", "comment", "WEB-7"), 403, "")[0]
    assert first == second != explain(command("jira", "comment", "APP-1"), 403, "")[0]


def test_a_field_jira_will_not_set_says_to_put_it_on_the_screen_or_unset_the_setting() -> None:
    cause, message = explain(command("jira", "set_launch_field", "WEB-1", field="customfield_10050"), 400, "no")
    assert cause == "jira:WEB:field:customfield_10050"
    assert "edit screen of project WEB" in message and "TANDEM_SYNC_JIRA_LAUNCH_FIELD" in message


def test_a_hubspot_403_names_the_scope_the_private_app_needs() -> None:
    cause, message = explain(command("hubspot", "campaign_status", "c1"), 403, "")
    assert cause == "hubspot:scope:marketing.campaigns.write" and "scope marketing.campaigns.write" in message
