"""The REST API, `/api/v1` (JSON; described by `openapi.yaml`, served at `/api/v1/openapi.json`).

Reads come from this worker's read model (every worker answers for the whole portfolio). Actions — confirm
or reject a suggestion, re-baseline a goal — need an admin token; they are commands to the goal agent on
`goal-events`, answered 202 once the broker has them. Errors are `{"error", "detail"}`: 400 saying what
was wrong, 401/403, 404, and 409 when an action no longer fits (a suggestion already answered).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from aiohttp import web

from streams import topics
from streams.records import GoalMessage, GoalSummary
from streams.web import shapes
from streams.web.auth import access_of, require_admin, token_id
from streams.web.portfolio import SORTS, STATUSES, GoalFilter, Portfolio, paginate
from streams.web.readmodel import state

MAX_PER_PAGE = 100


class BadRequest(web.HTTPBadRequest):
    def __init__(self, detail: str) -> None:
        super().__init__(text=json.dumps({"error": "bad_request", "detail": detail}), content_type="application/json")


def not_found(detail: str) -> web.HTTPNotFound:
    return web.HTTPNotFound(text=json.dumps({"error": "not_found", "detail": detail}), content_type="application/json")


def conflict(detail: str) -> web.HTTPConflict:
    return web.HTTPConflict(text=json.dumps({"error": "conflict", "detail": detail}), content_type="application/json")


def _int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}, got {value}")
    return value


def _date(request: web.Request, name: str) -> date | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a date YYYY-MM-DD, got {raw!r}") from None


def _choice(request: web.Request, name: str, choices: tuple[str, ...], default: str | None) -> str | None:
    raw = request.query.get(name) or default
    if raw is not None and raw not in choices:
        raise BadRequest(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def goal_filter(request: web.Request) -> GoalFilter:
    """The goals-table filter a request asks for (the API's and the dashboard's parameters are the same)."""
    wanted = GoalFilter(
        status=_choice(request, "status", STATUSES, None),
        owner=(request.query.get("owner") or "").strip() or None,
        launch_from=_date(request, "launch_from"),
        launch_to=_date(request, "launch_to"),
        query=(request.query.get("q") or "").strip() or None,
    )
    if wanted.launch_from and wanted.launch_to and wanted.launch_from > wanted.launch_to:
        raise BadRequest("launch_from is after launch_to")
    return wanted


def paging(request: web.Request, per_page: int = 25) -> tuple[int, int]:
    return _int(request, "page", 1, 1, 1_000_000), _int(request, "per_page", per_page, 1, MAX_PER_PAGE)


def page_json(found: Any, items: list[Any]) -> dict[str, Any]:
    return {"items": items, "total": found.total, "page": found.page, "per_page": found.per_page, "pages": found.pages}


def portfolio() -> Portfolio:
    return state.portfolio


def goal_or_404(campaign: str) -> GoalSummary:
    goal = portfolio().goals.get(campaign)
    if goal is None or not goal.known:
        raise not_found(f"no goal for campaign {campaign!r}")
    return goal


async def list_goals(request: web.Request) -> web.Response:
    sort = _choice(request, "sort", SORTS, "attention") or "attention"
    order = _choice(request, "order", ("asc", "desc"), "asc")
    page, per_page = paging(request)
    found = portfolio().goal_page(goal_filter(request), sort, "desc" if order == "desc" else "asc", page, per_page)
    return web.json_response(page_json(found, [shapes.goal_row(goal) for goal in found.items]))


async def get_goal(request: web.Request) -> web.Response:
    goal = goal_or_404(request.match_info["campaign"])
    return web.json_response(shapes.goal_detail(portfolio(), goal))


async def goal_history(request: web.Request) -> web.Response:
    goal = goal_or_404(request.match_info["campaign"])
    return web.json_response(
        {"campaign": goal.campaign, "points": [shapes.point(p) for p in portfolio().points(goal.campaign)]}
    )


async def get_portfolio(request: web.Request) -> web.Response:
    weeks = _int(request, "weeks", 8, 1, 52)
    return web.json_response(shapes.portfolio_summary(portfolio(), weeks))


async def list_signals(request: web.Request) -> web.Response:
    campaign = request.query.get("campaign") or None
    wanted = _choice(request, "state", ("open", "closed"), None)
    rule = request.query.get("rule") or None
    found = portfolio().signals_of(campaign) if campaign else portfolio().all_signals()
    chosen = [e for e in found if (rule is None or e.rule == rule) and (wanted is None or e.open == (wanted == "open"))]
    page, per_page = paging(request, 50)
    result = paginate(chosen, page, per_page)
    return web.json_response(page_json(result, [shapes.episode(e) for e in result.items]))


async def list_notifications(request: web.Request) -> web.Response:
    campaign = request.query.get("campaign") or None
    kind = request.query.get("kind") or None
    found = portfolio().notifications_of(campaign) if campaign else portfolio().all_notifications()
    chosen = [t for t in found if kind is None or t.kind == kind]
    page, per_page = paging(request, 50)
    result = paginate(chosen, page, per_page)
    return web.json_response(page_json(result, [shapes.told(t) for t in result.items]))


def _goals_for(request: web.Request) -> list[GoalSummary]:
    campaign = request.query.get("campaign")
    if campaign:
        return [goal_or_404(campaign)]
    return sorted(portfolio().known_goals(), key=lambda g: g.campaign)


async def list_links(request: web.Request) -> web.Response:
    work_item = request.query.get("work_item") or None
    kind = _choice(request, "kind", ("explicit", "inherited"), None)
    found = [
        link
        for goal in _goals_for(request)
        for link in shapes.links_of(goal)
        if (work_item is None or link["work_item"] == work_item) and (kind is None or link["kind"] == kind)
    ]
    page, per_page = paging(request, 100)
    result = paginate(found, page, per_page)
    return web.json_response(page_json(result, result.items))


async def list_suggestions(request: web.Request) -> web.Response:
    wanted = _choice(request, "state", ("pending", "confirmed", "rejected"), None)
    found = [
        s for goal in _goals_for(request) for s in shapes.suggestions_of(goal) if wanted is None or s["state"] == wanted
    ]
    page, per_page = paging(request, 100)
    result = paginate(found, page, per_page)
    return web.json_response(page_json(result, result.items))


async def get_health(request: web.Request) -> web.Response:
    return web.json_response(shapes.health(portfolio(), state.ready, state.skipped))


def who(request: web.Request) -> str:
    """Who asked, as the goal's history records it (never the token itself)."""
    access = access_of(request)
    offered = request.headers.get("Authorization", "").partition(" ")[2].strip()
    return f"api:{token_id(offered)[:8]}" if access.via == "token" else "dashboard"


async def send_command(kind: str, campaign: str, request: web.Request, work_item: str | None = None) -> None:
    message = GoalMessage(
        kind=kind, campaign=campaign, work_item=work_item, seen_at=datetime.now(UTC), requested_by=who(request)
    )
    await topics.goal_events.send(key=campaign, value=message)
    await topics.goal_events.app.producer.flush()


def pending_suggestion(campaign: str, work_item: str) -> None:
    """404 when there is no such suggestion, 409 when it was already answered."""
    goal = goal_or_404(campaign)
    found = next((s for s in goal.suggestions if s.work_item == work_item), None)
    if found is None:
        raise not_found(f"no suggestion of {work_item} for campaign {campaign!r}")
    if found.state != "pending":
        raise conflict(f"the suggestion of {work_item} was already {found.state}")


async def answer_suggestion(request: web.Request) -> web.Response:
    require_admin(request)
    campaign, work_item, answer = (request.match_info[k] for k in ("campaign", "work_item", "answer"))
    pending_suggestion(campaign, work_item)
    await send_command(answer, campaign, request, work_item)
    detail = "the label is being written into Jira" if answer == "confirm" else "it will not be suggested again"
    return web.json_response({"status": "accepted", "detail": f"{answer}ed {work_item}: {detail}"}, status=202)


async def rebaseline(request: web.Request) -> web.Response:
    require_admin(request)
    goal = goal_or_404(request.match_info["campaign"])
    await send_command("rebaseline", goal.campaign, request)
    return web.json_response(
        {"status": "accepted", "detail": "the goal's current size becomes its baseline"}, status=202
    )


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(resources.files("streams.web").joinpath("openapi.yaml").read_text())
    return document


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/v1/openapi.json", openapi),
        web.get("/api/v1/portfolio", get_portfolio),
        web.get("/api/v1/goals", list_goals),
        web.get("/api/v1/goals/{campaign}", get_goal),
        web.get("/api/v1/goals/{campaign}/history", goal_history),
        web.post("/api/v1/goals/{campaign}/rebaseline", rebaseline),
        web.get("/api/v1/signals", list_signals),
        web.get("/api/v1/notifications", list_notifications),
        web.get("/api/v1/links", list_links),
        web.get("/api/v1/suggestions", list_suggestions),
        web.post("/api/v1/suggestions/{campaign}/{work_item}/{answer:confirm|reject}", answer_suggestion),
        web.get("/api/v1/health", get_health),
    ]
