"""The site around the issues: server info, fields, users, projects, the status/type/priority vocabulary,
and the application-links list the `jira` library reads before adding a remote link."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.jira.catalog import STATUS_CATEGORIES
from sandbox.jira.context import (
    API,
    BASE_URL,
    handles_errors,
    int_param,
    jira_json,
    list_param,
    renderer,
    store,
    world,
)
from sandbox.jira.errors import USER_NOT_FOUND, JiraError, project_not_found
from sandbox.jira.model import Project, User
from sandbox.jira.shapes import SERVER_VERSION, rfc3339

BUILD_NUMBER = 100282
PROJECT_PAGE_MAX = 100


async def server_info(request: web.Request) -> web.StreamResponse:
    base = request.app[BASE_URL]
    now = world(request).clock.now()
    return jira_json(
        {
            "baseUrl": base,
            "displayUrl": base,
            "displayUrlServicedeskHelpCenter": base,
            "version": ".".join(str(n) for n in SERVER_VERSION) + "-SNAPSHOT",
            "versionNumbers": list(SERVER_VERSION),
            "deploymentType": "Cloud",
            "buildNumber": BUILD_NUMBER,
            "buildDate": rfc3339(now.replace(hour=0, minute=0, second=0, microsecond=0)),
            "serverTime": rfc3339(now),
            "scmInfo": "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c",
            "serverTitle": "Jira",
            "serverTimeZone": "UTC",
        }
    )


async def fields(request: web.Request) -> web.StreamResponse:
    render = renderer(request)
    return jira_json([render.field(definition) for definition in store(request).fields])


async def myself(request: web.Request) -> web.StreamResponse:
    jira = store(request)
    return jira_json(renderer(request).user(jira.api_user(), expand=list_param(request, "expand")))


@handles_errors
async def get_user(request: web.Request) -> web.StreamResponse:
    account = request.query.get("accountId")
    if not account:
        raise JiraError(400, ("The accountId query parameter needs to be provided.",))
    user = store(request).user(account)
    if user is None:
        raise JiraError(404, (USER_NOT_FOUND,))
    return jira_json(renderer(request).user(user, expand=list_param(request, "expand")))


def _page(items: list[Any], request: web.Request, default: int = 50) -> list[Any]:
    start = int_param(request, "startAt", 0)
    size = int_param(request, "maxResults", default, minimum=1)
    return items[start : start + size]


@handles_errors
async def all_users(request: web.Request) -> web.StreamResponse:
    render = renderer(request)
    users = sorted(store(request).all_users(), key=lambda u: u.account_id)
    return jira_json([render.user(user) for user in _page(users, request)])


def _user_matches(user: User, query: str) -> bool:
    folded = query.casefold()
    words = [*user.display_name.casefold().split(), user.display_name.casefold(), (user.email or "").casefold()]
    return any(word.startswith(folded) for word in words)


@handles_errors
async def search_users(request: web.Request) -> web.StreamResponse:
    query = request.query.get("query")
    account = request.query.get("accountId")
    if not query and not account:
        raise JiraError(400, ("The query parameter 'query' or 'accountId' must be provided.",))
    users = store(request).all_users()
    found = [
        user
        for user in users
        if user.active and (account is None or user.account_id == account) and (not query or _user_matches(user, query))
    ]
    found.sort(key=lambda u: u.display_name.casefold())
    render = renderer(request)
    return jira_json([render.user(user) for user in _page(found, request)])


def _sorted_projects(projects: list[Project], order: str) -> list[Project]:
    descending = order.startswith("-")
    field = order.lstrip("+-")
    keys = {"key": lambda p: p.key, "name": lambda p: p.name.casefold(), "id": lambda p: p.id}
    if field not in keys:
        raise JiraError(400, (f"Invalid orderBy value '{order}'.",))
    return sorted(projects, key=keys[field], reverse=descending)


@handles_errors
async def project_search(request: web.Request) -> web.StreamResponse:
    jira = store(request)
    render = renderer(request)
    start = int_param(request, "startAt", 0)
    size = min(int_param(request, "maxResults", 50, minimum=1), PROJECT_PAGE_MAX)
    keys = {key.upper() for key in list_param(request, "keys")}
    query = (request.query.get("query") or "").casefold()
    with jira.lock:
        projects = [
            p
            for p in jira.visible_projects()
            if (not keys or p.key in keys) and (not query or query in p.key.casefold() or query in p.name.casefold())
        ]
        projects = _sorted_projects(projects, request.query.get("orderBy", "key"))
        page = projects[start : start + size]
        url = f"{render.api}/project/search"
        body: dict[str, Any] = {"self": f"{url}?maxResults={size}&startAt={start}"}
        last = start + size >= len(projects)
        if not last:
            body["nextPage"] = f"{url}?maxResults={size}&startAt={start + size}"
        expand = list_param(request, "expand")
        body.update(
            {
                "maxResults": size,
                "startAt": start,
                "total": len(projects),
                "isLast": last,
                "values": [render.project(p, expand=expand) for p in page],
            }
        )
        return jira_json(body)


@handles_errors
async def all_projects(request: web.Request) -> web.StreamResponse:
    jira = store(request)
    render = renderer(request)
    expand = list_param(request, "expand")
    with jira.lock:
        return jira_json(
            [render.project(p, expand=expand) for p in sorted(jira.visible_projects(), key=lambda p: p.key)]
        )


@handles_errors
async def get_project(request: web.Request) -> web.StreamResponse:
    jira = store(request)
    reference = request.match_info["project"]
    with jira.lock:
        project = jira.project(reference)
        if project is None:
            raise project_not_found(reference)
        return jira_json(renderer(request).project(project, expand=list_param(request, "expand")))


async def statuses(request: web.Request) -> web.StreamResponse:
    render = renderer(request)
    return jira_json([render.status(status) for status in store(request).statuses.values()])


async def status_categories(request: web.Request) -> web.StreamResponse:
    api = renderer(request).api
    return jira_json(
        [
            {
                "self": f"{api}/statuscategory/{c.id}",
                "id": c.id,
                "key": c.key,
                "colorName": c.color_name,
                "name": c.name,
            }
            for c in STATUS_CATEGORIES.values()
        ]
    )


async def issue_types(request: web.Request) -> web.StreamResponse:
    render = renderer(request)
    return jira_json([render.issuetype(t) for t in store(request).issue_types.values()])


async def priorities(request: web.Request) -> web.StreamResponse:
    render = renderer(request)
    return jira_json([render.priority(p) for p in store(request).priorities.values()])


async def application_links(_request: web.Request) -> web.StreamResponse:
    """The site has no application links (the `jira` library asks before `add_remote_link`)."""
    return jira_json({"list": []})


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{API}/serverInfo", server_info)
    app.router.add_get(f"{API}/field", fields)
    app.router.add_get(f"{API}/myself", myself)
    app.router.add_get(f"{API}/user", get_user)
    app.router.add_get(f"{API}/users/search", all_users)
    app.router.add_get(f"{API}/users", all_users)
    app.router.add_get(f"{API}/user/search", search_users)
    app.router.add_get(f"{API}/project/search", project_search)
    app.router.add_get(f"{API}/project", all_projects)
    app.router.add_get(f"{API}/project/{{project}}", get_project)
    app.router.add_get(f"{API}/status", statuses)
    app.router.add_get(f"{API}/statuscategory", status_categories)
    app.router.add_get(f"{API}/issuetype", issue_types)
    app.router.add_get(f"{API}/priority", priorities)
    app.router.add_get("/rest/applinks/latest/listApplicationlinks", application_links)


__all__ = ["add_routes"]
