"""Helpers for the Jira sandbox tests: a clean site per test, the real `jira` client aimed at it, seeding,
and a local webhook receiver.

`jira_sandbox` resets the Jira site (store, webhooks, faults, limits, write log, clock) before each test and
checks afterwards that every response validated against Atlassian's description. Import it into a test module
(`from tests.integration.sandbox.jira_support import jira_sandbox`) to use it.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from aiohttp import web
from jira import JIRA

from sandbox.jira.store import JiraStore
from sandbox.jira.webhooks import APP_KEY, WebhookDispatcher
from tests.sandbox_fixtures import Sandboxes

START = "2027-01-04T09:00:00Z"
SPRING = {
    "users": [
        {"accountId": "u-1", "displayName": "Ivan Petrov", "emailAddress": "ivan@acme.test"},
        {"accountId": "u-2", "displayName": "Olga Smirnova", "emailAddress": "olga@acme.test"},
    ],
    "projects": [{"key": "WEB", "name": "Website", "lead": "u-1"}],
    "issues": [
        {
            "key": "WEB-1",
            "fields": {
                "issuetype": {"name": "Epic"},
                "summary": "Landing page and signup flow",
                "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
                "assignee": {"accountId": "u-1"},
                "duedate": "2027-02-20",
            },
        },
        {
            "key": "WEB-2",
            "fields": {
                "issuetype": {"name": "Story"},
                "parent": {"key": "WEB-1"},
                "summary": "Hero section",
                "status": {"name": "To Do", "statusCategory": {"key": "new"}},
                "assignee": {"accountId": "u-2"},
                "customfield_10016": 5,
            },
        },
    ],
}


def store(sandboxes: Sandboxes) -> JiraStore:
    return sandboxes.world.jira


def dispatcher(sandboxes: Sandboxes) -> WebhookDispatcher:
    return sandboxes.running.apps["jira"][APP_KEY]


def url(sandboxes: Sandboxes) -> str:
    assert sandboxes.jira_url is not None, "this checkout has no Jira sandbox"
    return sandboxes.jira_url


def client(sandboxes: Sandboxes, email: str | None = None, token: str | None = None) -> JIRA:
    """The real `jira` library, as Tandem builds it, aimed at the sandbox."""
    return JIRA(
        server=url(sandboxes),
        basic_auth=(email or sandboxes.jira_email, token or sandboxes.jira_token),
        options={"rest_api_version": "3"},
        max_retries=0,
    )


def call(sandboxes: Sandboxes, method: str, path: str, **kwargs: Any) -> requests.Response:
    """One raw authenticated request to the Jira sandbox."""
    kwargs.setdefault("auth", (sandboxes.jira_email, sandboxes.jira_token))
    kwargs.setdefault("timeout", 30)
    return requests.request(method, f"{url(sandboxes)}{path}", **kwargs)


def seed(sandboxes: Sandboxes, jira: dict[str, Any] | None = None, start: str = START) -> None:
    """Load a scenario with this `jira:` section through the control plane (clock frozen at `start`)."""
    scenario = {"name": "test", "start": start, "end": "2027-12-31T00:00:00Z", "jira": jira or SPRING}
    status, answer = sandboxes.control("POST", "/_sandbox/scenario", raw=json.dumps(scenario))
    assert status == 200, answer


def step(sandboxes: Sandboxes, at: str, jira: dict[str, Any]) -> None:
    """Apply one timeline step through the control plane."""
    status, answer = sandboxes.control("POST", "/_sandbox/step", {"at": at, "jira": jira})
    assert status == 200, answer


def wait_for_deliveries(sandboxes: Sandboxes, seconds: float = 30) -> None:
    response = requests.post(
        f"{url(sandboxes)}/_sandbox/jira/webhooks/idle", json={"timeout": seconds}, timeout=seconds + 5
    )
    assert response.json()["idle"], response.json()


@pytest.fixture
def jira_sandbox(sandboxes: Sandboxes) -> Iterator[Sandboxes]:
    sandboxes.assert_conformant()

    def reset() -> None:
        world = sandboxes.world
        world.jira.load({})
        dispatcher(sandboxes).clear()
        world.faults.clear()
        world.reset_limits()
        world.writes.clear()
        world.clock.reset()

    sandboxes.call(reset)
    yield sandboxes
    sandboxes.thread.run(dispatcher(sandboxes).idle(30))
    sandboxes.assert_conformant()


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A local HTTP endpoint that records webhook deliveries and answers the statuses it is told to."""

    url: str
    received: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    """Statuses to answer, first to last; 204 once they run out."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def receiver(sandboxes: Sandboxes) -> Iterator[Receiver]:
    """A webhook receiver on the sandboxes' loop (so deliveries and answers interleave as they would)."""
    port = free_port()
    target = Receiver(f"http://127.0.0.1:{port}/hook")

    async def hook(request: web.Request) -> web.Response:
        target.received.append(Received(dict(request.headers), await request.read()))
        status = target.answers.pop(0) if target.answers else 204
        return web.Response(status=status)

    async def start() -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/hook", hook)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner

    runner = sandboxes.thread.run(start())
    try:
        yield target
    finally:
        sandboxes.thread.run(runner.cleanup())


async def settle() -> None:
    """Let the loop run pending callbacks once."""
    await asyncio.sleep(0)


__all__ = [
    "SPRING",
    "START",
    "Receiver",
    "call",
    "client",
    "dispatcher",
    "free_port",
    "jira_sandbox",
    "receiver",
    "seed",
    "settle",
    "step",
    "store",
    "url",
    "wait_for_deliveries",
]
