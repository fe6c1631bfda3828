"""Run both vendor sandboxes in this process: `await start_sandboxes(...)`, then `await running.stop()`.

Used by `tandem sandbox`, the tests, the demo and the replayer. Each sandbox listens on its own port
(0 = a free one) and carries the control plane; both share one `SandboxWorld`.

Response validation (every answer checked against the vendor's OpenAPI description) is on when the caller
asks for it (`validate=True`: the caller reads `nonconformities()`), or, when the caller leaves it to the
environment, when `TANDEM_SANDBOX_VALIDATE` is true. The test suite sets it, so the sandboxes of
`tandem sandbox`, `tandem demo` and `tandem replay` that the tests start are held to the descriptions as the
session's own are. Turned on that way it is strict: each broken response is logged as it is sent, and
`stop()` raises `SandboxConformanceError` (a one-line-per-response error; the commands exit 1) when any
response broke the descriptions or a handler crashed.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import click
from aiohttp import web

from sandbox.control import add_control_routes
from sandbox.core import SandboxCredentials, SandboxWorld
from sandbox.hubspot import app as hubspot_app
from sandbox.scenario import Scenario
from sandbox.validation import ResponseValidator

JIRA_SPEC = hubspot_app.SPEC_DIR.parent / "jira" / "platform-v3.json"
VALIDATE_ENV = "TANDEM_SANDBOX_VALIDATE"
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"", "0", "false", "no", "off"})
SHOWN = 20
"""At most this many broken responses are quoted in a `SandboxConformanceError` (the log has them all)."""

log = logging.getLogger(__name__)


class SandboxValidationSettingError(click.ClickException, ValueError):
    """`TANDEM_SANDBOX_VALIDATE` holds something that is not a yes or a no."""


class SandboxConformanceError(click.ClickException):
    """Responses the sandboxes sent broke the vendors' descriptions (or a handler crashed): one line each.

    `report` is what the run produced anyway (a replay's report), for the caller to keep."""

    def __init__(self, problems: list[str], report: dict[str, Any] | None = None) -> None:
        self.problems = list(problems)
        self.report = report
        shown = [f"  {line}" for line in self.problems[:SHOWN]]
        if len(self.problems) > SHOWN:
            shown.append(f"  … and {len(self.problems) - SHOWN} more (each was logged as it was sent)")
        super().__init__(
            f"{len(self.problems)} sandbox response(s) broke the vendors' descriptions "
            f"(sandbox/specs/; {VALIDATE_ENV} is on):\n" + "\n".join(shown)
        )


def validation_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Whether `TANDEM_SANDBOX_VALIDATE` asks for response validation (unset: no)."""
    raw = (os.environ if environ is None else environ).get(VALIDATE_ENV, "")
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise SandboxValidationSettingError(f"{VALIDATE_ENV} must be true or false (1/0, yes/no, on/off), got {raw!r}")


def _logger(system: str) -> Callable[[str], None]:
    def say(line: str) -> None:
        log.error("the %s sandbox sent a response that breaks %s's description: %s", system, system, line)

    return say


@dataclass
class RunningSandboxes:
    """Both sandboxes, up. `jira_url` is None while this checkout has no Jira sandbox."""

    world: SandboxWorld
    hubspot_url: str
    jira_url: str | None
    validators: dict[str, ResponseValidator] = field(default_factory=dict)
    """Per system, when validation is on: every response is checked against the vendor's spec."""
    apps: dict[str, web.Application] = field(default_factory=dict)
    strict: bool = False
    """Validation turned on by `TANDEM_SANDBOX_VALIDATE`: `stop()` raises when a response broke the specs."""
    _runners: list[web.AppRunner] = field(default_factory=list, repr=False)

    @property
    def credentials(self) -> SandboxCredentials:
        return self.world.credentials

    @property
    def validating(self) -> bool:
        return bool(self.validators)

    def nonconformities(self) -> list[str]:
        """Take every response that broke a vendor's description since the last call (`[system] line`), and
        every handler crash (`[crash] line`)."""
        problems = [f"[{name}] {line}" for name, v in self.validators.items() for line in v.take_failures()]
        if self.validating:
            problems += [f"[crash] {line}" for line in self.world.internal_errors]
            self.world.internal_errors.clear()
        return problems

    async def stop(self) -> None:
        """Stop both servers (idempotent). When strict, then raise `SandboxConformanceError` for what broke
        the descriptions and was not taken yet."""
        runners, self._runners = self._runners, []
        for runner in runners:
            await runner.cleanup()
        if self.strict:
            problems = self.nonconformities()
            if problems:
                raise SandboxConformanceError(problems)


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
    validate: bool | None = None,
    hubspot_rate_limit: tuple[int, float] = hubspot_app.DEFAULT_RATE_LIMIT,
) -> RunningSandboxes:
    """Start the HubSpot and (when present) Jira sandboxes on `host`; port 0 picks a free port.

    Given a scenario, a new world is made and loaded with it; given a world, it is used as it is.
    `credentials` applies to a new world only. `validate`: check every response against the vendors'
    descriptions (True), or not (False); None leaves it to `TANDEM_SANDBOX_VALIDATE`, strictly (see above).
    """
    strict = validate is None and validation_requested()
    validate = strict if validate is None else validate
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
        running = RunningSandboxes(world, urls[0], urls[1] if jira_module is not None else None, strict=strict)
        if validate:
            running.validators["hubspot"] = ResponseValidator(
                hubspot_app.spec_paths(), urls[0], listener=_logger("HubSpot") if strict else None
            )
            if jira_module is not None:
                running.validators["jira"] = ResponseValidator(
                    [JIRA_SPEC], urls[1], listener=_logger("Jira") if strict else None
                )
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


__all__ = [
    "VALIDATE_ENV",
    "RunningSandboxes",
    "SandboxConformanceError",
    "SandboxValidationSettingError",
    "start_sandboxes",
    "validation_requested",
]
