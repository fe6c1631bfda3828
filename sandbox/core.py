"""What both vendor sandboxes share: the world they live in and the request pipeline in front of them.

One `SandboxWorld` per process holds the clock, the write log, the fault switches, the rate limiters and
each vendor's store. Every vendor request passes `vendor_middlewares`: control-plane paths go straight
through; vendor paths meet faults, then authentication, then the rate limit, then the handler; mutating
requests are logged with their outcome, and every response is checked against the vendor's description.

The building blocks live in small modules (`clock`, `writes`, `faults`, `limits`, `validation`) and are
re-exported here, so `from sandbox.core import ...` is the one import a sandbox needs.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from sandbox.clock import SandboxClock
from sandbox.faults import ErrorBody, FaultConfig, Faults
from sandbox.limits import RollingWindowLimiter, TokenBucket
from sandbox.validation import CONTROL_PREFIX, ResponseValidator
from sandbox.writes import Write, WriteLog

if TYPE_CHECKING:
    from sandbox.hubspot.store import HubSpotStore
    from sandbox.jira.store import JiraStore
    from sandbox.scenario import Scenario, Step

log = logging.getLogger(__name__)

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
READ_ONLY_POSTS = re.compile(
    r"^(/rest/api/[23]/search(/jql|/approximate-count)?|/rest/api/3/changelog/bulkfetch"
    r"|/marketing/v3/campaigns/batch/read|/crm/v3/objects/\w+/(batch/read|search))$"
)
"""POST endpoints that only read (searches, bulk reads): not writes, so not in the write log."""


def is_write(method: str, path: str) -> bool:
    """True for a request that changes something at the vendor."""
    return method in MUTATING_METHODS and not (method == "POST" and READ_ONLY_POSTS.match(path))


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Gate = Callable[[web.Request], web.Response | None]
"""An authentication or rate-limit check: a response to answer instead, or None to go on."""


class SystemHooks(Protocol):
    """How the scenario machinery drives one vendor's store."""

    def load(self, section: dict[str, Any]) -> None:
        """Reset the store and seed it from the scenario's section for this system ({} = empty)."""

    def apply(self, op: dict[str, Any], at: datetime) -> None:
        """Apply one timeline operation (the step's payload for this system) at sandbox time `at`."""


class Resettable(Protocol):
    def reset(self) -> None: ...


@dataclass(frozen=True)
class SandboxCredentials:
    """The credentials the sandboxes accept. Documented sandbox values, not secrets."""

    hubspot_token: str = "sandbox-hubspot-token"  # noqa: S105 - a documented sandbox credential
    jira_email: str = "tandem@sandbox.test"
    jira_token: str = "sandbox-jira-token"  # noqa: S105 - a documented sandbox credential


class SandboxWorld:
    """Everything the sandboxes of one process share. Both vendor apps and the control plane use it."""

    hubspot: HubSpotStore
    """Set by the HubSpot app factory."""
    jira: JiraStore
    """Set by the Jira app factory."""

    def __init__(self, *, clock: SandboxClock | None = None, credentials: SandboxCredentials | None = None) -> None:
        self.clock = clock or SandboxClock()
        self.writes = WriteLog()
        self.faults = Faults(self.clock)
        self.credentials = credentials or SandboxCredentials()
        self.settings: dict[str, Any] = {}
        """Tandem setting overrides of the loaded scenario (for the replayer)."""
        self.scenario: Scenario | None = None
        self.internal_errors: list[str] = []
        """Handler crashes (sandbox bugs), answered 500; tests assert this stays empty."""
        self.over_limit: Counter[str] = Counter()
        """Requests each system's rate limits refused (429 from the limit itself, not an injected storm): a
        client that keeps to the vendor's limits never gets one."""
        self._systems: dict[str, SystemHooks] = {}
        self._limiters: dict[str, list[Resettable]] = {}
        self._lock = threading.Lock()

    def systems(self) -> dict[str, SystemHooks]:
        """The registered systems ("hubspot", "jira") and their scenario hooks."""
        with self._lock:
            return dict(self._systems)

    def register(self, system: str, hooks: SystemHooks) -> None:
        with self._lock:
            self._systems[system] = hooks

    def register_limiter(self, system: str, limiter: Resettable) -> None:
        """Let `reset_limits` (and loading a scenario) start `limiter` afresh."""
        with self._lock:
            self._limiters.setdefault(system, []).append(limiter)

    def reset_limits(self, system: str | None = None) -> None:
        with self._lock:
            groups = list(self._limiters.values()) if system is None else [self._limiters.get(system, [])]
        for group in groups:
            for limiter in group:
                limiter.reset()
        for name in list(self.over_limit) if system is None else [system]:
            self.over_limit.pop(name, None)

    def load_scenario(self, scenario: Scenario) -> None:
        """Start over from `scenario`: clock at its start, stores seeded, history, faults and limits cleared."""
        self.clock.reset(scenario.start)
        self.writes.clear()
        self.faults.clear()
        self.reset_limits()
        self.internal_errors.clear()
        self.settings = dict(scenario.settings)
        self.scenario = scenario
        for name, hooks in self.systems().items():
            hooks.load(scenario.section(name))

    def apply_step(self, step: Step) -> None:
        """Apply one timeline step: move the clock to its time (when it has one), then change the store."""
        if step.system == "tandem":
            raise ValueError("tandem steps (confirm/reject) are for the replayer, not the sandboxes")
        hooks = self.systems().get(step.system)
        if hooks is None:
            raise ValueError(f"no {step.system} sandbox is running")
        if step.at is not None:
            self.clock.set(step.at)
        hooks.apply(step.op, self.clock.now())


def _parse_body(raw: bytes, content_type: str) -> Any:
    if not raw:
        return ""
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type or text[:1] in "{[":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _response_bytes(response: web.StreamResponse) -> bytes | None:
    if isinstance(response, web.Response):
        body = response.body
        if body is None:
            return b""
        if isinstance(body, bytes | bytearray):
            return bytes(body)
    return None


def vendor_middlewares(
    world: SandboxWorld,
    system: str,
    *,
    authenticate: Gate,
    rate_limit: Gate,
    validator: ResponseValidator | None,
) -> list[Any]:
    """aiohttp middlewares for a vendor app: skip `/_sandbox/`; faults, auth, rate limit, handler; log writes;
    validate the response against the vendor's description when a validator is given."""

    @web.middleware
    async def vendor(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        at = world.clock.now()
        mutating = is_write(request.method, request.path)
        body = _parse_body(await request.read(), request.content_type) if mutating else None
        response = await world.faults.intercept(system, request)
        if response is None:
            response = authenticate(request)
        if response is None:
            response = rate_limit(request)
            if response is not None and response.status == 429:
                world.over_limit[system] += 1
        if response is None:
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                response = world.faults.vendor_error(system, exc.status)
            except Exception as exc:
                log.exception("%s sandbox crashed on %s %s", system, request.method, request.path)
                world.internal_errors.append(f"{system} {request.method} {request.path}: {exc!r}")
                response = world.faults.vendor_error(system, 500)
        if mutating:
            world.writes.record(
                Write(system, request.method, request.path, request.query_string, body, at, response.status)
            )
            await world.faults.hold_write_reply(system)
        if validator is not None:
            raw = _response_bytes(response)
            if raw is None:
                validator.failures.append(f"{request.method} {request.path}: streamed response, not validated")
            else:
                validator.validate(request, response.status, response.headers, raw)
        return response

    return [vendor]


__all__ = [
    "MUTATING_METHODS",
    "ErrorBody",
    "FaultConfig",
    "Faults",
    "Gate",
    "ResponseValidator",
    "RollingWindowLimiter",
    "SandboxClock",
    "SandboxCredentials",
    "SandboxWorld",
    "SystemHooks",
    "TokenBucket",
    "Write",
    "WriteLog",
    "vendor_middlewares",
]
