"""Attacks on the webhook receivers, each refused with its 4xx over real HTTP and none reaching Kafka: a
signed Jira delivery replayed (stale, from the future, or under a new `X-Atlassian-Webhook-Identifier`),
signature headers that are not ASCII or not UTF-8, and deeply nested JSON in a validly signed body.

Each test ends with a valid delivery (a marker) that does reach Kafka, so the check that nothing else did
reads a topic known to be written."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from connectors.jira.signature import jira_signature
from connectors.state.webhook_ledger import DeliveryLedger
from connectors.webhooks.intake import MAX_DEPTH, Intake
from tests.integration.connectors.support import Plumbing
from tests.integration.connectors.webhooks.raw import raw_post
from tests.integration.connectors.webhooks.test_intake import (
    HUBSPOT_SECRET,
    JIRA_SECRET,
    Receiver,
    answer,
    delivery,
    hubspot_event,
    hubspot_headers,
    now_ms,
    serve,
)

pytestmark = pytest.mark.integration

STALE_2020 = 1577836800000  # 2020-01-01T00:00:00Z


@pytest_asyncio.fixture
async def receiver(plumbing: Plumbing) -> AsyncIterator[Receiver]:
    intake = Intake(plumbing.sink, DeliveryLedger(plumbing.sink), JIRA_SECRET, HUBSPOT_SECRET)
    url, runner = await serve(intake)
    try:
        yield Receiver(url, plumbing, intake)
    finally:
        await runner.cleanup()


def signed(body: bytes, identifier: str | None = None) -> dict[str, str]:
    headers = {"X-Hub-Signature": jira_signature(JIRA_SECRET, body), "Content-Type": "application/json"}
    return {**headers, "X-Atlassian-Webhook-Identifier": identifier} if identifier else headers


async def only_the_marker_reached(receiver: Receiver, topic: str = "jira-events") -> list[dict[str, object]]:
    """Send a valid marker delivery and read the topic: what the attacks produced, besides the marker."""
    url = f"{receiver.url}/webhooks/jira"
    marker = delivery("MARK-1")
    assert (await answer(url, marker, signed(marker, f"marker-{time.monotonic_ns()}")))[0] == 200
    records = await receiver.plumbing.records(topic, 50, wait=2.0)
    assert any(r["key"] == "MARK-1" for r in records), records  # the topic is read: the check below can fail
    return [r for r in records if r["key"] != "MARK-1"]


async def test_a_stale_signed_jira_delivery_is_refused_under_every_new_identifier(receiver: Receiver) -> None:
    """Jira stamps each payload with `timestamp`, "when Jira raised the event, in epoch ms"
    (https://mrrefactoring.github.io/jira.js/api/interfaces/webhooks.WebhookPayloadBase), and Atlassian advises
    receivers to "check the webhook timestamp" (https://community.developer.atlassian.com/t/new-jira-cloud-webhook-retry-policy/30554).
    A delivery signed in 2020, posted again under three fresh identifiers, is refused three times (401)."""
    url = f"{receiver.url}/webhooks/jira"
    body = delivery("WEB-7", timestamp=STALE_2020)
    for identifier in ("replay-1", "replay-2", "replay-3"):
        status, reply = await answer(url, body, signed(body, identifier))
        assert status == 401
        assert "outside the 300 s replay window" in str(reply["error"]) and "old" in str(reply["error"])
    assert await only_the_marker_reached(receiver) == []


async def test_a_signed_jira_delivery_from_the_future_is_refused(receiver: Receiver) -> None:
    url = f"{receiver.url}/webhooks/jira"
    body = delivery("WEB-7", timestamp=now_ms() + 3600 * 1000)
    status, reply = await answer(url, body, signed(body, "future-1"))
    assert status == 401 and "in the future" in str(reply["error"])
    assert await only_the_marker_reached(receiver) == []


async def test_the_same_signed_body_under_another_identifier_is_a_duplicate(receiver: Receiver) -> None:
    """`X-Atlassian-Webhook-Identifier` is not signed: a fresh delivery replayed within the window under new
    identifiers is recognised by its body (a hash of the signed bytes) and produces one record."""
    url = f"{receiver.url}/webhooks/jira"
    body = delivery("WEB-8")
    assert await answer(url, body, signed(body, "first")) == (200, {"accepted": 1})
    for identifier in ("second", "third"):
        assert await answer(url, body, signed(body, identifier)) == (200, {"duplicate": True})
    assert [r["identifier"] for r in await only_the_marker_reached(receiver)] == ["first"]


@pytest.mark.parametrize(
    "value",
    ["sha256=é" + "0" * 63, "sha256=" + "\u0660" * 64],
    ids=["latin", "arabic-digits"],
)
async def test_a_non_ascii_signature_header_is_refused_with_401(receiver: Receiver, value: str) -> None:
    """Signatures are hex (Jira) or base64 (HubSpot): ASCII. A header in UTF-8 beyond ASCII is refused (401),
    not a 500 from the comparison."""
    body = delivery("WEB-9")
    jira = [(b"X-Hub-Signature", value.encode()), (b"Content-Type", b"application/json")]
    assert (await raw_post(f"{receiver.url}/webhooks/jira", jira, body))[0] == 401
    hub_body = json.dumps([hubspot_event(1, subscriptionType="contact.creation", objectId=1)]).encode()
    hubspot = [
        (b"X-HubSpot-Signature-v3", value.encode()),
        (b"X-HubSpot-Request-Timestamp", str(now_ms()).encode()),
        (b"Content-Type", b"application/json"),
    ]
    assert (await raw_post(f"{receiver.url}/webhooks/hubspot", hubspot, hub_body))[0] == 401
    assert await only_the_marker_reached(receiver) == []
    assert await receiver.plumbing.records("dlq", 1, wait=1.0) == []


async def test_signature_headers_that_are_not_utf8_at_all_are_refused_with_401(receiver: Receiver) -> None:
    body = delivery("WEB-9")
    jira = [(b"X-Hub-Signature", b"sha256=\xff\xfe" + b"0" * 62)]
    status, reply = await raw_post(f"{receiver.url}/webhooks/jira", jira, body)
    assert status == 401, reply
    hub_body = json.dumps([hubspot_event(2, subscriptionType="contact.creation", objectId=1)]).encode()
    for signature, stamp in ((b"\xff\xfe\xfd=", str(now_ms()).encode()), (b"abc=", b"\xff1700000000000")):
        hubspot = [(b"X-HubSpot-Signature-v3", signature), (b"X-HubSpot-Request-Timestamp", stamp)]
        status, reply = await raw_post(f"{receiver.url}/webhooks/hubspot", hubspot, hub_body)
        assert status == 401, reply
    identifier = [(b"X-Hub-Signature", jira_signature(JIRA_SECRET, body).encode())]
    status, reply = await raw_post(
        f"{receiver.url}/webhooks/jira", [*identifier, (b"X-Atlassian-Webhook-Identifier", b"\xff\xfe")], body
    )
    assert status == 400 and "X-Atlassian-Webhook-Identifier" in reply["error"]
    assert await only_the_marker_reached(receiver) == []


def nested(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


async def test_deeply_nested_json_in_a_validly_signed_jira_delivery_is_refused_with_400(receiver: Receiver) -> None:
    url = f"{receiver.url}/webhooks/jira"
    for body in (
        nested(100_000),  # past the decoder's recursion limit
        nested(MAX_DEPTH + 1),
        b'{"timestamp": %d, "webhookEvent": "jira:issue_updated", "issue": {"key": "WEB-1", "x": %s}}'
        % (now_ms(), nested(MAX_DEPTH)),
    ):
        status, reply = await answer(url, body, signed(body))
        assert status == 400
        assert reply == {"error": f"malformed delivery: JSON nested deeper than {MAX_DEPTH} levels"}
    assert await only_the_marker_reached(receiver) == []


async def test_deeply_nested_json_in_a_validly_signed_hubspot_delivery_is_refused_with_400(
    receiver: Receiver,
) -> None:
    """No HubSpot delivery nests so deep (a flat array of flat events): refused, and not dead-lettered."""
    url = f"{receiver.url}/webhooks/hubspot"
    for body in (nested(100_000), b'[{"eventId": 1, "x": %s}]' % nested(MAX_DEPTH)):
        status, reply = await answer(url, body, hubspot_headers(url, body))
        assert (status, reply) == (400, {"error": f"malformed delivery: JSON nested deeper than {MAX_DEPTH} levels"})
    marker = json.dumps(["marker: not an event"]).encode()
    assert (await answer(url, marker, hubspot_headers(url, marker)))[0] == 200
    letters = await receiver.plumbing.records("dlq", 5, wait=2.0)
    assert [d["value"] for d in letters] == [json.dumps("marker: not an event")]
