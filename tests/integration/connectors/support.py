"""Shared set-up for the connector tests: a seeded sandbox world, settings aimed at it, a Kafka sink and
cursor store on a fresh topic prefix, and readers that count what reached a topic."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest_asyncio
import requests

from connectors.state.cursors import CursorStore
from connectors.state.producer import KafkaSink
from streams.topic_admin import ensure_topics
from tandem.settings import Settings, load_settings
from tests.sandbox_fixtures import Sandboxes
from tests.worker_process import read_to_marker, read_topic

START = "2027-01-04T09:00:00Z"
PORTAL = 4242


def guid(n: int) -> str:
    return str(uuid.UUID(int=n))


def scenario(
    *,
    campaigns: int = 0,
    issues: int = 0,
    owners: int = 3,
    projects: tuple[str, ...] = ("WEB",),
    extra_issues: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    hub_owners = [
        {"id": str(100 + i), "email": f"owner{i}@acme.test", "firstName": "Owner", "lastName": str(i)}
        for i in range(owners)
    ]
    hub = [
        {
            "id": guid(i + 1),
            "properties": {
                "hs_name": f"Campaign {i}",
                "hs_start_date": "2027-03-01",
                "hs_campaign_status": "planned",
                "hs_owner": str(100 + i % max(owners, 1)),
                "hs_notes": f"Tracked in WEB-{i + 1}.",
            },
        }
        for i in range(campaigns)
    ]
    users = [{"accountId": "u-1", "displayName": "Ivan Petrov", "emailAddress": "ivan@acme.test"}]
    jira_issues = [
        {
            "key": f"{projects[0]}-{n + 1}",
            "fields": {
                "issuetype": {"name": "Story"},
                "summary": f"Work item {n}",
                "status": {"name": "To Do"},
                "assignee": {"accountId": "u-1"},
                "customfield_10016": n % 5,
            },
        }
        for n in range(issues)
    ]
    return {
        "name": "connectors",
        "start": START,
        "end": "2027-12-31T00:00:00Z",
        "hubspot": {"portal_id": PORTAL, "owners": hub_owners, "campaigns": hub},
        "jira": {
            "users": users,
            "projects": [{"key": key, "name": key.title(), "lead": "u-1"} for key in projects],
            "issues": jira_issues + (extra_issues or []),
        },
    }


def load(sandboxes: Sandboxes, world: dict[str, Any]) -> None:
    status, answer = sandboxes.control("POST", "/_sandbox/scenario", raw=json.dumps(world))
    assert status == 200, answer


def jira_get(sandboxes: Sandboxes, path: str) -> Any:
    """A GET on the Jira sandbox's vendor API with the scenario's credentials; the JSON answer."""
    auth = (sandboxes.jira_email, sandboxes.jira_token)
    response = requests.get(f"{sandboxes.jira_url}{path}", auth=auth, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def faults(sandboxes: Sandboxes, system: str, **config: Any) -> None:
    status, answer = sandboxes.control("PUT", f"/_sandbox/faults/{system}", config)
    assert status == 200, answer


def step(sandboxes: Sandboxes, body: dict[str, Any]) -> None:
    status, answer = sandboxes.control("POST", "/_sandbox/step", body)
    assert status == 200, answer


def settings_for(sandboxes: Sandboxes, bootstrap: str, prefix: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": bootstrap,
        "topic_prefix": prefix,
        "hubspot_base_url": sandboxes.hubspot_url,
        "hubspot_token": sandboxes.hubspot_token,
        "hubspot_portal_id": PORTAL,
        "jira_url": sandboxes.jira_url,
        "jira_email": sandboxes.jira_email,
        "jira_api_token": sandboxes.jira_token,
        "jira_projects": "WEB",
        "http_max_backoff_seconds": 2.0,
        "http_max_attempts": 12,
        "allow_insecure_urls": True,  # the sandboxes speak http on loopback
    }
    values.update(overrides)
    return load_settings(**values)


@dataclass
class Plumbing:
    bootstrap: str
    prefix: str
    sink: KafkaSink

    def cursors(self) -> CursorStore:
        """A new cursor store (as a restarted worker would have), reading the same topic."""
        return CursorStore(self.sink)

    async def records(self, topic: str, expect: int, wait: float = 10.0) -> list[Any]:
        return await read_topic(self.bootstrap, f"{self.prefix}{topic}", expect=expect, wait_seconds=wait)

    async def all_records(self, topic: str, key: str) -> list[Any]:
        """Every record of the topic so far, counted up to a marker sent on `key` (no fixed wait)."""
        return await read_to_marker(self.bootstrap, f"{self.prefix}{topic}", key)


@pytest_asyncio.fixture
async def plumbing(kafka_bootstrap: str) -> AsyncIterator[Plumbing]:
    prefix = f"c-{uuid.uuid4().hex[:8]}."
    names = ("campaigns", "workitems", "dlq", "jira-events", "hubspot-events", "sync")
    await ensure_topics(kafka_bootstrap, {f"{prefix}{name}": 2 for name in names})
    sink = KafkaSink(kafka_bootstrap, prefix)
    await sink.start()
    try:
        yield Plumbing(kafka_bootstrap, prefix, sink)
    finally:
        await sink.stop()


def versions(records: list[Any], key: str) -> Counter[tuple[str, str]]:
    """How often each (id, source_updated_at) version arrived."""
    return Counter((r[key], r["source_updated_at"]) for r in records if r is not None)


def clean(sandboxes: Sandboxes) -> None:
    sandboxes.control("DELETE", "/_sandbox/faults")


def control_jira(sandboxes: Sandboxes, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """A control route of the Jira sandbox's own (`/_sandbox/jira/...`), on the Jira port."""
    import urllib.error
    import urllib.request

    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{sandboxes.jira_url}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read() or b"null")


async def until(predicate: Any, within: float = 30.0, step_seconds: float = 0.01) -> None:
    """Wait until `predicate()` is true (AssertionError after `timeout` seconds)."""
    import asyncio

    for _ in range(int(within / step_seconds)):
        if predicate():
            return
        await asyncio.sleep(step_seconds)
    raise AssertionError(f"not true within {within}s")
