"""The connectors inside a real `tandem worker`: leader timers backfill both sources, the webhook view
answers on the worker's web server and its agent re-reads the issue, and the write-back agent carries out a
`sync` command once per idempotency key."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.jira.signature import jira_signature
from streams.records import SyncCommand
from tests.integration.connectors.support import PORTAL, jira_get, load, scenario
from tests.sandbox_fixtures import Sandboxes
from tests.worker_process import Worker, produce, read_topic

pytestmark = pytest.mark.integration
SECRET = "worker-webhook-secret"


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def labels(world: Sandboxes, key: str) -> list[str]:
    return list(jira_get(world, f"/rest/api/3/issue/{key}?fields=labels")["fields"]["labels"])


def now_ms() -> int:
    """Now, in epoch ms: a delivery's `timestamp` must be within the replay window."""
    return int(time.time() * 1000)


async def wait_until(check: Any, within: float, worker: Worker) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"condition not met in {within}s:\n{worker.log_tail(80)}")


async def test_worker_polls_receives_webhooks_and_writes_back(
    world: Sandboxes, kafka_bootstrap: str, tmp_path: Path
) -> None:
    load(world, scenario(campaigns=3, issues=4))
    worker = Worker(
        kafka_bootstrap,
        tmp_path / "worker",
        extra_env={
            "TANDEM_HUBSPOT_BASE_URL": world.hubspot_url,
            "TANDEM_HUBSPOT_TOKEN": world.hubspot_token,
            "TANDEM_HUBSPOT_PORTAL_ID": str(PORTAL),
            "TANDEM_JIRA_URL": str(world.jira_url),
            "TANDEM_JIRA_EMAIL": world.jira_email,
            "TANDEM_JIRA_API_TOKEN": world.jira_token,
            "TANDEM_JIRA_PROJECTS": "WEB",
            "TANDEM_JIRA_WEBHOOK_SECRET": SECRET,
            "TANDEM_HUBSPOT_POLL_SECONDS": "1",
            "TANDEM_JIRA_POLL_SECONDS": "1",
            "TANDEM_MODE": "live",  # the pollers run (tests.worker_process defaults to replay)
            "TANDEM_HTTP_TIMEOUT_SECONDS": "5",
            "TANDEM_HTTP_MAX_ATTEMPTS": "3",
            # No background sync: its remote links and comments change the issues, which the poller re-reads.
            "TANDEM_SYNC_JIRA_REMOTE_LINKS": "false",
            "TANDEM_SYNC_JIRA_COMMENTS": "false",
            "TANDEM_SYNC_HUBSPOT_STATUS": "false",
        },
    )
    worker.start()
    try:
        campaigns = await read_topic(kafka_bootstrap, worker.topic("campaigns"), expect=3, wait_seconds=40)
        items = await read_topic(kafka_bootstrap, worker.topic("workitems"), expect=4, wait_seconds=40)
        assert len(campaigns) == 3, worker.log_tail(80)
        assert sorted(r["key"] for r in items) == ["WEB-1", "WEB-2", "WEB-3", "WEB-4"]

        url = f"http://127.0.0.1:{worker.web_port}/webhooks/jira"
        body = json.dumps(
            {
                "timestamp": int(time.time() * 1000),
                "webhookEvent": "jira:issue_deleted",
                "issue": {"id": "1", "key": "WEB-4"},
            }
        ).encode()
        assert post(url, body, {"X-Hub-Signature": "sha256=" + "1" * 64}) == 401
        signed = {"X-Hub-Signature": jira_signature(SECRET, body), "X-Atlassian-Webhook-Identifier": "w-1"}
        assert post(url, body, signed) == 200
        assert post(url, body, signed) == 200
        updated = json.dumps(
            {
                "timestamp": int(time.time() * 1000),
                "webhookEvent": "jira:issue_updated",
                "issue": {"id": "2", "key": "WEB-1"},
            }
        ).encode()
        assert post(url, updated, {"X-Hub-Signature": jira_signature(SECRET, updated)}) == 200
        items = await read_topic(kafka_bootstrap, worker.topic("workitems"), expect=6, wait_seconds=30)
        assert [(r["key"], r["deleted"]) for r in items if r["deleted"]] == [("WEB-4", True)]
        assert [r["key"] for r in items].count("WEB-1") == 2  # re-read in full by the Jira source

        command = SyncCommand(
            system="jira",
            action="add_label",
            target="WEB-2",
            idempotency_key="confirm:c1:WEB-2",
            at=datetime(2027, 1, 4, 12, tzinfo=UTC),
            payload={"campaign": "c1"},
        )
        await produce(kafka_bootstrap, worker.topic("sync"), [("WEB-2", command.dumps()), ("WEB-2", command.dumps())])
        await wait_until(lambda: labels(world, "WEB-2") == ["campaign-c1"], 30, worker)
        _, writes = world.control("GET", "/_sandbox/writes")
        edits = [w for w in writes if w["method"] == "PUT" and w["path"] == "/rest/api/3/issue/WEB-2"]
        await asyncio.sleep(1.0)
        _, writes = world.control("GET", "/_sandbox/writes")
        assert (
            len([w for w in writes if w["method"] == "PUT" and w["path"] == "/rest/api/3/issue/WEB-2"])
            == len(edits)
            == 1
        )
    finally:
        worker.stop()
