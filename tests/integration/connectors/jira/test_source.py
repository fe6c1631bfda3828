"""The Jira source against the Jira sandbox over real HTTP (the `jira` library), into a real Kafka broker."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest
import requests

from connectors.http.errors import CredentialsRejected
from connectors.jira.source import SOURCE, JiraSource
from tests.integration.connectors.support import Plumbing, faults, load, scenario, settings_for, step, until, versions
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration

CAMPAIGN_URL = "https://app.hubspot.com/marketing/4242/campaigns/details/00000000-0000-0000-0000-000000000007"


def source(world: Sandboxes, plumbing: Plumbing, **overrides: object) -> JiraSource:
    settings = settings_for(world, plumbing.bootstrap, plumbing.prefix, **overrides)
    return JiraSource(settings, plumbing.sink, plumbing.cursors(), clock=world.world.clock.now)


def add_remote_link(world: Sandboxes, key: str, url: str) -> None:
    response = requests.post(
        f"{world.jira_url}/rest/api/3/issue/{key}/remotelink",
        json={"globalId": url, "object": {"url": url, "title": "Spring campaign"}},
        auth=(world.jira_email, world.jira_token),
        timeout=10,
    )
    assert response.status_code in (200, 201), response.text


async def test_backfill_under_faults_delivers_every_issue_once_with_complete_facts(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """5xx bursts, 429 storms (with Retry-After) and latency are retried; each issue arrives once, with its
    story points (field found by name), status-change time (changelog), remote links, lead and browse URL."""
    load(world, scenario(issues=120))
    add_remote_link(world, "WEB-7", CAMPAIGN_URL)
    step(
        world,
        {"at": "2027-01-04T10:30:00Z", "jira": {"update": "WEB-3", "fields": {"status": {"name": "In Progress"}}}},
    )
    faults(world, "jira", error_rate=0.15, storm_rate=0.02, latency_ms=3, seed=4)
    jira = source(world, plumbing)
    result = await jira.sync()
    assert jira.synced and result.produced == 120
    records = await plumbing.records("workitems", 120)
    seen = versions(records, "key")
    assert len(seen) == 120 and set(seen.values()) == {1}
    by_key = {r["key"]: r for r in records}
    assert by_key["WEB-4"]["size"] == 3.0
    assert by_key["WEB-3"]["status_changed_at"] == "2027-01-04T10:30:00Z"
    assert by_key["WEB-3"]["status_category"] == "indeterminate"
    assert by_key["WEB-2"]["status_changed_at"] is None
    assert by_key["WEB-7"]["remote_links"] == [
        {"url": CAMPAIGN_URL, "title": "Spring campaign", "global_id": CAMPAIGN_URL}
    ]
    assert by_key["WEB-1"]["project_lead"]["email"] == "ivan@acme.test"
    assert by_key["WEB-1"]["url"] == f"{world.jira_url}/browse/WEB-1"
    assert jira.api.caller.retries > 0
    await jira.close()


async def test_429_storm_without_retry_after_backs_off_and_completes(world: Sandboxes, plumbing: Plumbing) -> None:
    load(world, scenario(issues=30))
    faults(world, "jira", storm_rate=0.3, storm_retry_after=False, seed=2)
    jira = source(world, plumbing, http_max_backoff_seconds=0.5)
    assert (await jira.sync()).produced == 30
    assert jira.api.caller.retries > 0
    await jira.close()


async def test_killed_mid_backfill_resumes_from_its_cursor_across_a_same_timestamp_page_boundary(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """250 issues share one `updated`: the resumed search (`updated >=` the cursor minus the lookback) lists
    them all again, and only those the cursor does not hold are produced."""
    load(world, scenario(issues=250))
    faults(world, "jira", latency_ms=20)
    first = source(world, plumbing)
    task = asyncio.create_task(first.sync())
    await until(lambda: SOURCE in (first.book.cursors._cache or {}))  # the first page's cursor is saved
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await first.close()
    assert 0 < plumbing.sink.sent < 250
    second = source(world, plumbing)
    result = await second.sync()
    assert 0 < result.produced < 250
    records = await plumbing.records("workitems", 250)
    seen = versions(records, "key")
    assert len(seen) == 250 and max(seen.values()) == 1
    await second.close()


async def test_a_cursor_in_the_future_yields_nothing(world: Sandboxes, plumbing: Plumbing) -> None:
    load(world, scenario(issues=5))
    store = plumbing.cursors()
    await store.save(SOURCE, {"since": datetime(2031, 1, 1, tzinfo=UTC).isoformat(), "seen": {}, "complete": True})
    jira = JiraSource(
        settings_for(world, plumbing.bootstrap, plumbing.prefix), plumbing.sink, store, clock=world.world.clock.now
    )
    result = await jira.sync()
    assert result.produced == 0 and result.fetched == 0 and jira.synced
    await jira.close()


async def test_incremental_poll_then_reconcile_tombstones_a_deletion(world: Sandboxes, plumbing: Plumbing) -> None:
    load(world, scenario(issues=6))
    jira = source(world, plumbing)
    await jira.sync()
    step(world, {"at": "2027-01-04T12:00:00Z", "jira": {"update": "WEB-2", "fields": {"labels": ["campaign-x"]}}})
    assert (await jira.sync()).produced == 1
    assert (await jira.sync()).produced == 0
    step(world, {"at": "2027-01-04T13:00:00Z", "jira": {"delete": "WEB-5"}})
    assert (await jira.reconcile()).produced == 1
    records = await plumbing.records("workitems", 8)
    assert [r["labels"] for r in records if r["key"] == "WEB-2"][-1] == ["campaign-x"]
    assert [(r["key"], r["source_updated_at"]) for r in records if r["deleted"]] == [("WEB-5", "2027-01-04T13:00:00Z")]
    await jira.close()


def issue_id(world: Sandboxes, key: str) -> str:
    response = requests.get(
        f"{world.jira_url}/rest/api/3/issue/{key}",
        params={"fields": "id"},
        auth=(world.jira_email, world.jira_token),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


async def test_a_refresh_given_the_webhooks_issue_id_produces_the_complete_snapshot(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """A webhook names the issue's id, so the changelog and remote links are read beside the issue itself (one
    round trip to Jira, not two); the snapshot is as complete as a search's: status-change time and links."""
    load(world, scenario(issues=4))
    add_remote_link(world, "WEB-3", CAMPAIGN_URL)
    step(
        world,
        {"at": "2027-01-04T10:30:00Z", "jira": {"update": "WEB-3", "fields": {"status": {"name": "In Progress"}}}},
    )
    jira = source(world, plumbing)
    result = await jira.refresh(["WEB-3"], {"WEB-3": issue_id(world, "WEB-3")})
    assert result.produced == 1
    [record] = await plumbing.records("workitems", 1)
    assert record["status_changed_at"] == "2027-01-04T10:30:00Z"
    assert [link["url"] for link in record["remote_links"]] == [CAMPAIGN_URL]
    await jira.close()


async def test_a_refresh_given_another_issues_id_reads_the_changelog_of_the_issue_it_read(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """An issue moved to another project keeps its id under a new key, so a key and id from a webhook may not
    belong together by the time Tandem reads: what was read ahead for the given id is dropped, never mixed in."""
    load(world, scenario(issues=4))
    for key, at in (("WEB-2", "2027-01-04T10:30:00Z"), ("WEB-3", "2027-01-04T11:00:00Z")):
        step(world, {"at": at, "jira": {"update": key, "fields": {"status": {"name": "In Progress"}}}})
    jira = source(world, plumbing)
    result = await jira.refresh(["WEB-2"], {"WEB-2": issue_id(world, "WEB-3")})
    assert result.produced == 1
    [record] = await plumbing.records("workitems", 1)
    assert record["key"] == "WEB-2" and record["status_changed_at"] == "2027-01-04T10:30:00Z"
    await jira.close()


async def test_refused_credentials_stop_with_one_line_naming_the_variables_and_never_log_the_token(
    world: Sandboxes, plumbing: Plumbing, caplog: pytest.LogCaptureFixture
) -> None:
    load(world, scenario(issues=2))
    caplog.set_level(logging.DEBUG)
    bad = "ATATT3xFfGF0-not-the-token-0123456789"
    jira = source(world, plumbing, jira_api_token=bad)
    with pytest.raises(CredentialsRejected) as refused:
        await jira.sync()
    message = str(refused.value)
    assert "TANDEM_JIRA_API_TOKEN" in message and "\n" not in message
    assert bad not in caplog.text and bad not in message and world.jira_token not in caplog.text
    await jira.close()
