"""The webhook receivers over real HTTP, producing to a real Kafka broker: what is accepted is produced
once, every kind of bad request gets its status and produces nothing; and the Jira sandbox's own signed
deliveries are accepted end to end."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from connectors.jira.signature import jira_signature
from connectors.state.webhook_ledger import DeliveryLedger
from connectors.webhooks.intake import MAX_BODY, Intake, receive_hubspot, receive_jira
from tests.integration.connectors.support import Plumbing, control_jira, load, scenario, step
from tests.kafka_fixtures import free_port
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration

JIRA_SECRET = "It's a Secret to Everybody"
HUBSPOT_SECRET = "hubspot-client-secret-0123"


@dataclass
class Receiver:
    url: str
    plumbing: Plumbing
    intake: Intake


async def serve(intake: Intake) -> tuple[str, web.AppRunner]:
    """The receivers on a plain-HTTP loopback port (as the worker serves them behind a TLS proxy)."""
    app = web.Application()

    async def jira(request: web.Request) -> web.Response:
        return await receive_jira(intake, request)

    async def hubspot(request: web.Request) -> web.Response:
        return await receive_hubspot(intake, request)

    app.router.add_post("/webhooks/jira", jira)
    app.router.add_post("/webhooks/hubspot", hubspot)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return f"http://127.0.0.1:{port}", runner


@pytest_asyncio.fixture
async def receiver(plumbing: Plumbing) -> AsyncIterator[Receiver]:
    intake = Intake(plumbing.sink, DeliveryLedger(plumbing.sink), JIRA_SECRET, HUBSPOT_SECRET)
    url, runner = await serve(intake)
    try:
        yield Receiver(url, plumbing, intake)
    finally:
        await runner.cleanup()


PUBLIC_URL = "https://tandem.acme.test"


@pytest_asyncio.fixture
async def proxied(plumbing: Plumbing) -> AsyncIterator[Receiver]:
    """The receivers of a worker behind a TLS-terminating proxy: `TANDEM_PUBLIC_URL=https://tandem.acme.test`."""
    intake = Intake(plumbing.sink, DeliveryLedger(plumbing.sink), JIRA_SECRET, HUBSPOT_SECRET, PUBLIC_URL)
    url, runner = await serve(intake)
    try:
        yield Receiver(url, plumbing, intake)
    finally:
        await runner.cleanup()


def now_ms() -> int:
    return int(time.time() * 1000)


def delivery(key: str = "WEB-2", event: str = "jira:issue_updated", timestamp: int | None = None) -> bytes:
    """A Jira delivery raised now (or at `timestamp`): within the replay window unless told otherwise."""
    payload = {
        "timestamp": now_ms() if timestamp is None else timestamp,
        "webhookEvent": event,
        "issue": {"id": "10001", "key": key, "fields": {"project": {"key": "WEB"}, "summary": "x"}},
    }
    return json.dumps(payload).encode()


async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    data = io.BytesIO(body) if len(body) > 512 * 1024 else body  # aiohttp warns about large raw bodies
    async with aiohttp.ClientSession() as session, session.post(url, data=data, headers=headers) as response:
        await response.read()
        return response.status


async def test_a_signed_delivery_is_produced_once_and_its_redelivery_is_dropped(receiver: Receiver) -> None:
    body = delivery()
    headers = {"X-Hub-Signature": jira_signature(JIRA_SECRET, body), "X-Atlassian-Webhook-Identifier": "d-1"}
    assert await post(f"{receiver.url}/webhooks/jira", body, headers) == 200
    assert await post(f"{receiver.url}/webhooks/jira", body, {**headers, "X-Atlassian-Webhook-Retry": "1"}) == 200
    # a worker restarted since: a new ledger reads the accepted ids back from Kafka
    fresh = DeliveryLedger(receiver.plumbing.sink)
    assert await fresh.seen("jira", "d-1")
    records = await receiver.plumbing.all_records("jira-events", "WEB-2")
    assert [(r["kind"], r["key"], r["identifier"]) for r in records] == [("updated", "WEB-2", "d-1")]


async def test_each_bad_request_gets_its_status_and_produces_nothing(receiver: Receiver) -> None:
    url = f"{receiver.url}/webhooks/jira"
    body = delivery()
    good = jira_signature(JIRA_SECRET, body)
    assert await post(url, body, {"X-Atlassian-Webhook-Identifier": "b-1"}) == 401  # missing
    assert await post(url, body, {"X-Hub-Signature": "sha256=" + "0" * 64}) == 401  # forged
    assert await post(url, body + b" ", {"X-Hub-Signature": good}) == 401  # body changed after signing
    malformed = b'{"webhookEvent": "jira:issue_updated", "issue": '
    assert await post(url, malformed, {"X-Hub-Signature": jira_signature(JIRA_SECRET, malformed)}) == 400
    no_key = json.dumps({"webhookEvent": "jira:issue_updated", "timestamp": 1, "issue": {}}).encode()
    assert await post(url, no_key, {"X-Hub-Signature": jira_signature(JIRA_SECRET, no_key)}) == 400
    huge = b'{"pad": "' + b"x" * MAX_BODY + b'"}'
    assert await post(url, huge, {"X-Hub-Signature": jira_signature(JIRA_SECRET, huge)}) == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: refused while reading
        for _ in range(20):
            yield b"x" * 65536

    async with aiohttp.ClientSession() as session, session.post(url, data=chunks()) as response:
        assert response.status == 413
    assert await receiver.plumbing.all_records("jira-events", "WEB-2") == []


async def test_a_deletion_and_an_unfollowed_event(receiver: Receiver) -> None:
    url = f"{receiver.url}/webhooks/jira"
    deleted = delivery("WEB-9", "jira:issue_deleted")
    sign = {"X-Hub-Signature": jira_signature(JIRA_SECRET, deleted), "X-Atlassian-Webhook-Identifier": "del-1"}
    assert await post(url, deleted, sign) == 200
    other = json.dumps({"webhookEvent": "worklog_created", "timestamp": now_ms()}).encode()
    assert await post(url, other, {"X-Hub-Signature": jira_signature(JIRA_SECRET, other)}) == 200
    records = await receiver.plumbing.all_records("jira-events", "WEB-9")
    assert [(r["kind"], r["key"], r["project"]) for r in records] == [("deleted", "WEB-9", "WEB")]


def hubspot_headers(
    signed_url: str, body: bytes, timestamp: int | None = None, secret: str = HUBSPOT_SECRET
) -> dict[str, str]:
    """The headers HubSpot sends: v3 signature over method + the URL it called (its listed escapes decoded)
    + body + timestamp (the formula is pinned by a literal vector in tests/unit/connectors/test_signatures.py)."""
    stamp = str(timestamp if timestamp is not None else int(time.time() * 1000))
    source = f"POST{signed_url}{body.decode()}{stamp}".encode()
    signature = base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()
    return {
        "X-HubSpot-Signature-v3": signature,
        "X-HubSpot-Request-Timestamp": stamp,
        "Content-Type": "application/json",
    }


async def answer(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
        return response.status, await response.json()


def hubspot_event(event_id: int, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "eventId": event_id,
        "subscriptionId": 5,
        "portalId": 4242,
        "appId": 77,
        "occurredAt": 1799053200000 + event_id,
        "attemptNumber": 0,
    }
    return {**base, **fields}


async def test_a_delivery_signed_for_the_public_https_url_is_accepted_over_plain_http_behind_the_proxy(
    proxied: Receiver, receiver: Receiver
) -> None:
    """HubSpot signs the exact URL it called — scheme, host, path and query, with the escapes its
    "Validating requests" page lists decoded
    (https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests#validate-the-v3-request-signature).
    Behind a TLS-terminating proxy the worker is reached over http://127.0.0.1:<port>; with TANDEM_PUBLIC_URL
    it checks the signature against https://tandem.acme.test/... instead."""
    query = "?portal=4242&app=tandem%3Amain"
    body = json.dumps([hubspot_event(1, subscriptionType="contact.creation", objectId=123)]).encode()
    public = f"{PUBLIC_URL}/webhooks/hubspot?portal=4242&app=tandem:main"  # what HubSpot signs
    status, reply = await answer(f"{proxied.url}/webhooks/hubspot{query}", body, hubspot_headers(public, body))
    assert (status, reply) == (200, {"accepted": 1, "dead_lettered": 0})
    internal = f"{proxied.url}/webhooks/hubspot{query}"  # the URL the worker sees is not what HubSpot signed
    status, _ = await answer(internal, body, hubspot_headers(internal, body))
    assert status == 401
    status, reply = await answer(f"{receiver.url}/webhooks/hubspot{query}", body, hubspot_headers(public, body))
    assert status == 401 and "TANDEM_PUBLIC_URL" in str(reply["error"])  # without it, the hint says what to set


async def test_hubspot_deliveries_need_a_fresh_valid_signature(receiver: Receiver) -> None:
    """Signature v3 over the URL called, no older than 5 minutes (HubSpot's "Validating requests" page)."""
    url = f"{receiver.url}/webhooks/hubspot"
    body = json.dumps([hubspot_event(2, subscriptionType="contact.creation", objectId=1)]).encode()
    assert (await answer(url, body, hubspot_headers(url, body)))[0] == 200
    stale = int(time.time() * 1000) - 6 * 60 * 1000
    assert (await answer(url, body, hubspot_headers(url, body, stale)))[0] == 401
    assert (await answer(url, body, hubspot_headers(url, body, secret="wrong")))[0] == 401
    assert (await answer(url, body, {}))[0] == 401
    assert await receiver.plumbing.records("dlq", 1, wait=1.0) == []


async def test_an_unreadable_event_is_dead_lettered_alone_and_the_rest_of_the_batch_is_accepted(
    receiver: Receiver,
) -> None:
    """HubSpot batches events (https://developers.hubspot.com/docs/api/webhooks#webhook-payloads): association
    changes carry `fromObjectId`/`toObjectId` and no `objectId`, merges `primaryObjectId`/`mergedObjectIds`,
    generic events `objectTypeId` (https://developers.hubspot.com/changelog/new-subscription-types-for-webhooks,
    https://developers.hubspot.com/changelog/public-beta-generic-webhook-subscriptions). HubSpot retries a batch
    that fails and drops it in the end, so one event Tandem cannot read goes to `dlq` alone — once, across
    retries — and the batch is answered 200. Nothing is produced to `hubspot-events`: HubSpot has no events
    for campaigns or owners."""
    url = f"{receiver.url}/webhooks/hubspot"
    batch = [
        hubspot_event(
            10,
            subscriptionType="contact.propertyChange",
            objectId=123,
            propertyName="email",
            propertyValue="a@acme.test",
            changeSource="CRM",
            sourceId="userId:1",
        ),
        hubspot_event(
            11,
            subscriptionType="contact.associationChange",
            associationType="CONTACT_TO_COMPANY",
            fromObjectId=123,
            toObjectId=456,
            associationRemoved=False,
            isPrimaryAssociation=True,
        ),
        hubspot_event(
            12,
            subscriptionType="object.associationChange",
            associationCategory="HUBSPOT_DEFINED",
            associationTypeId=279,
            fromObjectTypeId="0-1",
            fromObjectId=1,
            toObjectTypeId="0-2",
            toObjectId=2,
            associationRemoved=True,
        ),
        hubspot_event(
            13,
            subscriptionType="contact.merge",
            objectId=9,
            primaryObjectId=9,
            mergedObjectIds=[7, 8],
            newObjectId=10,
            numberOfPropertiesMoved=4,
        ),
        hubspot_event(14, subscriptionType="contact.privacyDeletion", objectId=5, changeFlag="PRIVACY_DELETED"),
        hubspot_event(15, subscriptionType="object.creation", objectTypeId="0-27", objectId=31, changeFlag="CREATED"),
        hubspot_event(
            16,
            subscriptionType="conversation.newMessage",
            objectId=88,
            messageId="m-1",
            messageType="MESSAGE",
            changeFlag="NEW_MESSAGE",
        ),
        {"subscriptionType": "contact.creation", "objectId": 1, "occurredAt": 1799053200000},  # no eventId
        "not an event",
    ]
    body = json.dumps(batch).encode()
    status, reply = await answer(url, body, hubspot_headers(url, body))
    assert (status, reply) == (200, {"accepted": 7, "dead_lettered": 2})
    retried = json.dumps([{**e, "attemptNumber": 1} if isinstance(e, dict) else e for e in batch]).encode()
    status, reply = await answer(url, retried, hubspot_headers(url, retried))
    assert (status, reply) == (200, {"accepted": 7, "dead_lettered": 0})
    letters = await receiver.plumbing.records("dlq", 3, wait=3.0)
    assert sorted((d["topic"], d["error"]) for d in letters) == [
        ("hubspot:webhook", "unreadable event: eventId is missing or not an id: None"),
        ("hubspot:webhook", "unreadable event: the event is not a JSON object"),
    ]
    assert await receiver.plumbing.records("hubspot-events", 1, wait=1.0) == []


async def test_a_signed_body_that_is_not_an_array_of_events_is_kept_in_the_dead_letter_topic(
    receiver: Receiver,
) -> None:
    """HubSpot always sends a JSON array; a signed body that is not one is HubSpot's all the same. A 400 would
    only make HubSpot retry it and drop it, so it is dead-lettered whole and answered 200."""
    url = f"{receiver.url}/webhooks/hubspot"
    for bad in (b"[{]", b'{"eventId": 1}'):
        status, reply = await answer(url, bad, hubspot_headers(url, bad))
        assert (status, reply) == (200, {"accepted": 0, "dead_lettered": 1})
    letters = await receiver.plumbing.records("dlq", 3, wait=3.0)
    assert sorted(d["value"] for d in letters) == [json.dumps("[{]"), json.dumps('{"eventId": 1}')]
    assert all(d["error"].startswith("malformed delivery: ") for d in letters)


@pytest_asyncio.fixture
async def on_sandbox_time(plumbing: Plumbing, world: Sandboxes) -> AsyncIterator[Receiver]:
    """The receivers of a worker living by the sandbox's clock (as `tandem demo`'s worker lives by the
    scenario clock the sandboxes follow): the sandbox stamps its deliveries by that clock."""
    intake = Intake(
        plumbing.sink, DeliveryLedger(plumbing.sink), JIRA_SECRET, HUBSPOT_SECRET, clock=world.world.clock.now
    )
    url, runner = await serve(intake)
    try:
        yield Receiver(url, plumbing, intake)
    finally:
        await runner.cleanup()


async def test_the_jira_sandboxs_own_signed_deliveries_are_accepted(
    world: Sandboxes, on_sandbox_time: Receiver
) -> None:
    """Registered as an admin webhook with a secret, the Jira sandbox signs and sends issue events."""
    receiver = on_sandbox_time
    load(world, scenario(issues=3))
    name = f"tandem-{uuid.uuid4().hex[:6]}"
    status, answer = control_jira(
        world,
        "POST",
        "/_sandbox/jira/webhooks",
        {"name": name, "url": f"{receiver.url}/webhooks/jira", "secret": JIRA_SECRET},
    )
    assert status == 201, answer
    step(world, {"at": "2027-01-04T11:00:00Z", "jira": {"update": "WEB-2", "fields": {"summary": "Renamed"}}})
    step(world, {"at": "2027-01-04T11:05:00Z", "jira": {"delete": "WEB-3"}})
    # the receiver answers on this test's event loop: wait for the sandbox in a thread, not on the loop
    status, idle = await asyncio.to_thread(control_jira, world, "POST", "/_sandbox/jira/webhooks/idle", {"timeout": 20})
    assert status == 200 and idle["idle"], idle
    control_jira(world, "DELETE", f"/_sandbox/jira/webhooks/{answer['id']}")
    records = await receiver.plumbing.records("jira-events", 2, wait=5)
    assert sorted((r["kind"], r["key"]) for r in records) == [("deleted", "WEB-3"), ("updated", "WEB-2")]
