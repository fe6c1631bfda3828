"""Run both vendor sandboxes in this process: `await start_sandboxes(...)`, then `await running.stop()`.

Used by `tandem sandbox`, the tests, the demo and the replayer. Each sandbox listens on its own port
(0 = a free one) and carries the control plane; both share one `SandboxWorld`.
"""

from __future__ import annotations

import importlib
import importlib.util
import socket
from dataclasses import dataclass, field
from types import ModuleType

from aiohttp import web

from sandbox.control import add_control_routes
from sandbox.core import SandboxCredentials, SandboxWorld
from sandbox.hubspot import app as hubspot_app
from sandbox.scenario import Scenario
from sandbox.validation import ResponseValidator

JIRA_SPEC = hubspot_app.SPEC_DIR.parent / "jira" / "platform-v3.json"


@dataclass
class RunningSandboxes:
    """Both sandboxes, up. `jira_url` is None while this checkout has no Jira sandbox."""

    world: SandboxWorld
    hubspot_url: str
    jira_url: str | None
    validators: dict[str, ResponseValidator] = field(default_factory=dict)
    """Per system, when started with `validate=True`: every response is checked against the vendor's spec."""
    apps: dict[str, web.Application] = field(default_factory=dict)
    _runners: list[web.AppRunner] = field(default_factory=list, repr=False)

    @property
    def credentials(self) -> SandboxCredentials:
        return self.world.credentials

    async def stop(self) -> None:
        """Stop both servers (idempotent)."""
        runners, self._runners = self._runners, []
        for runner in runners:
            await runner.cleanup()


def _jira_module() -> ModuleType | None:
    try:
        spec = importlib.util.find_spec("sandbox.jira.app")
    except ModuleNotFoundError:
        return None
    return None if spec is None else importlib.import_module("sandbox.jira.app")


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


async def _serve(app: web.Application, sock: socket.socket) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    return runner


async def start_sandboxes(
    world_or_scenario: SandboxWorld | Scenario | None = None,
    hubspot_port: int = 0,
    jira_port: int = 0,
    *,
    host: str = "127.0.0.1",
    credentials: SandboxCredentials | None = None,
    validate: bool = False,
    hubspot_rate_limit: tuple[int, float] = hubspot_app.DEFAULT_RATE_LIMIT,
) -> RunningSandboxes:
    """Start the HubSpot and (when present) Jira sandboxes on `host`; port 0 picks a free port.

    Given a scenario, a new world is made and loaded with it; given a world, it is used as it is.
    `credentials` applies to a new world only.
    """
    given = world_or_scenario if isinstance(world_or_scenario, SandboxWorld) else None
    world = given or SandboxWorld(credentials=credentials)
    scenario = world_or_scenario if isinstance(world_or_scenario, Scenario) else None
    jira_module = _jira_module()

    sockets: list[socket.socket] = []
    runners: list[web.AppRunner] = []
    try:
        sockets.append(_bind(host, hubspot_port))
        if jira_module is not None:
            sockets.append(_bind(host, jira_port))
        urls = [f"http://{host}:{sock.getsockname()[1]}" for sock in sockets]
        running = RunningSandboxes(world, urls[0], urls[1] if jira_module is not None else None)
        if validate:
            running.validators["hubspot"] = ResponseValidator(hubspot_app.spec_paths(), urls[0])
            if jira_module is not None:
                running.validators["jira"] = ResponseValidator([JIRA_SPEC], urls[1])
        running.apps["hubspot"] = hubspot_app.create_app(
            world, validator=running.validators.get("hubspot"), base_url=urls[0], rate_limit=hubspot_rate_limit
        )
        if jira_module is not None:
            running.apps["jira"] = jira_module.create_app(
                world, validator=running.validators.get("jira"), base_url=urls[1]
            )
        for app in running.apps.values():
            add_control_routes(app, world)
        if scenario is not None:
            world.load_scenario(scenario)
        for app, sock in zip(running.apps.values(), sockets, strict=True):
            runners.append(await _serve(app, sock))
    except BaseException:
        for runner in runners:
            await runner.cleanup()
        for sock in sockets:
            sock.close()
        raise
    running._runners = runners
    return running


__all__ = ["RunningSandboxes", "start_sandboxes"]
