"""Issue search: `GET/POST /search/jql` (cursor pages), `POST /search/approximate-count`, and the removed
`/search` (410 Gone, with Jira's migration message)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.jira.context import (
    API,
    current_account,
    handles_errors,
    int_param,
    jira_json,
    json_body,
    list_param,
    renderer,
    store,
    world,
)
from sandbox.jira.errors import SEARCH_REMOVED, JiraError
from sandbox.jira.search import (
    DEFAULT_MAX_RESULTS,
    MAX_RESULTS_IDS_ONLY,
    MAX_RESULTS_WITH_FIELDS,
    count,
    search,
)
from sandbox.jira.shapes import FieldSelection

RECONCILE_MAX = 50
"""`reconcileIssues`: "Strong consistency issue ids to be reconciled with search results. Accepts max 50 ids."""


def _reconcile(values: list[Any]) -> frozenset[int]:
    """`reconcileIssues`: issue ids (numbers, or digit strings in a query), at most 50."""
    ids: set[int] = set()
    for value in values:
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
            raise JiraError(400, (f"The 'reconcileIssues' values must be issue IDs, got '{value}'.",))
        ids.add(int(value))
    if len(ids) > RECONCILE_MAX:
        raise JiraError(400, (f"The 'reconcileIssues' parameter accepts at most {RECONCILE_MAX} issue IDs.",))
    return frozenset(ids)


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [part.strip() for item in value for part in item.split(",") if part.strip()]
    raise JiraError(400, (f"The '{name}' value must be a string or a list of strings.",))


async def _respond(
    request: web.Request,
    *,
    jql: str,
    token: str | None,
    max_results: int,
    fields: list[str],
    expand: list[str],
    reconcile: frozenset[int] = frozenset(),
) -> web.Response:
    selection = FieldSelection.parse(fields, default="id")
    limit = MAX_RESULTS_IDS_ONLY if selection.ids_only else MAX_RESULTS_WITH_FIELDS
    jira = store(request)
    render = renderer(request)
    with jira.lock:
        page = search(
            jira,
            jql,
            max_results=min(max_results, limit),
            next_page_token=token,
            now=world(request).clock.now(),
            current_user=current_account(request),
            reconcile=reconcile,
        )
        body: dict[str, Any] = {
            "issues": [render.issue(issue, selection, expand, names_at_top=True) for issue in page.issues]
        }
    if page.next_page_token is not None:
        body["nextPageToken"] = page.next_page_token
    body["isLast"] = page.next_page_token is None
    if "names" in expand:
        body["names"] = render.names(selection)
    if "schema" in expand:
        body["schema"] = render.schemas(selection)
    return jira_json(body)


@handles_errors
async def search_get(request: web.Request) -> web.StreamResponse:
    max_results = int_param(request, "maxResults", DEFAULT_MAX_RESULTS, minimum=1)
    return await _respond(
        request,
        jql=request.query.get("jql", ""),
        token=request.query.get("nextPageToken") or None,
        max_results=max_results,
        fields=list_param(request, "fields"),
        expand=list_param(request, "expand"),
        reconcile=_reconcile(list_param(request, "reconcileIssues")),
    )


@handles_errors
async def search_post(request: web.Request) -> web.StreamResponse:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise JiraError(400, ("The request body must be a JSON object.",))
    max_results = body.get("maxResults")
    if max_results is None:
        max_results = DEFAULT_MAX_RESULTS
    if isinstance(max_results, bool) or not isinstance(max_results, int) or max_results < 1:
        raise JiraError(400, ("The 'maxResults' parameter must be at least 1.",))
    jql = body.get("jql") or ""
    if not isinstance(jql, str):
        raise JiraError(400, ("The 'jql' value must be a string.",))
    token = body.get("nextPageToken")
    if token is not None and not isinstance(token, str):
        raise JiraError(400, ("The 'nextPageToken' value must be a string.",))
    return await _respond(
        request,
        jql=jql,
        token=token or None,
        max_results=max_results,
        fields=_strings(body.get("fields"), "fields"),
        expand=_strings(body.get("expand"), "expand"),
        reconcile=_reconcile(_list(body.get("reconcileIssues"), "reconcileIssues")),
    )


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise JiraError(400, (f"The '{name}' value must be a list.",))
    return value


@handles_errors
async def approximate_count(request: web.Request) -> web.StreamResponse:
    body = await json_body(request)
    jql = body.get("jql") if isinstance(body, dict) else None
    if not isinstance(jql, str):
        raise JiraError(400, ("The 'jql' value must be a string.",))
    total = count(store(request), jql, now=world(request).clock.now(), current_user=current_account(request))
    return jira_json({"count": total})


async def search_removed(_request: web.Request) -> web.StreamResponse:
    return jira_json({"errorMessages": [SEARCH_REMOVED], "errors": {}}, status=410)


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{API}/search/jql", search_get)
    app.router.add_post(f"{API}/search/jql", search_post)
    app.router.add_post(f"{API}/search/approximate-count", approximate_count)
    app.router.add_get(f"{API}/search", search_removed)
    app.router.add_post(f"{API}/search", search_removed)


__all__ = ["add_routes"]
