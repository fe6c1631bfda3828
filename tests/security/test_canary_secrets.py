"""Canary secrets: a real worker (real broker, the vendor sandboxes, an SMTP server that is down, a Slack
receiver that refuses) has a recognisable fake value in every secret setting and logs at debug level. It
polls HubSpot and Jira with the canary tokens (401s), fails to email (SMTP with the canary password) and to
post to Slack (the canary webhook URL, which the receiver quotes back in its error), answers API calls made
with the canary API token and webhook deliveries signed with the wrong secret. Then no log line, dead letter,
delivery record or HTTP response holds any canary, in any spelling (as is, percent-encoded, JSON-escaped)."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp import web

from streams.records import Notification
from tandem.worker_process import free_port
from tests.builders import IVAN, MARIA, T, goal_summary
from tests.sandbox_fixtures import Sandboxes
from tests.worker_process import Worker, produce, read_topic

pytestmark = pytest.mark.integration

CANARY = {
    "TANDEM_HUBSPOT_TOKEN": "CANARY-hubspot-token-8c2e4a6f",
    "TANDEM_JIRA_API_TOKEN": "CANARY-jira-api-token-1b3d5f7a",
    "TANDEM_JIRA_WEBHOOK_SECRET": "CANARY-jira-webhook-secret-9e8d7c6b",
    "TANDEM_HUBSPOT_WEBHOOK_SECRET": "CANARY-hubspot-webhook-secret-5a4b3c2d",
    "TANDEM_SESSION_SECRET": "CANARY-session-secret-0f1e2d3c",
    "TANDEM_SMTP_PASSWORD": "CANARY-smtp-password-7a6b5c4d",
}
API_TOKEN = "CANARY-api-token-4e5f6a7b8c9d"
WEBHOOK_SECRET_PART = "CANARYslackwebhookpart3c4d5e6f"


def spellings(secret: str) -> list[str]:
    return [secret, quote(secret, safe=""), json.dumps(secret)[1:-1]]


@pytest.fixture
async def refusing_slack() -> AsyncIterator[str]:
    """A Slack webhook receiver that answers 403 and quotes the URL it was called at (as a proxy might)."""

    async def refuse(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=403, text=f"invalid_token for {request.url}")

    app = web.Application()
    app.router.add_post("/services/T0CANARY/B0CANARY/{secret}", refuse)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/services/T0CANARY/B0CANARY/{WEBHOOK_SECRET_PART}"
    await runner.cleanup()


def call(url: str, *, token: str | None = None, body: bytes | None = None, headers: dict | None = None) -> str:
    """Status and body of one HTTP call, as text."""
    request = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body else "GET")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return f"{response.status} {dict(response.headers)} {response.read().decode(errors='replace')}"
    except urllib.error.HTTPError as exc:
        return f"{exc.code} {dict(exc.headers)} {exc.read().decode(errors='replace')}"


async def test_no_canary_secret_leaks_into_logs_dead_letters_deliveries_or_responses(
    kafka_bootstrap: str, tmp_path: Path, sandboxes: Sandboxes, refusing_slack: str
) -> None:
    worker = Worker(
        bootstrap=kafka_bootstrap,
        data_dir=tmp_path / "worker",
        api_token=API_TOKEN,
        extra_env={
            **CANARY,
            "TANDEM_MODE": "live",  # the pollers run, with the canary tokens
            "TANDEM_LOG_LEVEL": "debug",
            "TANDEM_HUBSPOT_BASE_URL": sandboxes.hubspot_url,
            "TANDEM_JIRA_URL": str(sandboxes.jira_url),
            "TANDEM_JIRA_EMAIL": sandboxes.jira_email,
            "TANDEM_JIRA_PROJECTS": "WEB",
            "TANDEM_SMTP_HOST": "127.0.0.1",
            "TANDEM_SMTP_PORT": str(free_port()),  # nothing listens
            "TANDEM_SMTP_USERNAME": "tandem",
            "TANDEM_SMTP_SECURITY": "none",
            "TANDEM_SMTP_TIMEOUT": "2",
            "TANDEM_SLACK_WEBHOOKS": json.dumps({"marketing": refusing_slack}),
        },
    )
    worker.start(timeout=150)
    base = f"http://127.0.0.1:{worker.web_port}"
    responses: list[str] = []
    try:
        n = Notification(
            key="canary:1", kind="opened", at=T, rule="date_conflict", severity="warning", campaign="c1",
            detail="WEB-1 is late.", goal=goal_summary(), recipients=[IVAN, MARIA], jira_issues=["WEB-1"],
        )  # fmt: skip
        await produce(kafka_bootstrap, worker.topic("notifications"), [(n.key, n.dumps())])
        for path in ("/api/v1/goals", "/api/v1/health", "/api/v1/notifications", "/api/v1/goals/c1", "/"):
            responses.append(call(base + path, token=API_TOKEN))
        responses.append(call(base + "/api/v1/goals", token=API_TOKEN[:-1]))
        forged = {
            "Content-Type": "application/json",
            "X-Hub-Signature": "sha256=00",
            "X-HubSpot-Signature-v3": "AAAA",
            "X-HubSpot-Request-Timestamp": str(int(time.time() * 1000)),
        }
        for hook in ("/webhooks/jira", "/webhooks/hubspot"):
            responses.append(call(base + hook, body=b'{"webhookEvent": "jira:issue_updated"}', headers=forged))
        letters = await read_topic(kafka_bootstrap, worker.topic("dlq"), expect=2, wait_seconds=120)
        outcomes = await read_topic(kafka_bootstrap, worker.topic("deliveries"), expect=4, wait_seconds=30)
        await asyncio.sleep(5)  # another poll round with the canary tokens
    finally:
        worker.stop()
    log = worker.log_tail(1_000_000)
    assert {letter["agent"] for letter in letters} >= {"delivery:email", "delivery:slack"}, log[-3000:]
    assert "401" in log or "Unauthorized" in log or "unauthorized" in log.lower()  # the pollers were refused
    places = {
        "the worker log": log,
        "the dead letters": json.dumps(letters),
        "the delivery records": json.dumps(outcomes),
        "the HTTP responses": "\n".join(responses),
    }
    for secret in (*CANARY.values(), API_TOKEN, WEBHOOK_SECRET_PART):
        for place, text in places.items():
            for spelled in spellings(secret):
                assert spelled not in text, f"{secret} ({spelled}) in {place}"
