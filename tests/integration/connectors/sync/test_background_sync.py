"""The background sync on a real worker polling the sandboxes: each side's context lands in the other's
tool — a remote link to the campaign on the Jira work, a comment when the launch moves, the engineering
status on the HubSpot campaign — once, updated in place, without echoing Tandem's own writes, leaving a
person's edit alone, telling what a refusal needs, and writing nothing in a dry run."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.integration.connectors.support import PORTAL, clean, faults, guid, jira_get, load, scenario, step
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


@pytest.fixture(scope="module")
def synced(sandboxes: Sandboxes, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    clean(sandboxes)
    load(sandboxes, scenario(campaigns=2, issues=2))
    worker = worker_for(sandboxes, kafka_bootstrap, tmp_path_factory.mktemp("sync-worker"))
    worker.start()
    try:
        until(lambda: remote_links(sandboxes, "WEB-1") and remote_links(sandboxes, "WEB-2"), worker)
        until(lambda: "[Tandem" in notes(sandboxes, SPRING) and "[Tandem" in notes(sandboxes, SUMMER), worker)
        yield sandboxes, worker
    finally:
        worker.stop()
        clean(sandboxes)


def test_each_top_level_item_gets_one_remote_link_to_its_campaign(synced: Any) -> None:
    world, _ = synced
    (link,) = remote_links(world, "WEB-1")
    assert link["globalId"] == f"tandem-campaign:{SPRING}"
    assert link["object"]["url"] == f"https://app.hubspot.com/marketing/{PORTAL}/campaigns/details/{SPRING}"
    assert link["object"]["title"] == "HubSpot campaign: Campaign 0 (planned, launch 1 Mar 2027)"
    assert len(writes(world, method="POST", path="/rest/api/3/issue/WEB-1/remotelink")) == 1


def test_the_campaign_shows_the_engineering_status_after_the_marketers_notes(synced: Any) -> None:
    world, _ = synced
    text = notes(world, SPRING)
    assert text.startswith("Tracked in WEB-1.\n\n[Tandem · engineering status ")
    assert "items done" in text and f"Details: https://tandem.acme.test/goals/{SPRING}" in text


def test_a_round_trip_through_both_sandboxes_ends_with_no_further_writes(synced: Any) -> None:
    world, _ = synced
    count = settled(world)
    time.sleep(5)  # five more polls of each source read Tandem's own writes back
    assert len(writes(world)) == count


def test_a_moved_launch_updates_the_link_in_place_and_is_told_once_in_a_comment(synced: Any) -> None:
    world, worker = synced
    settled(world)
    step(
        world,
        {"at": "2027-01-05T10:00:00Z", "hubspot": {"update": SPRING, "properties": {"hs_start_date": "2027-03-15"}}},
    )
    until(lambda: "launch 15 Mar 2027" in remote_links(world, "WEB-1")[0]["object"]["title"], worker)
    until(lambda: comments(world, "WEB-1"), worker)
    settled(world)
    (comment,) = comments(world, "WEB-1")
    assert "moved from 1 Mar 2027 to 15 Mar 2027 in HubSpot" in comment
    assert len(remote_links(world, "WEB-1")) == 1
    assert "15 Mar 2027" not in notes(world, SUMMER)


def test_a_hand_edit_of_the_synced_status_is_left_alone_and_reported(synced: Any) -> None:
    world, worker = synced
    settled(world)
    edited = notes(world, SUMMER).replace("items done", "items done (checked by Tom)")
    step(world, {"at": "2027-01-05T11:00:00Z", "hubspot": {"update": SUMMER, "properties": {"hs_notes": edited}}})
    before = len(writes(world, method="PATCH", path=SUMMER))
    conflicts = until(lambda: health(worker)["sync"]["conflicts"], worker, within=30)
    assert "a person edited Tandem's engineering status in the notes of campaign Campaign 1" in conflicts[0]["detail"]
    settled(world)
    assert len(writes(world, method="PATCH", path=SUMMER)) == before
    assert notes(world, SUMMER) == edited


def test_a_refused_write_is_reported_once_with_the_permission_it_needs(synced: Any) -> None:
    world, worker = synced
    settled(world)
    faults(world, "jira", refuse={"POST /remotelink$": 403})
    label = {"labels": [f"campaign-{SUMMER}"]}
    step(
        world,
        {
            "at": "2027-01-05T12:00:00Z",
            "jira": {"create": "WEB-3", "fields": {"summary": "Banner", "issuetype": {"name": "Story"}, **label}},
        },
    )
    refusals = until(lambda: health(worker)["sync"]["refusals"], worker, within=45)
    assert len(refusals) == 1
    assert "'Link issues' permission in project WEB" in refusals[0]["detail"]
    faults(world, "jira")
    settled(world)
    assert remote_links(world, "WEB-3") == []  # refused for good, not retried forever
