"""The control plane under `/_sandbox/`, mounted into every vendor app of a world (local use only).

| route | does |
| --- | --- |
| `POST /_sandbox/scenario` | body: scenario text (YAML or JSON); resets and seeds every store, clock to `start` |
| `POST /_sandbox/step` | body: one timeline step as JSON; an `at` moves the clock first |
| `GET /_sandbox/clock`, `PUT /_sandbox/clock` | read / set (`{"now": iso}`, forward only) the sandbox clock |
| `GET /_sandbox/faults`, `PUT /_sandbox/faults/{system}` | read / switch on faults (a `FaultConfig` as JSON) |
| `DELETE /_sandbox/faults[/{system}]` | switch faults off |
| `GET /_sandbox/writes?since=N` | the write log from index N, as a JSON list |
| `GET /_sandbox/health` | `{"status": "ok", ...}`; per system: `over_limit`, `delayed`, `faults_served` (**) |
| `GET/PUT /_sandbox/hubspot/limits` | HubSpot's account terms: tier, daily limit, used today, time zone (*) |
| `GET/PUT /_sandbox/hubspot/paging` | HubSpot's campaign cursors: `{"cursors": "offset"}` or `"keyset"` (*) |

(*) served by the HubSpot app itself (`sandbox/hubspot/app.py`), beside this control plane.
(**) requests its rate limits refused (a client that keeps to them sees none), requests held for the
configured latency, and the faults it answered by status.

Vendor authentication does not apply here; vendor paths never start with `/_sandbox/`. Problems are 400s
with `{"error": message}` (a bad scenario's message names its file, line and problem).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiohttp import web

from sandbox.core import SandboxWorld
from sandbox.faults import FaultConfig
from sandbox.scenario import ScenarioError, parse_scenario, parse_step

PREFIX = "/_sandbox"
_MOUNTED: web.AppKey[bool] = web.AppKey("sandbox_control_mounted", bool)


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _json(request: web.Request) -> Any:
    try:
        return json.loads(await request.read() or b"null")
    except ValueError as exc:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"the body is not JSON: {exc}"}), content_type="application/json"
        ) from None


def add_control_routes(app: web.Application, world: SandboxWorld) -> None:
    """Mount the control plane on `app` (once; a second call is a no-op)."""
    if app.get(_MOUNTED):
        return
    app[_MOUNTED] = True

    async def load_scenario(request: web.Request) -> web.Response:
        text = await request.text()
        filename = request.query.get("filename", "<scenario>")
        try:
            scenario = parse_scenario(text, filename)
            world.load_scenario(scenario)
        except ScenarioError as exc:
            return _error(str(exc))
        except ValueError as exc:
            return _error(f"{filename}: {exc}")
        return web.json_response(
            {
                "name": scenario.name,
                "start": _iso(scenario.start),
                "end": _iso(scenario.end),
                "steps": len(scenario.timeline),
                "settings": scenario.settings,
                "now": _iso(world.clock.now()),
            }
        )

    async def apply_step(request: web.Request) -> web.Response:
        data = await _json(request)
        try:
            step = parse_step(data, "<step>")
        except ScenarioError as exc:
            return _error(exc.problem)
        if step.system == "tandem":
            return _error("tandem steps (confirm/reject) are carried out by the replayer, not the sandboxes")
        try:
            world.apply_step(step)
        except ValueError as exc:
            return _error(str(exc))
        return web.json_response({"applied": step.to_json(), "now": _iso(world.clock.now())})

    async def get_clock(request: web.Request) -> web.Response:
        return web.json_response({"now": _iso(world.clock.now()), "frozen": world.clock.frozen})

    async def set_clock(request: web.Request) -> web.Response:
        data = await _json(request)
        if not isinstance(data, dict) or set(data) != {"now"} or not isinstance(data["now"], str):
            return _error('the body is {"now": "<ISO-8601 time with a zone>"}')
        try:
            when = datetime.fromisoformat(data["now"].replace("Z", "+00:00"))
            world.clock.set(when)
        except ValueError as exc:
            return _error(str(exc))
        return web.json_response({"now": _iso(world.clock.now()), "frozen": True})

    def _known(system: str) -> bool:
        return system in world.systems()

    async def get_faults(request: web.Request) -> web.Response:
        configs = {name: world.faults.config(name) for name in world.systems()}
        return web.json_response({name: (cfg.to_json() if cfg else None) for name, cfg in configs.items()})

    async def set_faults(request: web.Request) -> web.Response:
        system = request.match_info["system"]
        if not _known(system):
            return _error(f"no {system} sandbox here (known: {', '.join(sorted(world.systems()))})", 404)
        try:
            config = FaultConfig.from_json(await _json(request))
        except ValueError as exc:
            return _error(str(exc))
        world.faults.configure(system, config)
        return web.json_response({system: config.to_json()})

    async def clear_faults(request: web.Request) -> web.Response:
        system = request.match_info.get("system")
        if system is not None and not _known(system):
            return _error(f"no {system} sandbox here (known: {', '.join(sorted(world.systems()))})", 404)
        world.faults.clear(system)
        return web.json_response({"cleared": system or "all"})

    async def get_writes(request: web.Request) -> web.Response:
        raw = request.query.get("since", "0")
        if not raw.isdigit():
            return _error(f"since must be a non-negative integer, got '{raw}'")
        return web.json_response([write.to_json() for write in world.writes.entries(int(raw))])

    async def health(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "status": "ok",
                "systems": sorted(world.systems()),
                "now": _iso(world.clock.now()),
                "scenario": world.scenario.name if world.scenario else None,
                "writes": len(world.writes),
                "over_limit": {name: world.over_limit.get(name, 0) for name in sorted(world.systems())},
                "delayed": {name: world.faults.delayed.get(name, 0) for name in sorted(world.systems())},
                "faults_served": {
                    name: {
                        str(status): n
                        for (system, status), n in sorted(world.faults.injected.items())
                        if system == name
                    }
                    for name in sorted(world.systems())
                },
            }
        )

    router = app.router
    router.add_post(f"{PREFIX}/scenario", load_scenario)
    router.add_post(f"{PREFIX}/step", apply_step)
    router.add_get(f"{PREFIX}/clock", get_clock, allow_head=False)
    router.add_put(f"{PREFIX}/clock", set_clock)
    router.add_get(f"{PREFIX}/faults", get_faults, allow_head=False)
    router.add_put(f"{PREFIX}/faults/{{system}}", set_faults)
    router.add_delete(f"{PREFIX}/faults", clear_faults)
    router.add_delete(f"{PREFIX}/faults/{{system}}", clear_faults)
    router.add_get(f"{PREFIX}/writes", get_writes, allow_head=False)
    router.add_get(f"{PREFIX}/health", health, allow_head=False)

    async def unknown(request: web.Request) -> web.Response:
        return _error(f"no control route {request.method} {request.path}", 404)

    router.add_route("*", f"{PREFIX}/{{tail:.*}}", unknown)


__all__ = ["PREFIX", "add_control_routes"]
