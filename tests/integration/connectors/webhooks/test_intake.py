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


@pytest_asyncio.fixture
async def receiver(plumbing: Plumbing) -> AsyncIterator[Receiver]:
    intake = Intake(plumbing.sink, DeliveryLedger(plumbing.sink), JIRA_SECRET, HUBSPOT_SECRET)
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
    try:
        yield Receiver(f"http://127.0.0.1:{port}", plumbing, intake)
    finally:
        await runner.cleanup()


def delivery(key: str = "WEB-2", event: str = "jira:issue_updated") -> bytes:
    payload = {
        "timestamp": 1799053200000,
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
    other = json.dumps({"webhookEvent": "worklog_created", "timestamp": 1}).encode()
    assert await post(url, other, {"X-Hub-Signature": jira_signature(JIRA_SECRET, other)}) == 200
    records = await receiver.plumbing.all_records("jira-events", "WEB-9")
    assert [(r["kind"], r["key"], r["project"]) for r in records] == [("deleted", "WEB-9", "WEB")]


def hubspot_headers(
    url: str, body: bytes, timestamp: int | None = None, secret: str = HUBSPOT_SECRET
) -> dict[str, str]:
    stamp = str(timestamp if timestamp is not None else int(time.time() * 1000))
    source = f"POST{url}{body.decode()}{stamp}".encode()
    signature = base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()
    return {
        "X-HubSpot-Signature-v3": signature,
        "X-HubSpot-Request-Timestamp": stamp,
        "Content-Type": "application/json",
    }


async def test_hubspot_v3_deliveries(receiver: Receiver) -> None:
    url = f"{receiver.url}/webhooks/hubspot"
    event = {
        "eventId": 77,
        "subscriptionId": 5,
        "portalId": 4242,
        "occurredAt": 1799053200000,
        "subscriptionType": "contact.propertyChange",
        "attemptNumber": 0,
        "objectId": 123,
        "propertyName": "email",
        "propertyValue": "a@acme.test",
        "changeSource": "CRM",
    }
    body = json.dumps([event]).encode()
    assert await post(url, body, hubspot_headers(url, body)) == 200
    assert await post(url, body, hubspot_headers(url, body)) == 200  # the same eventId again
    stale = int(time.time() * 1000) - 6 * 60 * 1000
    assert await post(url, body, hubspot_headers(url, body, stale)) == 401
    assert await post(url, body, hubspot_headers(url, body, secret="wrong")) == 401
    assert await post(url, body, {}) == 401
    bad = b"[{]"
    assert await post(url, bad, hubspot_headers(url, bad)) == 400
    records = await receiver.plumbing.all_records("hubspot-events", "123")
    assert [(r["event_id"], r["object_id"], r["subscription_type"]) for r in records] == [
        ("77", "123", "contact.propertyChange")
    ]


async def test_the_jira_sandboxs_own_signed_deliveries_are_accepted(world: Sandboxes, receiver: Receiver) -> None:
    """Registered as an admin webhook with a secret, the Jira sandbox signs and sends issue events."""
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
