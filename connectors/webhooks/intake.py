"""The webhook receivers' logic, as aiohttp handlers the Faust web server mounts (`connectors.webhooks.views`).

Order of checks, so that nothing reaches Kafka from a rejected request:
1. size: a declared `Content-Length` over 1 MiB is refused (413) before anything is read; a body without
   one is read up to 1 MiB + 1 byte and refused if it goes over;
2. signature, on the raw bytes, in constant time, before any parsing (401 when missing, forged or stale);
   HubSpot's over the URL it called (`TANDEM_PUBLIC_URL` + path and query, see `connectors.hubspot.signature`);
3. Jira: redelivery (an accepted delivery id answers 200 `{"duplicate": true}` and produces nothing), then
   JSON and shape (400), then produce, wait for the broker's acknowledgement, mark the delivery accepted,
   and only then answer 2xx;
4. HubSpot: event by event — each event Tandem can read is accepted, each it cannot (and a signed body that
   is not a JSON array) goes to `dlq` on its own, once across HubSpot's retries; 200 once those are
   acknowledged. One bad event never costs the batch (HubSpot retries a failed batch, then drops it).
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

from connectors.hubspot.signature import hubspot_signature_valid, request_uri
from connectors.jira.signature import jira_signature_valid
from connectors.state.deadletters import dead_letter, object_dead_letter
from connectors.state.producer import KafkaSink
from connectors.state.webhook_ledger import DeliveryLedger
from connectors.webhooks.records import HubSpotEvent, JiraIssueEvent
from streams.records import RecordError

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
DUPLICATE: web.ResponseKey[bool] = web.ResponseKey("tandem_duplicate", bool)
"""Set on an answer to a redelivery (the worker counts duplicates apart)."""
JIRA_TOPIC = "jira-events"
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
    public_url: str | None = None
    """`TANDEM_PUBLIC_URL`: the base of the URL HubSpot calls (its signatures cover that URL)."""


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


HUBSPOT_ORIGIN = "hubspot:webhook"
AGENT = "connectors.webhooks.intake"


def _identifier(value: Any, what: str) -> str:
    """An id HubSpot sends as a number (or, in generic payloads, as text)."""
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise ValueError(f"{what} is missing or not an id: {value!r}")
    return str(value)


def _optional_id(item: dict[str, Any], *names: str) -> str | None:
    for name in names:
        if item.get(name) not in (None, ""):
            return _identifier(item[name], name)
    return None


def event_key(item: Any) -> str:
    """What identifies one HubSpot event across its retries: portal, subscription, event id and time when it
    has them (HubSpot: `eventId` "is not guaranteed to be unique"), else a digest of it without `attemptNumber`."""
    if isinstance(item, dict) and all(isinstance(item.get(n), int | str) for n in ("eventId", "occurredAt")):
        return ":".join(str(item.get(name, "")) for name in ("portalId", "subscriptionId", "eventId", "occurredAt"))
    stable = {k: v for k, v in item.items() if k != "attemptNumber"} if isinstance(item, dict) else item
    return "sha256:" + hashlib.sha256(json.dumps(stable, sort_keys=True, default=str).encode()).hexdigest()[:32]


def hubspot_event(item: Any) -> HubSpotEvent:
    """One event of a HubSpot delivery (any subscription type HubSpot documents); ValueError when unreadable."""
    if not isinstance(item, dict):
        raise ValueError("the event is not a JSON object")
    subscription = item.get("subscriptionType")
    if not isinstance(subscription, str) or not subscription:
        raise ValueError("subscriptionType is missing")
    stamp = item.get("occurredAt")
    if isinstance(stamp, bool) or not isinstance(stamp, int):
        raise ValueError(f"occurredAt is missing or not epoch milliseconds: {stamp!r}")
    attempt = item.get("attemptNumber", 0)
    if isinstance(attempt, bool) or not isinstance(attempt, int):
        raise ValueError(f"attemptNumber is not a number: {attempt!r}")
    portal = item.get("portalId")
    if portal is not None and (isinstance(portal, bool) or not isinstance(portal, int)):
        raise ValueError(f"portalId is not a number: {portal!r}")
    try:
        return HubSpotEvent(
            key=event_key(item),
            event_id=_identifier(item.get("eventId"), "eventId"),
            subscription_type=subscription,
            occurred_at=datetime.fromtimestamp(stamp / 1000, UTC),
            portal_id=portal,
            subscription_id=_optional_id(item, "subscriptionId"),
            object_id=_optional_id(item, "objectId", "fromObjectId", "primaryObjectId"),
            object_type_id=_optional_id(item, "objectTypeId", "fromObjectTypeId"),
            related_id=_optional_id(item, "toObjectId", "newObjectId"),
            property_name=item["propertyName"] if isinstance(item.get("propertyName"), str) else None,
            change_source=item["changeSource"] if isinstance(item.get("changeSource"), str) else None,
            attempt=attempt,
        )
    except (OverflowError, OSError, RecordError) as exc:
        raise ValueError(str(exc)) from None


def hubspot_events(payload: Any) -> tuple[list[HubSpotEvent], list[tuple[Any, str]]]:
    """A HubSpot delivery (a JSON array of events): the events Tandem can read, and each other one with why
    not. ValueError when the delivery itself is not an array."""
    if not isinstance(payload, list):
        raise ValueError("the body is not a JSON array of events")
    readable: list[HubSpotEvent] = []
    unreadable: list[tuple[Any, str]] = []
    for item in payload:
        try:
            readable.append(hubspot_event(item))
        except ValueError as exc:
            unreadable.append((item, str(exc)))
    return readable, unreadable


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


async def _dead_letter_once(intake: Intake, key: str, item: Any, why: str) -> bool:
    """Dead-letter one unreadable part of a delivery (once, across HubSpot's retries); True when it was new."""
    if await intake.ledger.seen("hubspot-dlq", key):
        return False
    letter = object_dead_letter(HUBSPOT_ORIGIN, AGENT, key, item, ValueError(why), datetime.now(UTC))
    await dead_letter(intake.sink, letter)
    await intake.ledger.mark("hubspot-dlq", key)
    return True


async def receive_hubspot(intake: Intake, request: web.Request) -> web.Response:
    """HubSpot's signed deliveries: each event Tandem can read is accepted, each it cannot is dead-lettered on
    its own, and the batch is answered 200 once the dead letters are acknowledged. Nothing else is produced:
    HubSpot sends no events about what Tandem reads (campaigns and owners are polled)."""
    body = await read_limited(request)
    if body is None:
        return _answer(413, error="payload too large", limit_bytes=MAX_BODY)
    if not intake.hubspot_secret:
        log.warning("hubspot webhook refused: TANDEM_HUBSPOT_WEBHOOK_SECRET is not set")
        return _answer(401, error="webhook secret not configured")
    uri = request_uri(intake.public_url, scheme=request.scheme, host=request.host, raw_path=request.raw_path)
    valid, why = hubspot_signature_valid(
        intake.hubspot_secret,
        method=request.method,
        uri=uri,
        body=body,
        signature=request.headers.get("X-HubSpot-Signature-v3"),
        timestamp=request.headers.get("X-HubSpot-Request-Timestamp"),
        now_ms=int(time.time() * 1000),
    )
    if not valid:
        if not intake.public_url and request.scheme == "http":
            why += " (behind a TLS proxy? set TANDEM_PUBLIC_URL to the URL HubSpot calls)"
        return _answer(401, error=why)
    try:
        events, unreadable = hubspot_events(json.loads(body))
    except ValueError as exc:  # signed by HubSpot, so kept whole: a 400 would only have HubSpot retry and drop it
        text = body.decode("utf-8", errors="replace")
        new = await _dead_letter_once(intake, event_key(text), text, f"malformed delivery: {exc}")
        return _answer(200, accepted=0, dead_lettered=int(new))
    dead = 0
    for item, reason in unreadable:
        dead += await _dead_letter_once(intake, event_key(item), item, f"unreadable event: {reason}")
    for event in events:
        log.debug("hubspot event %s %s (%s): nothing to do", event.subscription_type, event.object_id, event.key)
    return _answer(200, accepted=len(events), dead_lettered=dead)


__all__ = [
    "JIRA_TOPIC",
    "MAX_BODY",
    "Intake",
    "event_key",
    "hubspot_event",
    "hubspot_events",
    "jira_events",
    "receive_hubspot",
    "receive_jira",
]
