"""The webhook receivers' logic, as aiohttp handlers the Faust web server mounts (`connectors.webhooks.views`).

Order of checks, so that nothing reaches Kafka from a rejected request:
1. size and time: a declared `Content-Length` over 1 MiB is refused (413) before anything is read; a body
   without one is read up to 1 MiB + 1 byte and refused if it goes over. The body must arrive within
   `TANDEM_WEBHOOK_BODY_SECONDS` (else 408), and at most `TANDEM_WEBHOOK_MAX_CONCURRENT_READS` bodies are
   waited on at once (else 503 with `Retry-After`); a body already whole when its headers are read needs no
   wait. These refusals close the connection at once (`cut`): nobody holds one by trickling a body;
2. signature, on the raw bytes, in constant time, before any parsing (401 when missing, forged, not ASCII
   or stale); HubSpot's over the URL it called (`TANDEM_PUBLIC_URL` + path and query, see
   `connectors.hubspot.signature`);
3. JSON nested deeper than `MAX_DEPTH` is refused (400) before anything reads it;
4. Jira: redelivery (an accepted delivery id, or a body already accepted under another id, answers 200
   `{"duplicate": true}` and produces nothing; the same delivery while it is in flight, 409), then JSON and
   shape (400), then the replay window (a payload `timestamp` further than `TANDEM_JIRA_WEBHOOK_MAX_AGE_SECONDS`
   from now, 401), then produce, wait for the broker's acknowledgement, mark the delivery and its body
   accepted, and only then answer 2xx;
5. HubSpot: event by event — each event Tandem can read is accepted, each it cannot (and a signed body that
   is not a JSON array) goes to `dlq` on its own, once across HubSpot's retries; 200 once those are
   acknowledged. One bad event never costs the batch (HubSpot retries a failed batch, then drops it).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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
from tandem.clock import clock_for, speed_of, wall_now
from tandem.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
MAX_DEPTH = 64
"""Deepest nesting of arrays and objects a webhook body may have (Jira's and HubSpot's have fewer than ten
levels); deeper is refused (400) before anything reads it."""
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
    clock: Callable[[], datetime] = wall_now
    """The worker's clock (`TANDEM_CLOCK`'s scenario clock in the demo, whose sandbox stamps its webhooks by it)."""
    clock_speed: float = 1.0
    """Clock seconds per wall second: the replay window is in wall seconds, whatever the clock's pace."""
    jira_max_age_seconds: float = 300.0
    """`TANDEM_JIRA_WEBHOOK_MAX_AGE_SECONDS`: the replay window of Jira deliveries, both ways."""
    body_seconds: float = 5.0
    """`TANDEM_WEBHOOK_BODY_SECONDS`: the deadline for a body to arrive."""
    max_concurrent_reads: int = 32
    """`TANDEM_WEBHOOK_MAX_CONCURRENT_READS`: bodies waited on at once."""
    _reads: asyncio.Semaphore = field(init=False, repr=False)
    busy_refusals: int = field(init=False, default=0)
    """Bodies refused (503) because `max_concurrent_reads` were being read."""
    _in_flight: set[str] = field(init=False, repr=False, default_factory=set)
    _busy_logged: float = field(init=False, repr=False, default=-math.inf)

    def __post_init__(self) -> None:
        self._reads = asyncio.Semaphore(self.max_concurrent_reads)

    @classmethod
    def from_settings(
        cls, sink: KafkaSink, ledger: DeliveryLedger, settings: Settings, clock: Callable[[], datetime] | None = None
    ) -> Intake:
        """The receivers of a worker configured by `settings` (its clock: `clock`, else `TANDEM_CLOCK`'s)."""
        return cls(
            sink,
            ledger,
            settings.jira_webhook_secret.get_secret_value() if settings.jira_webhook_secret else None,
            settings.hubspot_webhook_secret.get_secret_value() if settings.hubspot_webhook_secret else None,
            settings.public_url,
            clock=clock or clock_for(settings),
            clock_speed=speed_of(settings),
            jira_max_age_seconds=settings.jira_webhook_max_age_seconds,
            body_seconds=settings.webhook_body_seconds,
            max_concurrent_reads=settings.webhook_max_concurrent_reads,
        )


def _answer(status: int, **body: Any) -> web.Response:
    response = web.json_response(body, status=status)
    response[DUPLICATE] = bool(body.get("duplicate"))  # for the worker's webhook tally
    return response


CUT_GRACE_SECONDS = 2.0
"""How long a cut connection stays open for reading after its answer and FIN went out (closed sooner when
the client closes): closing at once, with the client's bytes unread, would send a reset that can destroy the
answer before the client reads it."""


async def cut(request: web.Request, response: web.Response) -> web.Response:
    """Send `response`, end the connection's sending side (FIN) and close it within `CUT_GRACE_SECONDS`,
    without reading what is left of the body (aiohttp would linger up to 10 s reading it, which is what a
    trickling client wants)."""
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    transport = request.transport
    if transport is not None:
        if transport.can_write_eof():
            transport.write_eof()  # after the answer is flushed
        asyncio.get_running_loop().call_later(CUT_GRACE_SECONDS, transport.close)
    return response


class BodyRefused(Exception):
    """A body that was not read: the answer to give (already sent, the connection closed)."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def _too_large() -> web.Response:
    return _answer(413, error="payload too large", limit_bytes=MAX_BODY)


async def read_body(intake: Intake, request: web.Request) -> bytes:
    """The body, within `MAX_BODY` bytes, `intake.body_seconds` and `intake.max_concurrent_reads` bodies
    waited on at once; `BodyRefused` (413, 408 or 503, sent and the connection closed) otherwise. What has
    arrived with the headers is taken first: a body already whole needs no wait, so no slot either."""
    started = time.monotonic()
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise BodyRefused(await cut(request, _too_large()))
    content = request.content
    chunks: list[bytes] = []
    size = 0
    while chunk := content.read_nowait():
        size += len(chunk)
        if size > MAX_BODY:
            raise BodyRefused(await cut(request, _too_large()))
        chunks.append(chunk)
    if content.is_eof():
        return b"".join(chunks)
    if intake._reads.locked():
        retry = max(1, math.ceil(intake.body_seconds))
        intake.busy_refusals += 1
        if time.monotonic() - intake._busy_logged >= 10:  # one line per 10 s, however hard the flood
            log.warning(
                "webhook bodies refused (503): %d bodies are being read already; %d refused so far",
                intake.max_concurrent_reads,
                intake.busy_refusals,
            )
            intake._busy_logged = time.monotonic()
        busy = _answer(503, error="too many webhook bodies in flight, retry later", retry_after_seconds=retry)
        busy.headers["Retry-After"] = str(retry)
        raise BodyRefused(await cut(request, busy))
    async with intake._reads:
        try:
            async with asyncio.timeout(max(0.0, intake.body_seconds - (time.monotonic() - started))):
                while chunk := await content.read(64 * 1024):
                    size += len(chunk)
                    if size > MAX_BODY:
                        raise BodyRefused(await cut(request, _too_large()))
                    chunks.append(chunk)
        except TimeoutError:
            slow = _answer(408, error=f"the body did not arrive within {intake.body_seconds:g} s")
            raise BodyRefused(await cut(request, slow)) from None
    return b"".join(chunks)


def depth(value: Any) -> int:
    """How deep arrays and objects nest in a parsed JSON value (walked without recursion)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class TooDeep(ValueError):
    """A JSON text nested deeper than `MAX_DEPTH`."""


def parse_json(body: bytes) -> Any:
    """The JSON value of a body (UTF-8, no NaN or Infinity); ValueError when it is not JSON or nests deeper
    than `MAX_DEPTH`. The decoder's own recursion bound stops a deeper text while it is parsed; `MAX_DEPTH`
    is checked on the result, before anything reads it."""
    too_deep = f"JSON nested deeper than {MAX_DEPTH} levels"
    # Strict UTF-8 first (RFC 8259 §8.1): `json.loads` on bytes would guess UTF-16/32 and let UTF-8-encoded
    # surrogates (`\xed\xa0\x80`) through with "surrogatepass".
    text = body.decode("utf-8")
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise TooDeep(too_deep) from None
    if depth(value) > MAX_DEPTH:
        raise TooDeep(too_deep)
    return value


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


_IDENTIFIER = re.compile(r"[\x21-\x7e]{1,200}")


def replay_refusal(intake: Intake, stamp: Any) -> str | None:
    """Why a signed Jira payload `timestamp` (epoch ms) is outside the replay window, or None when inside (or
    not a number: the shape check says so). The window is in wall seconds, whatever the clock's pace."""
    if isinstance(stamp, bool) or not isinstance(stamp, int | float) or not math.isfinite(stamp):
        return None
    away = (stamp / 1000 - intake.clock().timestamp()) / intake.clock_speed
    if abs(away) <= intake.jira_max_age_seconds:
        return None
    when = "old" if away < 0 else "in the future"
    return (
        f"stale or future delivery: its timestamp is {abs(away):.0f} s {when}, outside the "
        f"{intake.jira_max_age_seconds:g} s replay window (TANDEM_JIRA_WEBHOOK_MAX_AGE_SECONDS)"
    )


async def receive_jira(intake: Intake, request: web.Request) -> web.Response:
    try:
        body = await read_body(intake, request)
    except BodyRefused as refused:
        return refused.response
    if not intake.jira_secret:
        log.warning("jira webhook refused: TANDEM_JIRA_WEBHOOK_SECRET is not set")
        return _answer(401, error="webhook secret not configured")
    if not jira_signature_valid(intake.jira_secret, body, request.headers.get("X-Hub-Signature")):
        return _answer(401, error="missing or invalid X-Hub-Signature")
    digest = hashlib.sha256(body).hexdigest()
    identifier = request.headers.get("X-Atlassian-Webhook-Identifier") or digest
    if not _IDENTIFIER.fullmatch(identifier):
        return _answer(400, error="X-Atlassian-Webhook-Identifier is not a short printable ASCII id")
    keys = (("jira", identifier), ("jira-body", digest))
    if any(f"{system}:{key}" in intake._in_flight for system, key in keys):
        return _answer(409, error="this delivery is being accepted already")
    claimed = {f"{system}:{key}" for system, key in keys}
    intake._in_flight |= claimed
    try:
        if any([await intake.ledger.seen(system, key) for system, key in keys]):
            return _answer(200, duplicate=True)
        try:
            payload = parse_json(body)
            events = jira_events(payload, identifier)
        except ValueError as exc:
            return _answer(400, error=f"malformed delivery: {exc}")
        stale = replay_refusal(intake, payload.get("timestamp"))
        if stale is not None:
            log.warning("jira webhook refused: %s", stale)
            return _answer(401, error=stale)
        await intake.sink.send_many(JIRA_TOPIC, [(event.key, event) for event in events])
        for system, key in keys:
            await intake.ledger.mark(system, key)
        return _answer(200, accepted=len(events))
    finally:
        intake._in_flight -= claimed


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
    try:
        body = await read_body(intake, request)
    except BodyRefused as refused:
        return refused.response
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
        events, unreadable = hubspot_events(parse_json(body))
    except TooDeep as exc:  # no HubSpot delivery nests so deep: refused, not kept
        return _answer(400, error=f"malformed delivery: {exc}")
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
    "MAX_DEPTH",
    "BodyRefused",
    "Intake",
    "TooDeep",
    "cut",
    "depth",
    "event_key",
    "hubspot_event",
    "hubspot_events",
    "jira_events",
    "parse_json",
    "read_body",
    "receive_hubspot",
    "receive_jira",
    "replay_refusal",
]
