"""Webhook registration: Jira's admin webhook REST resource (`/rest/webhooks/1.0/webhook`) and the sandbox's
control routes (`/_sandbox/jira/webhooks`), which register a target directly, list deliveries, and wait until
every delivery is done."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.jira.context import BASE_URL, handles_errors, jira_json, json_body, store, webhooks
from sandbox.jira.errors import JiraError
from sandbox.jira.webhooks import ISSUE_EVENTS, WebhookTarget

ADMIN = "/rest/webhooks/1.0/webhook"
CONTROL = "/_sandbox/jira/webhooks"
JQL_FILTER = "issue-related-events-section"


def _admin_json(request: web.Request, target: WebhookTarget) -> dict[str, Any]:
    user = store(request).user(target.last_updated_user)
    shown: dict[str, Any] = {
        "name": target.name,
        "url": target.url,
        "excludeBody": target.exclude_body,
        "filters": {JQL_FILTER: target.jql or ""},
        "events": list(target.events),
        "enabled": target.enabled,
        "self": f"{request.app[BASE_URL]}{ADMIN}/{target.id}",
        "lastUpdatedUser": target.last_updated_user,
        "lastUpdatedDisplayName": user.display_name if user else None,
        "lastUpdated": int(target.last_updated.timestamp() * 1000) if target.last_updated else None,
    }
    return shown


def _target_args(body: Any, *, admin: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise JiraError(400, ("The request body must be a JSON object.",))
    errors: dict[str, str] = {}
    url = body.get("url")
    if not isinstance(url, str) or not url:
        errors["url"] = "The URL is required."
    name = body.get("name")
    if admin and (not isinstance(name, str) or not name):
        errors["name"] = "The name is required."
    events = body.get("events", list(ISSUE_EVENTS))
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        errors["events"] = "The events must be a list of event names."
    jql = body.get("jql")
    filters = body.get("filters")
    if isinstance(filters, dict):
        jql = filters.get(JQL_FILTER) or jql
    if jql is not None and not isinstance(jql, str):
        errors["filters"] = "The JQL filter must be a string."
    secret = body.get("secret")
    if secret is not None and not isinstance(secret, str):
        errors["secret"] = "The secret must be a string."  # noqa: S105 - an error message
    if errors:
        raise JiraError(400, (), errors)
    return {
        "url": url,
        "name": name or "",
        "events": events,
        "jql": jql or None,
        "secret": secret or None,
        "exclude_body": bool(body.get("excludeBody", False)),
        "enabled": bool(body.get("enabled", True)),
    }


def _target(request: web.Request) -> WebhookTarget:
    try:
        target_id = int(request.match_info["webhook"])
    except ValueError:
        raise JiraError(404, ("Webhook not found.",)) from None
    target = webhooks(request).targets.get(target_id)
    if target is None:
        raise JiraError(404, (f"Webhook with id {target_id} does not exist.",))
    return target


# -- Jira's admin resource -----------------------------------------------------------------------------------


@handles_errors
async def admin_register(request: web.Request) -> web.StreamResponse:
    target = webhooks(request).register(**_target_args(await json_body(request), admin=True))
    return jira_json(_admin_json(request, target), 201)


async def admin_list(request: web.Request) -> web.StreamResponse:
    return jira_json([_admin_json(request, target) for target in webhooks(request).targets.values()])


@handles_errors
async def admin_get(request: web.Request) -> web.StreamResponse:
    return jira_json(_admin_json(request, _target(request)))


@handles_errors
async def admin_update(request: web.Request) -> web.StreamResponse:
    target = _target(request)
    replacement = webhooks(request).register(**_target_args(await json_body(request), admin=True), replace=target.id)
    return jira_json(_admin_json(request, replacement))


@handles_errors
async def admin_delete(request: web.Request) -> web.StreamResponse:
    webhooks(request).unregister(_target(request).id)
    return web.Response(status=204)


# -- sandbox control -------------------------------------------------------------------------------------------


def _control_json(target: WebhookTarget) -> dict[str, Any]:
    return {
        "id": target.id,
        "name": target.name,
        "url": target.url,
        "events": list(target.events),
        "jql": target.jql,
        "signed": target.secret is not None,
        "enabled": target.enabled,
        "excludeBody": target.exclude_body,
    }


@handles_errors
async def control_register(request: web.Request) -> web.StreamResponse:
    target = webhooks(request).register(**_target_args(await json_body(request), admin=False))
    return jira_json(_control_json(target), 201)


async def control_list(request: web.Request) -> web.StreamResponse:
    dispatcher = webhooks(request)
    return jira_json(
        {
            "targets": [_control_json(target) for target in dispatcher.targets.values()],
            "pending": dispatcher.pending,
            "deliveries": [delivery.to_json() for delivery in dispatcher.deliveries],
        }
    )


@handles_errors
async def control_delete(request: web.Request) -> web.StreamResponse:
    webhooks(request).unregister(_target(request).id)
    return web.Response(status=204)


@handles_errors
async def control_idle(request: web.Request) -> web.StreamResponse:
    """Wait (up to `timeout` seconds, default 30) until no delivery is pending."""
    body = await json_body(request) if request.can_read_body else {}
    timeout = body.get("timeout", 30) if isinstance(body, dict) else 30
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
        raise JiraError(400, ("timeout must be a number of seconds",))
    dispatcher = webhooks(request)
    idle = await dispatcher.idle(float(timeout))
    return jira_json({"idle": idle, "pending": dispatcher.pending})


def add_routes(app: web.Application) -> None:
    app.router.add_post(ADMIN, admin_register)
    app.router.add_get(ADMIN, admin_list)
    app.router.add_get(f"{ADMIN}/{{webhook}}", admin_get)
    app.router.add_put(f"{ADMIN}/{{webhook}}", admin_update)
    app.router.add_delete(f"{ADMIN}/{{webhook}}", admin_delete)
    app.router.add_post(CONTROL, control_register)
    app.router.add_get(CONTROL, control_list)
    app.router.add_post(f"{CONTROL}/idle", control_idle)
    app.router.add_delete(f"{CONTROL}/{{webhook}}", control_delete)


__all__ = ["ADMIN", "CONTROL", "add_routes"]
