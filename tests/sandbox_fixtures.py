"""Both vendor sandboxes for the test session, served over real HTTP on free ports.

The servers run in a background thread with its own event loop, because the real client libraries
(`hubspot-api-client`, `jira`) are synchronous. Every response is validated against the vendors' OpenAPI
descriptions; `Sandboxes.assert_conformant()` (called after each test by `hubspot_sandbox` and at the end
of the session) fails on any response that did not validate, and on any sandbox crash.

Sandboxes started any other way in the suite — by `tandem sandbox`, `tandem demo` and `tandem replay`, in
this process or as commands — are validated too: this plugin sets `TANDEM_SANDBOX_VALIDATE=true` for the
session (unless it is set already), which every child process inherits; a broken response makes those
commands exit 1 and `Replay.run()` raise (`sandbox.runner`).

Fixtures:
- `sandboxes` (session): the running pair; see `Sandboxes`.
- `hubspot_sandbox` (function): `sandboxes` with the HubSpot store, faults, limits, writes and clock reset
  before the test, and conformance checked after it.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import urllib.request
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from sandbox.core import SandboxWorld
from sandbox.runner import VALIDATE_ENV, RunningSandboxes, start_sandboxes

T = TypeVar("T")

os.environ.setdefault(VALIDATE_ENV, "true")


class LoopThread:
    """An asyncio loop running in a daemon thread; `run(coro)` waits for a coroutine's result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="sandbox-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the loop's thread (where the stores live) and return its result."""

        async def wrapper() -> T:
            return fn()

        return self.run(wrapper())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@dataclass
class Sandboxes:
    running: RunningSandboxes
    thread: LoopThread

    @property
    def world(self) -> SandboxWorld:
        return self.running.world

    @property
    def hubspot_url(self) -> str:
        return self.running.hubspot_url

    @property
    def jira_url(self) -> str | None:
        return self.running.jira_url

    @property
    def validators(self) -> dict[str, Any]:
        return self.running.validators

    @property
    def hubspot_token(self) -> str:
        return self.world.credentials.hubspot_token

    @property
    def jira_email(self) -> str:
        return self.world.credentials.jira_email

    @property
    def jira_token(self) -> str:
        return self.world.credentials.jira_token

    def call(self, fn: Callable[[], T]) -> T:
        return self.thread.call(fn)

    def control(self, method: str, path: str, body: Any = None, *, raw: str | None = None) -> tuple[int, Any]:
        """Call the control plane: (status, parsed JSON)."""
        data = raw.encode() if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(f"{self.hubspot_url}{path}", data=data, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, json.loads(exc.read() or b"null")

    def reset_hubspot(self) -> None:
        def reset() -> None:
            world = self.world
            world.hubspot.reset()
            world.faults.clear()
            world.reset_limits()
            world.writes.clear()
            world.clock.reset()

        self.call(reset)

    def assert_conformant(self) -> None:
        problems = self.running.nonconformities()
        assert problems == [], "sandbox responses that broke the vendors' descriptions:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def sandboxes() -> Iterator[Sandboxes]:
    thread = LoopThread()
    running = thread.run(start_sandboxes(validate=True))
    handle = Sandboxes(running, thread)
    try:
        yield handle
        handle.assert_conformant()
    finally:
        thread.run(running.stop())
        thread.close()


@pytest.fixture
def hubspot_sandbox(sandboxes: Sandboxes) -> Iterator[Sandboxes]:
    sandboxes.assert_conformant()
    sandboxes.reset_hubspot()
    yield sandboxes
    sandboxes.assert_conformant()
