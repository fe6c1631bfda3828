"""Records of the connectors' own topics (webhook deliveries), in the same JSON form as `streams.records`."""

from __future__ import annotations

from datetime import datetime

from streams.records import TandemRecord


class JiraIssueEvent(TandemRecord):
    """Something happened to a Jira issue and the Jira source should look again (topic `jira-events`, key: issue key).

    kind: `created`, `updated`, `deleted` (from `jira:issue_*` webhooks), `commented`, or `refresh` (Tandem
    wrote to the issue itself, e.g. a remote link, which Jira may not reflect in `updated`)."""

    kind: str
    key: str
    at: datetime
    identifier: str | None = None
    project: str | None = None
    issue_id: str | None = None

    required_text = ("kind", "key")


class HubSpotEvent(TandemRecord):
    """One event of a HubSpot webhook delivery (topic `hubspot-events`, key: object id)."""

    event_id: str
    subscription_type: str
    object_id: str
    occurred_at: datetime
    portal_id: int | None = None
    property_name: str | None = None
    property_value: str | None = None
    change_source: str | None = None
    attempt: int = 0

    required_text = ("event_id", "subscription_type", "object_id")


__all__ = ["HubSpotEvent", "JiraIssueEvent"]
