"""Jira admin webhooks delivered to a real local receiver: Jira's payload, signed, retried with a stable
identifier, in order per issue, for scenario steps and API writes alike."""

from __future__ import annotations

import pytest
import requests

from sandbox.jira.webhooks import verify
from tests.integration.sandbox.jira_support import (
    Receiver,
    call,
    client,
    dispatcher,
    jira_sandbox,
    receiver,
    seed,
    step,
    url,
    wait_for_deliveries,
)
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration
__all__ = ["jira_sandbox", "receiver"]

SECRET = "It's a Secret to Everybody"
IN_PROGRESS = {"status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}}}


def register(sandboxes: Sandboxes, target: Receiver, **extra: object) -> dict[str, object]:
    body = {
        "name": "Tandem",
        "url": target.url,
        "events": ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted"],
    }
    body.update(extra)
    response = call(sandboxes, "POST", "/rest/webhooks/1.0/webhook", json=body)
    assert response.status_code == 201, response.text
    registered: dict[str, object] = response.json()
    return registered


def test_an_admin_webhook_is_registered_and_listed(jira_sandbox: Sandboxes, receiver: Receiver) -> None:
    seed(jira_sandbox)
    registered = register(
        jira_sandbox, receiver, filters={"issue-related-events-section": "project = WEB"}, secret=SECRET
    )
    assert registered["enabled"] is True and str(registered["self"]).startswith(
        f"{url(jira_sandbox)}/rest/webhooks/1.0/webhook/"
    )
    assert "secret" not in registered
    listed = call(jira_sandbox, "GET", "/rest/webhooks/1.0/webhook").json()
    assert [w["filters"] for w in listed] == [{"issue-related-events-section": "project = WEB"}]


def test_a_timeline_update_is_delivered_with_jiras_payload(jira_sandbox: Sandboxes, receiver: Receiver) -> None:
    seed(jira_sandbox)
    register(jira_sandbox, receiver)
    step(jira_sandbox, "2027-01-06T10:00:00Z", {"update": "WEB-2", "fields": IN_PROGRESS})
    wait_for_deliveries(jira_sandbox)
    [delivery] = receiver.received
    payload = delivery.json
    assert payload["timestamp"] == 1799229600000  # 2027-01-06T10:00:00Z, from the sandbox clock
    assert payload["webhookEvent"] == "jira:issue_updated"
    assert payload["issue_event_type_name"] == "issue_generic"
    assert payload["issue"]["key"] == "WEB-2" and payload["issue"]["fields"]["status"]["name"] == "In Progress"
    assert payload["issue"]["self"].startswith(f"{url(jira_sandbox)}/rest/api/2/issue/")
    assert payload["user"]["accountId"] == "u-2"
    assert payload["changelog"]["items"] == [
        {
            "field": "status",
            "fieldtype": "jira",
            "fieldId": "status",
            "from": "10000",
            "fromString": "To Do",
            "to": "3",
            "toString": "In Progress",
        }
    ]
    assert delivery.headers["X-Atlassian-Webhook-Flow"] == "Primary"
    assert "X-Hub-Signature" not in delivery.headers


def test_a_delivery_is_signed_with_the_targets_secret(jira_sandbox: Sandboxes, receiver: Receiver) -> None:
    seed(jira_sandbox)
    register(jira_sandbox, receiver, secret=SECRET)
    step(jira_sandbox, "2027-01-06T10:00:00Z", {"update": "WEB-1", "fields": {"duedate": "2027-02-12"}})
    wait_for_deliveries(jira_sandbox)
    [delivery] = receiver.received
    assert delivery.headers["X-Hub-Signature"].startswith("sha256=")
    assert verify(SECRET, delivery.body, delivery.headers["X-Hub-Signature"])
    assert not verify("another secret", delivery.body, delivery.headers["X-Hub-Signature"])


def test_a_failed_delivery_is_retried_with_the_same_identifier(jira_sandbox: Sandboxes, receiver: Receiver) -> None:
    seed(jira_sandbox)
    register(jira_sandbox, receiver, secret=SECRET)
    receiver.answers = [503, 500]
    step(jira_sandbox, "2027-01-06T10:00:00Z", {"update": "WEB-2", "fields": IN_PROGRESS})
    wait_for_deliveries(jira_sandbox)
    assert len(receiver.received) == 3
    identifiers = {r.headers["X-Atlassian-Webhook-Identifier"] for r in receiver.received}
    assert len(identifiers) == 1
    assert [r.headers.get("X-Atlassian-Webhook-Retry") for r in receiver.received] == [None, "1", "2"]
    assert all(verify(SECRET, r.body, r.headers["X-Hub-Signature"]) for r in receiver.received)
    assert len({r.body for r in receiver.received}) == 1


def test_a_429_from_the_target_is_retried(jira_sandbox: Sandboxes, receiver: Receiver) -> None:
    seed(jira_sandbox)
    register(jira_sandbox, receiver)
    receiver.answers = [429]
    step(jira_sandbox, "2027-01-06T10:00:00Z", {"update": "WEB-2", "fields": IN_PROGRESS})
    wait_for_deliveries(jira_sandbox)
    assert len(receiver.received) == 2


def test_a_client_error_from_the_target_is_not_retried(jira_sandbox: Sandboxes, receiver: Receiver) -> None:
    """Atlassian retries only 408, 409, 425, 429, 5xx and failed connections."""
    seed(jira_sandbox)
    register(jira_sandbox, receiver)
    receiver.answers = [400]
    step(jira_sandbox, "2027-01-06T10:00:00Z", {"update": "WEB-2", "fields": IN_PROGRESS})
    wait_for_deliveries(jira_sandbox)
    assert len(receiver.received) == 1
    assert dispatcher(jira_sandbox).deliveries[-1].state == "failed"


def test_an_unreachable_target_is_retried_then_given_up(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    response = requests.post(
        f"{url(jira_sandbox)}/_sandbox/jira/webhooks", json={"url": "http://127.0.0.1:9/hook"}, timeout=10
    )
    assert response.status_code == 201, response.text

    def shorten() -> None:
        from sandbox.jira.webhooks import RetryPolicy

        dispatcher(jira_sandbox).policy = RetryPolicy(max_retries=2, first_delay=0.05)

    jira_sandbox.call(shorten)
    try:
        step(jira_sandbox, "2027-01-06T10:00:00Z", {"update": "WEB-2", "fields": IN_PROGRESS})
        wait_for_deliveries(jira_sandbox)
        delivery = dispatcher(jira_sandbox).deliveries[-1]
        assert delivery.state == "failed"
        assert [a.status for a in delivery.attempts] == [None, None, None]
    finally:
        jira_sandbox.call(lambda: setattr(dispatcher(jira_sandbox), "policy", type(dispatcher(jira_sandbox).policy)()))


def test_deliveries_for_one_issue_arrive_in_order(jira_sandbox: Sandboxes, receiver: Receiver) -> None:
    seed(jira_sandbox)
    register(jira_sandbox, receiver)
    receiver.answers = [500]
    step(jira_sandbox, "2027-01-06T10:00:00Z", {"update": "WEB-2", "fields": IN_PROGRESS})
    step(
        jira_sandbox,
        "2027-01-07T10:00:00Z",
        {"update": "WEB-2", "fields": {"status": {"name": "Done", "statusCategory": {"key": "done"}}}},
    )
    wait_for_deliveries(jira_sandbox)
    timestamps = [r.json["timestamp"] for r in receiver.received]
    assert timestamps == sorted(timestamps) and len(timestamps) == 3


def test_an_api_write_is_delivered_as_the_api_user(jira_sandbox: Sandboxes, receiver: Receiver) -> None:
    seed(jira_sandbox)
    register(jira_sandbox, receiver)
    client(jira_sandbox).issue("WEB-2").update(fields={"assignee": {"accountId": "u-1"}})
    wait_for_deliveries(jira_sandbox)
    [delivery] = receiver.received
    assert delivery.json["issue_event_type_name"] == "issue_assigned"
    assert delivery.json["user"]["emailAddress"] == jira_sandbox.jira_email


def test_create_and_delete_are_delivered(jira_sandbox: Sandboxes, receiver: Receiver) -> None:
    seed(jira_sandbox)
    register(jira_sandbox, receiver)
    step(
        jira_sandbox,
        "2027-01-06T10:00:00Z",
        {"create": "WEB-3", "fields": {"issuetype": {"name": "Task"}, "summary": "New"}},
    )
    step(jira_sandbox, "2027-01-07T10:00:00Z", {"delete": "WEB-3"})
    wait_for_deliveries(jira_sandbox)
    events = [
        (r.json["webhookEvent"], r.json["issue_event_type_name"], r.json["issue"]["key"]) for r in receiver.received
    ]
    assert events == [
        ("jira:issue_created", "issue_created", "WEB-3"),
        ("jira:issue_deleted", "issue_deleted", "WEB-3"),
    ]


def test_a_comment_is_delivered_as_an_issue_update(jira_sandbox: Sandboxes, receiver: Receiver) -> None:
    seed(jira_sandbox)
    register(jira_sandbox, receiver)
    adf = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "hi"}]}]}
    client(jira_sandbox).add_comment("WEB-1", adf)  # type: ignore[arg-type]
    wait_for_deliveries(jira_sandbox)
    [delivery] = receiver.received
    assert (delivery.json["webhookEvent"], delivery.json["issue_event_type_name"]) == (
        "jira:issue_updated",
        "issue_commented",
    )
    assert delivery.json["comment"]["body"] == "hi"


def test_the_jql_filter_limits_which_issues_are_delivered(jira_sandbox: Sandboxes, receiver: Receiver) -> None:
    seed(jira_sandbox)
    register(jira_sandbox, receiver, filters={"issue-related-events-section": "issuetype = Epic"})
    step(jira_sandbox, "2027-01-06T10:00:00Z", {"update": "WEB-2", "fields": IN_PROGRESS})
    step(jira_sandbox, "2027-01-07T10:00:00Z", {"update": "WEB-1", "fields": {"duedate": "2027-02-12"}})
    wait_for_deliveries(jira_sandbox)
    assert [r.json["issue"]["key"] for r in receiver.received] == ["WEB-1"]


def test_only_the_registered_events_are_delivered(jira_sandbox: Sandboxes, receiver: Receiver) -> None:
    seed(jira_sandbox)
    register(jira_sandbox, receiver, events=["jira:issue_created"])
    step(jira_sandbox, "2027-01-06T10:00:00Z", {"update": "WEB-2", "fields": IN_PROGRESS})
    wait_for_deliveries(jira_sandbox)
    assert receiver.received == []


def test_a_bad_jql_filter_is_refused(jira_sandbox: Sandboxes, receiver: Receiver) -> None:
    body = {
        "name": "x",
        "url": receiver.url,
        "events": ["jira:issue_updated"],
        "filters": {"issue-related-events-section": "project ="},
    }
    assert call(jira_sandbox, "POST", "/rest/webhooks/1.0/webhook", json=body).status_code == 400


def test_a_deleted_webhook_receives_nothing(jira_sandbox: Sandboxes, receiver: Receiver) -> None:
    seed(jira_sandbox)
    registered = register(jira_sandbox, receiver)
    webhook_id = str(registered["self"]).rsplit("/", 1)[1]
    assert call(jira_sandbox, "DELETE", f"/rest/webhooks/1.0/webhook/{webhook_id}").status_code == 204
    step(jira_sandbox, "2027-01-06T10:00:00Z", {"update": "WEB-2", "fields": IN_PROGRESS})
    wait_for_deliveries(jira_sandbox)
    assert receiver.received == []


def test_the_control_plane_registers_a_target_and_lists_deliveries(jira_sandbox: Sandboxes, receiver: Receiver) -> None:
    seed(jira_sandbox)
    response = requests.post(
        f"{url(jira_sandbox)}/_sandbox/jira/webhooks", json={"url": receiver.url, "secret": SECRET}, timeout=10
    )
    assert response.status_code == 201 and response.json()["signed"] is True
    step(jira_sandbox, "2027-01-06T10:00:00Z", {"update": "WEB-2", "fields": IN_PROGRESS})
    wait_for_deliveries(jira_sandbox)
    listing = requests.get(f"{url(jira_sandbox)}/_sandbox/jira/webhooks", timeout=10).json()
    assert listing["pending"] == 0
    assert [(d["event"], d["issue"], d["state"]) for d in listing["deliveries"]] == [
        ("jira:issue_updated", "WEB-2", "delivered")
    ]
