"""The background sync with a worker of its own: a dry run writes nothing, and a worker killed between a
write and its record writes no duplicate once restarted."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.integration.connectors.support import PORTAL, faults, guid, jira_get, load, scenario
from tests.sandbox_fixtures import Sandboxes
from tests.worker_process import Worker

pytestmark = pytest.mark.integration

TOKEN = "sync-test-admin-token"
SPRING = guid(1)
SUMMER = guid(2)


def worker_for(world: Sandboxes, bootstrap: str, data_dir: Path, **extra: str) -> Worker:
    return Worker(
        bootstrap,
        data_dir,
        api_token=TOKEN,
        extra_env={
            "TANDEM_API_TOKENS": f"{TOKEN}:admin",
            "TANDEM_HUBSPOT_BASE_URL": world.hubspot_url,
            "TANDEM_HUBSPOT_TOKEN": world.hubspot_token,
            "TANDEM_HUBSPOT_PORTAL_ID": str(PORTAL),
            "TANDEM_JIRA_URL": str(world.jira_url),
            "TANDEM_JIRA_EMAIL": world.jira_email,
            "TANDEM_JIRA_API_TOKEN": world.jira_token,
            "TANDEM_JIRA_PROJECTS": "WEB",
            "TANDEM_HUBSPOT_POLL_SECONDS": "1",
            "TANDEM_JIRA_POLL_SECONDS": "1",
            "TANDEM_MODE": "live",
            "TANDEM_NOTIFY_EMAIL": "false",
            "TANDEM_DASHBOARD_URL": "https://tandem.acme.test",
            "TANDEM_HTTP_TIMEOUT_SECONDS": "5",
            "TANDEM_HTTP_MAX_ATTEMPTS": "3",
            **extra,
        },
    )


def writes(world: Sandboxes, *, method: str | None = None, path: str = "") -> list[dict[str, Any]]:
    _, found = world.control("GET", "/_sandbox/writes")
    return [w for w in found if (method is None or w["method"] == method) and path in w["path"]]


def remote_links(world: Sandboxes, key: str) -> list[dict[str, Any]]:
    return list(jira_get(world, f"/rest/api/3/issue/{key}/remotelink"))


def comments(world: Sandboxes, key: str) -> list[str]:
    found = jira_get(world, f"/rest/api/3/issue/{key}/comment")["comments"]
    return [json.dumps(c["body"]) for c in found]


def notes(world: Sandboxes, campaign: str) -> str:
    response = requests.get(
        f"{world.hubspot_url}/marketing/v3/campaigns/{campaign}?properties=hs_notes",
        headers={"Authorization": f"Bearer {world.hubspot_token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["properties"].get("hs_notes", ""))


def health(worker: Worker) -> dict[str, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{worker.web_port}/api/v1/health", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return dict(json.loads(response.read()))


def until(check: Callable[[], Any], worker: Worker, within: float = 60.0) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            found = check()
        except (AssertionError, KeyError, IndexError, requests.RequestException):
            found = None
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"not reached within {within:.0f}s:\n{worker.log_tail(60)}")


def settled(world: Sandboxes, quiet: float = 6.0, within: float = 90.0) -> int:
    """Wait until the sandboxes receive no write for `quiet` seconds (the worker polls every second)."""
    deadline = time.monotonic() + within
    count, since = len(writes(world)), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = len(writes(world))
        if now != count:
            count, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return count
    raise AssertionError("the writes never stopped")


def test_a_dry_run_writes_nothing_and_says_what_it_would_have_written(
    world: Sandboxes, kafka_bootstrap: str, tmp_path: Path
) -> None:
    load(world, scenario(campaigns=1, issues=1))
    worker = worker_for(world, kafka_bootstrap, tmp_path / "dry", TANDEM_SYNC_DRY_RUN="true")
    worker.start()
    try:
        logged = until(lambda: health(worker)["sync"]["logged"].get("jira:remote_link"), worker)
        assert logged == 1 and health(worker)["sync"]["dry_run"]
        settled(world)
        assert [w for w in writes(world) if "remotelink" in w["path"] or w["method"] == "PATCH"] == []
    finally:
        worker.stop()


def test_a_worker_killed_between_writing_and_recording_writes_no_duplicate(
    world: Sandboxes, kafka_bootstrap: str, tmp_path: Path
) -> None:
    load(world, scenario(campaigns=1, issues=1))
    faults(world, "hubspot", write_reply_delay_ms=30_000)  # HubSpot writes the status; its answer never comes
    worker = worker_for(world, kafka_bootstrap, tmp_path / "killed", TANDEM_SESSION_TIMEOUT="10")
    worker.start()
    try:
        until(lambda: "[Tandem · engineering status" in notes(world, SPRING), worker)
        worker.kill()  # the write is done; the worker never learnt it
        faults(world, "hubspot")
        worker.start()
        until(lambda: remote_links(world, "WEB-1"), worker)
        settled(world)
    finally:
        worker.stop()
    assert len(remote_links(world, "WEB-1")) == 1  # upserted again by its globalId: still one link
    assert notes(world, SPRING).count("[Tandem · engineering status") == 1
