"""The webhook receivers' logic, as aiohttp handlers the Faust web server mounts (`connectors.webhooks.views`).

Order of checks, so that nothing reaches Kafka from a rejected request:
1. size: a declared `Content-Length` over 1 MiB is refused (413) before anything is read; a body without
   one is read up to 1 MiB + 1 byte and refused if it goes over;
2. signature, on the raw bytes, in constant time, before any parsing (401 when missing, forged or stale);
3. redelivery: an accepted delivery id answers 200 `{"duplicate": true}` and produces nothing;
4. JSON and shape (400);
5. produce, wait for the broker's acknowledgement, mark the delivery accepted, and only then answer 2xx.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from connectors.hubspot.signature import hubspot_signature_valid
from connectors.jira.signature import jira_signature_valid
from connectors.state.producer import KafkaSink
from connectors.state.webhook_ledger import DeliveryLedger
from connectors.webhooks.records import HubSpotEvent, JiraIssueEvent
from streams.records import RecordError

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
DUPLICATE: web.ResponseKey[bool] = web.ResponseKey("tandem_duplicate", bool)
"""Set on an answer to a redelivery (the worker counts duplicates apart)."""
JIRA_TOPIC = "jira-events"
HUBSPOT_TOPIC = "hubspot-events"
JIRA_KINDS = {
    "jira:issue_created": "created",
    "jira:issue_updated": "updated",
    "jira:issue_deleted": "deleted",
    "comment_created": "commented",
    "comment_updated": "commented",
    "comment_deleted": "commented",
}


@dataclass
class Intake:
    """What the receivers need: where to produce, which deliveries were accepted, and the secrets."""

    sink: KafkaSink
    ledger: DeliveryLedger
    jira_secret: str | None
    hubspot_secret: str | None


def _answer(status: int, **body: Any) -> web.Response:
    response = web.json_response(body, status=status)
    response[DUPLICATE] = bool(body.get("duplicate"))  # for the worker's webhook tally
    return response


async def read_limited(request: web.Request) -> bytes | None:
    """The body, or None when it is larger than `MAX_BODY` (checked before reading when declared)."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(64 * 1024)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def jira_events(payload: Any, identifier: str) -> list[JiraIssueEvent]:
    """The issue events of a Jira delivery (empty for events Tandem does not follow); ValueError when malformed."""
    if not isinstance(payload, dict):
        raise ValueError("the body is not a JSON object")
    event = payload.get("webhookEvent")
    if not isinstance(event, str):
        raise ValueError("webhookEvent is missing")
    kind = JIRA_KINDS.get(event)
    if kind is None:
        return []
    issue = payload.get("issue")
    if not isinstance(issue, dict) or not isinstance(issue.get("key"), str) or not issue["key"]:
        raise ValueError("issue.key is missing")
    stamp = payload.get("timestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        raise ValueError("timestamp is missing or not epoch milliseconds")
    project = ((issue.get("fields") or {}).get("project") or {}).get("key")
    try:
        return [
            JiraIssueEvent(
                kind=kind,
                key=issue["key"],
                at=datetime.fromtimestamp(stamp / 1000, UTC),
                identifier=identifier,
                project=project if isinstance(project, str) else None,
                issue_id=str(issue["id"]) if issue.get("id") is not None else None,
            )
        ]
    except (RecordError, OverflowError, OSError, ValueError) as exc:
        raise ValueError(str(exc)) from None


def hubspot_events(payload: Any) -> list[HubSpotEvent]:
    """A HubSpot delivery: a JSON array of events; ValueError when malformed."""
    if not isinstance(payload, list) or not payload:
        raise ValueError("the body is not a non-empty JSON array of events")
    events = []
    for item in payload:
        if not isinstance(item, dict):
            raise ValueError("an event is not a JSON object")
        try:
            events.append(
                HubSpotEvent(
                    event_id=str(item["eventId"]),
                    subscription_type=str(item["subscriptionType"]),
                    object_id=str(item["objectId"]),
                    occurred_at=datetime.fromtimestamp(int(item["occurredAt"]) / 1000, UTC),
                    portal_id=int(item["portalId"]) if item.get("portalId") is not None else None,
                    property_name=item.get("propertyName"),
                    property_value=None if item.get("propertyValue") is None else str(item["propertyValue"]),
                    change_source=item.get("changeSource"),
                    attempt=int(item.get("attemptNumber") or 0),
                )
            )
        except (KeyError, TypeError, ValueError, OverflowError, OSError, RecordError) as exc:
            raise ValueError(f"an event lacks {exc}") from None
    return events


async def receive_jira(intake: Intake, request: web.Request) -> web.Response:
    body = await read_limited(request)
    if body is None:
        return _answer(413, error="payload too large", limit_bytes=MAX_BODY)
    if not intake.jira_secret:
        log.warning("jira webhook refused: TANDEM_JIRA_WEBHOOK_SECRET is not set")
        return _answer(401, error="webhook secret not configured")
    if not jira_signature_valid(intake.jira_secret, body, request.headers.get("X-Hub-Signature")):
        return _answer(401, error="missing or invalid X-Hub-Signature")
    identifier = request.headers.get("X-Atlassian-Webhook-Identifier") or hashlib.sha256(body).hexdigest()
    if await intake.ledger.seen("jira", identifier):
        return _answer(200, duplicate=True)
    try:
        events = jira_events(json.loads(body), identifier)
    except ValueError as exc:
        return _answer(400, error=f"malformed delivery: {exc}")
    await intake.sink.send_many(JIRA_TOPIC, [(event.key, event) for event in events])
    await intake.ledger.mark("jira", identifier)
    return _answer(200, accepted=len(events))


async def receive_hubspot(intake: Intake, request: web.Request) -> web.Response:
    body = await read_limited(request)
    if body is None:
        return _answer(413, error="payload too large", limit_bytes=MAX_BODY)
    if not intake.hubspot_secret:
        log.warning("hubspot webhook refused: TANDEM_HUBSPOT_WEBHOOK_SECRET is not set")
        return _answer(401, error="webhook secret not configured")
    valid, why = hubspot_signature_valid(
        intake.hubspot_secret,
        method=request.method,
        uri=str(request.url),
        body=body,
        signature=request.headers.get("X-HubSpot-Signature-v3"),
        timestamp=request.headers.get("X-HubSpot-Request-Timestamp"),
        now_ms=int(time.time() * 1000),
    )
    if not valid:
        return _answer(401, error=why)
    try:
        events = hubspot_events(json.loads(body))
    except ValueError as exc:
        return _answer(400, error=f"malformed delivery: {exc}")
    fresh = [event for event in events if not await intake.ledger.seen("hubspot", event.event_id)]
    await intake.sink.send_many(HUBSPOT_TOPIC, [(event.object_id, event) for event in fresh])
    for event in fresh:
        await intake.ledger.mark("hubspot", event.event_id)
    return _answer(200, accepted=len(fresh), duplicates=len(events) - len(fresh))


__all__ = [
    "HUBSPOT_TOPIC",
    "JIRA_TOPIC",
    "MAX_BODY",
    "Intake",
    "hubspot_events",
    "jira_events",
    "receive_hubspot",
    "receive_jira",
]
