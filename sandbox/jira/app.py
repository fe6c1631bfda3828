"""The Jira Cloud sandbox as an aiohttp application.

    app = create_app(world, base_url="http://127.0.0.1:8081", validator=validator)

builds the app, creates the site's `JiraStore` and registers it with the world as "jira" (its `load`/`apply`
are the scenario hooks), and wires the request pipeline shared with HubSpot (`vendor_middlewares`: faults,
basic auth, the burst rate limit, the write log, conformance) in front of Jira's routes. Webhook deliveries run
on the app's loop and stop with it; `await deliveries_idle(app)` waits for them.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.core import SandboxWorld, vendor_middlewares
from sandbox.jira import routes_control, routes_issues, routes_meta, routes_search, routes_webhooks
from sandbox.jira.auth import auth_headers, basic_auth_gate, unauthorized_body
from sandbox.jira.catalog import STORY_POINTS_NAME
from sandbox.jira.conformance import JiraConformance
from sandbox.jira.context import BASE_URL, STORE, WORLD
from sandbox.jira.errors import SERVER_ERRORS, error_body
from sandbox.jira.ratelimit import BurstLimiter, JiraLimits, near_limit_header, rate_limited_body
from sandbox.jira.routes_control import GATE, LIMITER
from sandbox.jira.store import JiraStore
from sandbox.jira.webhooks import APP_KEY as WEBHOOKS
from sandbox.jira.webhooks import RetryPolicy, WebhookDispatcher, deliveries_idle
from sandbox.validation import ResponseValidator

SYSTEM = "jira"


def _error_body(base_url: str) -> Any:
    """How Jira words an error the pipeline answers itself (injected faults, unknown routes)."""

    def build(status: int) -> tuple[Any, dict[str, str]]:
        if status == 429:
            return rate_limited_body(), {"RateLimit-Reason": "jira-burst-based"}
        if status == 401:
            return unauthorized_body(), auth_headers(base_url, failed=True)
        if status == 400:
            return error_body(["The request is not valid."]), {}
        if status == 403:
            return error_body(["You do not have the permission to perform this operation."]), {}
        if status == 404:
            return error_body(["The requested resource could not be found."]), {}
        if status == 405:
            return error_body(["The requested method is not allowed for this resource."]), {}
        return error_body([SERVER_ERRORS.get(status, "Internal server error")]), {}

    return build


def create_app(
    world: SandboxWorld,
    *,
    validator: ResponseValidator | None = None,
    base_url: str,
    limits: JiraLimits | None = None,
    retry_policy: RetryPolicy | None = None,
    story_points_name: str = STORY_POINTS_NAME,
) -> web.Application:
    """The Jira sandbox app for `world`, answering as the site at `base_url`."""
    base_url = base_url.rstrip("/")
    credentials = world.credentials
    store = JiraStore(world.clock, api_email=credentials.jira_email, story_points_name=story_points_name)
    world.register(SYSTEM, store)
    world.jira = store
    world.faults.register_error_body(SYSTEM, _error_body(base_url))
    limiter = BurstLimiter(limits, lambda: store.quirks)
    world.register_limiter(SYSTEM, limiter)
    gate = basic_auth_gate(
        credentials.jira_email, credentials.jira_token, base_url, lambda: store.quirks.captcha_after_failures
    )
    world.register_limiter(SYSTEM, gate)  # failed-login counts start afresh with the limits
    dispatcher = WebhookDispatcher(store, world.clock, base_url, policy=retry_policy)

    app = web.Application(
        middlewares=vendor_middlewares(
            world,
            SYSTEM,
            authenticate=gate,
            rate_limit=limiter,
            validator=JiraConformance(validator) if validator is not None else None,  # type: ignore[arg-type]
        )
    )
    app[STORE] = store
    app[WORLD] = world
    app[BASE_URL] = base_url
    app[WEBHOOKS] = dispatcher
    app[GATE] = gate
    app[LIMITER] = limiter
    routes_meta.add_routes(app)
    routes_search.add_routes(app)
    routes_issues.add_routes(app)
    routes_webhooks.add_routes(app)
    routes_control.add_routes(app)
    app.on_response_prepare.append(near_limit_header)
    app.on_startup.append(dispatcher.start)
    app.on_cleanup.append(dispatcher.stop)
    return app


__all__ = ["SYSTEM", "create_app", "deliveries_idle"]
