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
    """One event of a HubSpot webhook delivery, as Tandem reads it (nothing is produced from it: HubSpot has
    no webhook events for campaigns or owners, see `connectors/hubspot/BEHAVIOR.md`).

    `object_id` is the object the event is about: `objectId`, else (association changes) `fromObjectId`, else
    (merges) `primaryObjectId`; `related_id` the other side of an association (`toObjectId`) or the object a
    merge made (`newObjectId`). `key` identifies the event across HubSpot's retries (`eventId` alone is not
    unique, HubSpot says)."""

    key: str
    event_id: str
    subscription_type: str
    occurred_at: datetime
    portal_id: int | None = None
    subscription_id: str | None = None
    object_id: str | None = None
    object_type_id: str | None = None
    related_id: str | None = None
    property_name: str | None = None
    change_source: str | None = None
    attempt: int = 0

    required_text = ("key", "event_id", "subscription_type")


__all__ = ["HubSpotEvent", "JiraIssueEvent"]
