"""The Jira sandbox's own control routes (never part of Jira): its quirks, its limits, and the browser login
that clears a CAPTCHA.

| route | does |
| --- | --- |
| `GET /_sandbox/jira/quirks` | the switches (`quirks.JiraQuirks`) |
| `PUT /_sandbox/jira/quirks` | change the switches named in the JSON body (an unknown one is a 400 naming it) |
| `DELETE /_sandbox/jira/quirks` | every switch back to its default |
| `GET /_sandbox/jira/limits`, `PUT /_sandbox/jira/limits` | read / change the rate limits (`JiraLimits`) |
| `POST /_sandbox/jira/browser-login` | `{"email": ...}` (or nothing: every account): the CAPTCHA is solved |

Changed limits go back to the app's own on every `reset_limits` (and scenario load). Problems are 400s
with `{"error": message}`, as on the shared control plane.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.jira.auth import BasicAuthGate
from sandbox.jira.context import store
from sandbox.jira.quirks import JiraQuirks
from sandbox.jira.ratelimit import BurstLimiter

PREFIX = "/_sandbox/jira"
GATE: web.AppKey[BasicAuthGate] = web.AppKey("jira_auth_gate", BasicAuthGate)
LIMITER: web.AppKey[BurstLimiter] = web.AppKey("jira_burst_limiter", BurstLimiter)


def _error(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


async def _body(request: web.Request) -> Any:
    try:
        return await request.json() if request.can_read_body else None
    except ValueError as exc:
        raise web.HTTPBadRequest(
            text=f'{{"error": "the body is not JSON: {exc}"}}', content_type="application/json"
        ) from None


async def get_quirks(request: web.Request) -> web.Response:
    return web.json_response(store(request).quirks.to_json())


async def put_quirks(request: web.Request) -> web.Response:
    jira = store(request)
    try:
        with jira.lock:
            jira.quirks.update(await _body(request))
            jira.version += 1  # what searches see may have changed
    except ValueError as exc:
        return _error(str(exc))
    return web.json_response(jira.quirks.to_json())


async def reset_quirks(request: web.Request) -> web.Response:
    jira = store(request)
    with jira.lock:
        jira.quirks.update(JiraQuirks().to_json())
        jira.index.clear()
        jira.version += 1
    return web.json_response(jira.quirks.to_json())


async def get_limits(request: web.Request) -> web.Response:
    return web.json_response(request.app[LIMITER].limits.to_json())


async def put_limits(request: web.Request) -> web.Response:
    limiter = request.app[LIMITER]
    try:
        limiter.configure(limiter.limits.with_changes(await _body(request)))
    except ValueError as exc:
        return _error(str(exc))
    return web.json_response(limiter.limits.to_json())


async def browser_login(request: web.Request) -> web.Response:
    body = await _body(request)
    email = body.get("email") if isinstance(body, dict) else None
    if email is not None and not isinstance(email, str):
        return _error("email must be a string")
    request.app[GATE].browser_login(email)
    return web.json_response({"cleared": email or "every account"})


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{PREFIX}/quirks", get_quirks)
    app.router.add_put(f"{PREFIX}/quirks", put_quirks)
    app.router.add_delete(f"{PREFIX}/quirks", reset_quirks)
    app.router.add_get(f"{PREFIX}/limits", get_limits)
    app.router.add_put(f"{PREFIX}/limits", put_limits)
    app.router.add_post(f"{PREFIX}/browser-login", browser_login)


__all__ = ["GATE", "LIMITER", "PREFIX", "add_routes"]
