"""What the Jira routes share: the app's keys, Jira-style JSON responses, errors, and request parameters."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.core import SandboxWorld
from sandbox.jira.errors import JiraError
from sandbox.jira.shapes import Renderer
from sandbox.jira.store import JiraStore
from sandbox.jira.webhooks import APP_KEY as WEBHOOKS
from sandbox.jira.webhooks import WebhookDispatcher

STORE: web.AppKey[JiraStore] = web.AppKey("jira_store", JiraStore)
WORLD: web.AppKey[SandboxWorld] = web.AppKey("jira_world", SandboxWorld)
BASE_URL: web.AppKey[str] = web.AppKey("jira_base_url", str)
API = r"/rest/api/{version:2|3|latest}"
"""Every platform route answers under v3, v2 and `latest` (which Jira serves as v2)."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def jira_json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(data, separators=(",", ":")),
        content_type="application/json",
        charset="UTF-8",
        headers=headers,
    )


def handles_errors(handler: Handler) -> Handler:
    """Answer a `JiraError` raised by the handler (or the store) with Jira's error body."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except JiraError as error:
            return jira_json(error.body(), error.status, error.headers or None)

    return wrapped


def version(request: web.Request) -> int:
    return 3 if request.match_info.get("version") == "3" else 2


def store(request: web.Request) -> JiraStore:
    return request.app[STORE]


def world(request: web.Request) -> SandboxWorld:
    return request.app[WORLD]


def webhooks(request: web.Request) -> WebhookDispatcher:
    return request.app[WEBHOOKS]


def renderer(request: web.Request) -> Renderer:
    return Renderer(store(request), request.app[BASE_URL], version(request))


async def json_body(request: web.Request) -> Any:
    """The request's JSON body; Jira's 400 when it is missing or malformed."""
    raw = await request.read()
    if not raw.strip():
        raise JiraError(400, ("No content to map due to end-of-input",))
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise JiraError(400, (f"Unexpected character in the request body: {exc}",)) from None


def int_param(request: web.Request, name: str, default: int, *, minimum: int = 0) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise JiraError(400, (f"The '{name}' parameter must be an integer, got '{raw}'.",)) from None
    if value < minimum:
        raise JiraError(400, (f"The '{name}' parameter must be at least {minimum}.",))
    return value


def list_param(request: web.Request, name: str) -> list[str]:
    """A parameter Jira accepts repeated and/or comma-separated (`fields=a,b&fields=c`)."""
    return [part.strip() for value in request.query.getall(name, []) for part in value.split(",") if part.strip()]


def current_account(request: web.Request) -> str:
    return store(request).api_user().account_id


__all__ = [
    "API",
    "BASE_URL",
    "STORE",
    "WEBHOOKS",
    "WORLD",
    "current_account",
    "handles_errors",
    "int_param",
    "jira_json",
    "json_body",
    "list_param",
    "renderer",
    "store",
    "version",
    "webhooks",
    "world",
]
