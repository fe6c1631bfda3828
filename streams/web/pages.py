"""The dashboard: server-rendered pages (Jinja templates, autoescaped) over the same read model and the same
JSON shapes as the REST API, enhanced with htmx where a browser runs it and usable without it.

- `/` the portfolio: goals by status with their trend, and the table of goals (filter, sort, pages);
- `/goals/<campaign>` one goal: launch, baseline, progress and forecast, its burn-up, its work as a tree,
  its signals explained for marketing and for engineering, its notifications, and its suggestions (an
  admin may confirm or reject them here);
- `/health` the connectors, webhook deliveries and dead letters;
- `/outbox` (the demo only) the emails and Slack posts the demo's local catchers received.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from streams.app import settings
from streams.rules.forecast import whole_percent
from streams.web import charts, shapes
from streams.web.api import BadRequest, goal_filter, paging, pending_suggestion, send_command
from streams.web.auth import Gate, access_of, safe_next
from streams.web.portfolio import SORTS, STATUSES, GoalFilter
from streams.web.readmodel import state

STATIC = resources.files("streams.web").joinpath("static")
GATE: web.AppKey[Gate] = web.AppKey("tandem_gate", Gate)


def _day(value: str | None) -> str:
    if not value:
        return "—"
    if value == "never":
        return "never"
    try:
        return date.fromisoformat(value).strftime("%-d %b %Y")
    except ValueError:
        return value


def _when(value: str | datetime | None) -> str:
    if value is None:
        return "—"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    return moment.strftime("%-d %b %Y, %H:%M UTC")


def _points(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("streams.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(day=_day, when=_when, points=_points, percent=whole_percent, tojson_script=_json_script)
    env.globals.update(labels=charts.LABELS, colors=charts.COLORS, statuses=STATUSES, explanation=shapes.explanation)
    return env


def _json_script(value: Any) -> str:
    """JSON for a `<script type="application/json">` block: `<`, `>` and `&` escaped, so no tag can close it."""
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    access = access_of(request) if template != "login.html.j2" else None
    html = (
        environment()
        .get_template(template)
        .render(
            request_path=request.path,
            access=access,
            csrf=access.csrf if access else None,
            outbox=bool(settings.outbox_url),
            as_of=state.portfolio.as_of,
            ready=state.ready,
            **context,
        )
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


# --- login ---------------------------------------------------------------------------------------


async def login_form(request: web.Request) -> web.StreamResponse:
    target = safe_next(request.query.get("next"))
    if request.app[GATE].access(request) is not None:
        raise web.HTTPSeeOther(target)
    return render(request, "login.html.j2", next=target, error=None, access_configured=bool(settings.api_tokens))


async def log_in(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    target = safe_next(str(form.get("next") or "/"))
    response = web.HTTPSeeOther(target)
    if request.app[GATE].log_in(response, request, str(form.get("token") or "")) is None:
        return render(
            request,
            "login.html.j2",
            status=401,
            next=target,
            error="That token is not one of TANDEM_API_TOKENS.",
            access_configured=bool(settings.api_tokens),
        )
    return response


async def log_out(request: web.Request) -> web.StreamResponse:
    response = web.HTTPSeeOther("/login")
    request.app[GATE].log_out(response, request)
    return response


# --- pages ---------------------------------------------------------------------------------------


def _query(request: web.Request, **changes: Any) -> str:
    """This page's query string with `changes` (None removes a parameter)."""
    params = {key: value for key, value in request.query.items() if value}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else "?"


async def portfolio_page(request: web.Request) -> web.Response:
    portfolio = state.portfolio
    problem = None
    try:
        wanted = goal_filter(request)
        page, per_page = paging(request)
        sort = str(request.query.get("sort")) if request.query.get("sort") in SORTS else "attention"
        order = "desc" if request.query.get("order") == "desc" else "asc"
    except BadRequest as exc:
        problem = json.loads(exc.text or "{}").get("detail")
        wanted, page, per_page, sort, order = GoalFilter(), 1, 25, "attention", "asc"
    found = portfolio.goal_page(wanted, sort, "desc" if order == "desc" else "asc", page, per_page)
    summary = shapes.portfolio_summary(portfolio)
    return render(
        request,
        "portfolio.html.j2",
        summary=summary,
        trend=charts.trend_chart(portfolio.trend()),
        rows=[shapes.goal_row(goal) for goal in found.items],
        found=found,
        wanted=wanted,
        sort=sort,
        order=order,
        owners=[shapes.person(p) for p in portfolio.owners()],
        unknown=[
            {"campaign": goal.campaign, "work": [shapes.person_item(item) for item in goal.items]}
            for goal in portfolio.unknown_campaign_work()
        ],
        problem=problem,
        query=lambda **changes: _query(request, **changes),
    )


async def goal_page(request: web.Request) -> web.Response:
    campaign = request.match_info["campaign"]
    goal = state.portfolio.goals.get(campaign)
    if goal is None or not goal.known:
        return render(request, "missing.html.j2", status=404, campaign=campaign)
    detail = shapes.goal_detail(state.portfolio, goal)
    chart = charts.burnup(state.portfolio.points(campaign), goal.launch, goal.forecast, goal.odds)
    return render(
        request,
        "goal.html.j2",
        goal=detail,
        tree=work_tree(detail["items"]),
        chart=chart.chart() if chart else None,
        chart_rows=chart.rows() if chart else [],
        done=request.query.get("done"),
        problem=request.query.get("problem"),
    )


def work_tree(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The linked items as a tree: each with its linked children under it (epics → stories)."""
    nodes = {item["key"]: {**item, "children": []} for item in items}
    roots: list[dict[str, Any]] = []
    for node in nodes.values():
        parent = nodes.get(node.get("parent") or "")
        (parent["children"] if parent is not None and not node["top_level"] else roots).append(node)
    return roots


async def answer(request: web.Request) -> web.StreamResponse:
    campaign, work_item, verb = (request.match_info[k] for k in ("campaign", "work_item", "answer"))
    back = f"/goals/{campaign}"
    if not access_of(request).admin:
        return render(request, "forbidden.html.j2", status=403, back=back)
    try:
        pending_suggestion(campaign, work_item)
    except web.HTTPException as exc:
        detail = json.loads(exc.text or "{}").get("detail", "")
        raise web.HTTPSeeOther(back + "?" + urlencode({"problem": detail})) from None
    await send_command(verb, campaign, request, work_item)
    raise web.HTTPSeeOther(back + "?" + urlencode({"done": f"{verb}ed {work_item}"}))


async def health_page(request: web.Request) -> web.Response:
    return render(request, "health.html.j2", health=shapes.health(state.portfolio, state.ready, state.skipped))


async def outbox_page(request: web.Request) -> web.Response:
    if not settings.outbox_url:
        raise web.HTTPNotFound()
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
            session.get(settings.outbox_url) as response,
        ):
            box = await response.json()
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return render(request, "outbox.html.j2", emails=[], posts=[], problem=f"the outbox did not answer: {exc}")
    return render(request, "outbox.html.j2", emails=box.get("emails", []), posts=box.get("slack", []), problem=None)


def routes() -> list[web.AbstractRouteDef]:
    return [
        web.get("/login", login_form),
        web.post("/login", log_in),
        web.post("/logout", log_out),
        web.get("/", portfolio_page),
        web.get("/goals/{campaign}", goal_page),
        web.post("/goals/{campaign}/suggestions/{work_item}/{answer:confirm|reject}", answer),
        web.get("/health", health_page),
        web.get("/outbox", outbox_page),
        web.static("/static", str(STATIC), append_version=False),
    ]
