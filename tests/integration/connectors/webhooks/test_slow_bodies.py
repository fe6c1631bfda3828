"""Slow-body denial of service, over real sockets against the receivers' web server: unauthenticated clients
that each declare 1 MiB and trickle it byte by byte are answered and cut off (408 once
`TANDEM_WEBHOOK_BODY_SECONDS` passes, 503 with `Retry-After` over `TANDEM_WEBHOOK_MAX_CONCURRENT_READS`),
and a valid delivery sent meanwhile is accepted."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import pytest_asyncio

from connectors.jira.signature import jira_signature
from connectors.state.webhook_ledger import DeliveryLedger
from connectors.webhooks.intake import MAX_BODY, Intake
from tests.integration.connectors.support import Plumbing
from tests.integration.connectors.webhooks.raw import request_bytes
from tests.integration.connectors.webhooks.test_intake import (
    HUBSPOT_SECRET,
    JIRA_SECRET,
    Receiver,
    answer,
    delivery,
    serve,
)
from tests.worker_process import Worker, read_topic

pytestmark = pytest.mark.integration

DEADLINE = 1.0
CAP = 8
ATTACKERS = 200


@pytest_asyncio.fixture
async def receiver(plumbing: Plumbing) -> AsyncIterator[Receiver]:
    intake = Intake(
        plumbing.sink,
        DeliveryLedger(plumbing.sink),
        JIRA_SECRET,
        HUBSPOT_SECRET,
        body_seconds=DEADLINE,
        max_concurrent_reads=CAP,
    )
    url, runner = await serve(intake)
    try:
        yield Receiver(url, plumbing, intake)
    finally:
        await runner.cleanup()


async def trickle(url: str, stop: asyncio.Event) -> tuple[bytes, float]:
    """Declare a 1 MiB body and send it a byte every 50 ms until the server closes the connection (or `stop`);
    what the server answered and how long the connection stayed open."""
    parts = urlsplit(url)
    started = time.monotonic()
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    head = request_bytes(url, [(b"Content-Type", b"application/json")], b"", length=MAX_BODY)
    writer.write(head)

    async def drip() -> None:
        while not stop.is_set():
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.05)

    dripping = asyncio.create_task(drip())
    try:
        answer = b""
        while chunk := await reader.read(65536):  # b"" once the server closed its side
            answer += chunk
        return answer, time.monotonic() - started
    finally:
        dripping.cancel()
        await asyncio.gather(dripping, return_exceptions=True)
        writer.close()


async def attack_while_delivering(url: str) -> None:
    """200 trickling clients on `url` (a Jira receiver with a 1 s deadline and 8 slots), and meanwhile one
    valid delivery: it is accepted, every trickling connection is answered 408 or 503 and cut, and the
    server takes the next delivery."""
    stop = asyncio.Event()
    attacks = [asyncio.create_task(trickle(url, stop)) for _ in range(ATTACKERS)]
    await asyncio.sleep(0.3)  # the attack holds every slot
    body = delivery("WEB-5")
    headers = {"X-Hub-Signature": jira_signature(JIRA_SECRET, body), "X-Atlassian-Webhook-Identifier": "valid-1"}
    assert await answer(url, body, headers) == (200, {"accepted": 1})
    done, pending = await asyncio.wait(attacks, timeout=DEADLINE + 3)
    stop.set()
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    assert not pending, f"{len(pending)} of {ATTACKERS} trickling connections were still open"
    answers = [(int(text.split(b" ", 2)[1]), text, seconds) for text, seconds in (task.result() for task in done)]
    assert {status for status, _, _ in answers} == {408, 503}
    timed_out = [seconds for status, _, seconds in answers if status == 408]
    assert all(DEADLINE - 0.1 <= seconds < DEADLINE + 2 for seconds in timed_out)  # read until the deadline
    busy = [(text, seconds) for status, text, seconds in answers if status == 503]
    assert len(busy) >= ATTACKERS // 2  # over the cap: refused at once, told when to come back
    assert all(b"\r\nRetry-After: 1\r\n" in text and seconds < DEADLINE + 1 for text, seconds in busy)
    later = delivery("WEB-6")
    later_headers = {"X-Hub-Signature": jira_signature(JIRA_SECRET, later), "X-Atlassian-Webhook-Identifier": "v-2"}
    assert await answer(url, later, later_headers) == (200, {"accepted": 1})


async def test_trickling_bodies_are_cut_off_and_a_valid_delivery_goes_through_meanwhile(receiver: Receiver) -> None:
    await attack_while_delivering(f"{receiver.url}/webhooks/jira")
    records = await receiver.plumbing.records("jira-events", 3, wait=1.5)
    assert [(r["key"], r["identifier"]) for r in records] == [("WEB-5", "valid-1"), ("WEB-6", "v-2")]


async def test_a_real_worker_cuts_trickling_bodies_and_accepts_a_valid_delivery_meanwhile(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """The same attack on a `tandem worker`'s own web server (Faust's aiohttp server, its middlewares and the
    webhook views), configured by `TANDEM_WEBHOOK_BODY_SECONDS` and `TANDEM_WEBHOOK_MAX_CONCURRENT_READS`."""
    worker = Worker(
        kafka_bootstrap,
        tmp_path / "worker",
        extra_env={
            "TANDEM_JIRA_WEBHOOK_SECRET": JIRA_SECRET,
            "TANDEM_WEBHOOK_BODY_SECONDS": str(DEADLINE),
            "TANDEM_WEBHOOK_MAX_CONCURRENT_READS": str(CAP),
        },
    )
    worker.start()
    try:
        await attack_while_delivering(f"http://127.0.0.1:{worker.web_port}/webhooks/jira")
        records = await read_topic(kafka_bootstrap, worker.topic("jira-events"), expect=3, wait_seconds=5)
        assert sorted((r["key"], r["identifier"]) for r in records) == [("WEB-5", "valid-1"), ("WEB-6", "v-2")]
    finally:
        worker.stop()


async def test_a_body_that_arrives_in_time_is_read_even_when_sent_in_pieces(receiver: Receiver) -> None:
    """The deadline is on the whole body: one sent in a few pieces within it is accepted."""
    parts = urlsplit(receiver.url)
    body = delivery("WEB-7")
    headers = [
        (b"X-Hub-Signature", jira_signature(JIRA_SECRET, body).encode()),
        (b"X-Atlassian-Webhook-Identifier", b"pieces-1"),
    ]
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(request_bytes(f"{receiver.url}/webhooks/jira", headers, b"", length=len(body)))
        for start in range(0, len(body), len(body) // 3 + 1):
            await asyncio.sleep(DEADLINE / 6)
            writer.write(body[start : start + len(body) // 3 + 1])
        reply = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
    assert reply.startswith(b"HTTP/1.1 200 ")
