"""Issues: read, create, edit, delete; their changelogs (per issue and in bulk), comments and remote links."""

from __future__ import annotations

import base64
import binascii
import json
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
    version,
)
from sandbox.jira.errors import JiraError
from sandbox.jira.model import ChangeGroup, ChangeItem, Issue
from sandbox.jira.shapes import FieldSelection, jira_time

CHANGELOG_PAGE = 100
BULK_DEFAULT = 1000
BULK_MAX = 10000


def _key(request: web.Request) -> str:
    return request.match_info["issue"]


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "false").lower() == "true"


# -- issues -------------------------------------------------------------------------------------------------


@handles_errors
async def get_issue(request: web.Request) -> web.StreamResponse:
    jira = store(request)
    render = renderer(request)
    selection = FieldSelection.parse(list_param(request, "fields"), default="*all")
    with jira.lock:
        issue = jira.require_issue(_key(request))
        return jira_json(render.issue(issue, selection, list_param(request, "expand")))


def _edit_body(body: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    if not isinstance(body, dict):
        raise JiraError(400, ("The request body must be a JSON object.",))
    fields = body.get("fields") or {}
    update = body.get("update") or {}
    if not isinstance(fields, dict) or not isinstance(update, dict):
        raise JiraError(400, ("'fields' and 'update' must be JSON objects.",))
    return fields, update


@handles_errors
async def edit_issue(request: web.Request) -> web.StreamResponse:
    fields, update = _edit_body(await json_body(request))
    jira = store(request)
    with jira.lock:
        issue = jira.require_issue(_key(request))
        jira.edit_issue(
            issue.key, fields=fields, update=update, api_version=version(request), author=current_account(request)
        )
        if _flag(request, "returnIssue"):
            selection = FieldSelection.parse([], default="*all")
            return jira_json(renderer(request).issue(issue, selection, list_param(request, "expand")))
    return web.Response(status=204)


@handles_errors
async def create_issue(request: web.Request) -> web.StreamResponse:
    fields, update = _edit_body(await json_body(request))
    jira = store(request)
    with jira.lock:
        issue = jira.create_issue(fields, api_version=version(request), author=current_account(request))
        if update:
            jira.edit_issue(issue.key, update=update, api_version=version(request), author=current_account(request))
        render = renderer(request)
        return jira_json({"id": str(issue.id), "key": issue.key, "self": f"{render.api}/issue/{issue.id}"}, 201)


@handles_errors
async def delete_issue(request: web.Request) -> web.StreamResponse:
    store(request).delete_issue(
        _key(request), delete_subtasks=_flag(request, "deleteSubtasks"), author=current_account(request)
    )
    return web.Response(status=204)


# -- changelogs ---------------------------------------------------------------------------------------------


@handles_errors
async def issue_changelog(request: web.Request) -> web.StreamResponse:
    jira = store(request)
    render = renderer(request)
    start = int_param(request, "startAt", 0)
    size = min(int_param(request, "maxResults", CHANGELOG_PAGE, minimum=1), CHANGELOG_PAGE)
    with jira.lock:
        issue = jira.require_issue(_key(request))
        entries = issue.changelog[start : start + size]
        url = f"{render.api}/issue/{issue.key}/changelog"
        body: dict[str, Any] = {"self": f"{url}?maxResults={size}&startAt={start}"}
        last = start + size >= len(issue.changelog)
        if not last:
            body["nextPage"] = f"{url}?maxResults={size}&startAt={start + size}"
        body.update(
            {
                "maxResults": size,
                "startAt": start,
                "total": len(issue.changelog),
                "isLast": last,
                "values": [render.history(entry) for entry in entries],
            }
        )
        return jira_json(body)


def _bulk_request(body: Any) -> tuple[list[str], set[str], int, tuple[int, int, int] | None]:
    if not isinstance(body, dict):
        raise JiraError(400, ("The request body must be a JSON object.",))
    ids = body.get("issueIdsOrKeys")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise JiraError(400, ("issueIdsOrKeys must contain at least one issue ID or key.",))
    if len(ids) > 1000:
        raise JiraError(400, ("issueIdsOrKeys can contain at most 1000 issue IDs or keys.",))
    field_ids = body.get("fieldIds") or []
    if not isinstance(field_ids, list) or not all(isinstance(f, str) for f in field_ids):
        raise JiraError(400, ("fieldIds must be a list of field IDs.",))
    if len(field_ids) > 10:
        raise JiraError(400, ("fieldIds can contain at most 10 field IDs.",))
    size = body.get("maxResults", BULK_DEFAULT)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= BULK_MAX:
        raise JiraError(400, (f"maxResults must be between 1 and {BULK_MAX}.",))
    token = body.get("nextPageToken")
    return ids, set(field_ids), size, _read_bulk_token(token) if token else None


def _read_bulk_token(token: Any) -> tuple[int, int, int]:
    try:
        padded = str(token) + "=" * (-len(str(token)) % 4)
        created, issue_id, change_id = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        return int(created), int(issue_id), int(change_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise JiraError(400, ("The provided next page token is invalid or expired.",)) from None


def _bulk_token(position: tuple[int, int, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(position)).encode()).decode().rstrip("=")


def _filtered(entry: ChangeGroup, field_ids: set[str]) -> tuple[ChangeItem, ...]:
    if not field_ids:
        return entry.items
    wanted = set(field_ids)
    return tuple(
        item
        for item in entry.items
        if item.field_id in wanted or (item.field == "IssueParentAssociation" and "parent" in wanted)
    )


def _bulk_time(entry: ChangeGroup, shape: str) -> int | str:
    """`created` as `changelog/bulkfetch` writes it: epoch milliseconds on Jira Cloud (Atlassian's example
    shows a number: `"created":1492070429`, though the schema says `date-time`), or the other shapes."""
    if shape == "iso":
        return jira_time(entry.created)
    millis = int(entry.created.timestamp() * 1000)
    return millis // 1000 if shape == "epoch_s" else millis


@handles_errors
async def bulk_changelog(request: web.Request) -> web.StreamResponse:
    request_body = await json_body(request)
    ids, field_ids, size, after = _bulk_request(request_body)
    jira = store(request)
    render = renderer(request)
    shape = jira.quirks.changelog_created
    with jira.lock:
        issues: dict[int, Issue] = {}
        for reference in ids:
            issue = jira.issue(reference)
            if issue is not None:
                issues[issue.id] = issue
        entries: list[tuple[tuple[int, int, int], ChangeGroup]] = []
        for issue in issues.values():
            for entry in issue.changelog:
                items = _filtered(entry, field_ids)
                if not items:
                    continue
                position = (int(entry.created.timestamp() * 1000), issue.id, entry.id)
                if after is None or position > after:
                    entries.append(
                        (position, ChangeGroup(entry.id, entry.issue_id, entry.author, entry.created, items))
                    )
        entries.sort(key=lambda pair: pair[0])
        page = entries[:size]
        grouped: dict[int, list[dict[str, Any]]] = {}
        for _, entry in page:
            shown = render.history(entry)
            shown["created"] = _bulk_time(entry, shape)
            grouped.setdefault(entry.issue_id, []).append(shown)
        body: dict[str, Any] = {
            "issueChangeLogs": [
                {"issueId": str(issue_id), "changeHistories": histories} for issue_id, histories in grouped.items()
            ]
        }
        if len(entries) > size:
            body["nextPageToken"] = _bulk_token(page[-1][0])
        if jira.quirks.repeat_page_tokens and after is not None:
            body["nextPageToken"] = str(request_body["nextPageToken"])
        return jira_json(body)


# -- comments -----------------------------------------------------------------------------------------------


@handles_errors
async def list_comments(request: web.Request) -> web.StreamResponse:
    jira = store(request)
    start = int_param(request, "startAt", 0)
    size = int_param(request, "maxResults", 5000, minimum=1)
    order = request.query.get("orderBy")
    if order not in (None, "created", "-created", "+created"):
        raise JiraError(400, ("orderBy must be 'created', '-created' or '+created'.",))
    with jira.lock:
        issue = jira.require_issue(_key(request))
        page = renderer(request).comment_page(issue, start, size)
        if order == "-created":
            ordered = list(reversed(issue.comments))[start : start + size]
            page["comments"] = [renderer(request).comment(issue, comment) for comment in ordered]
        return jira_json(page)


@handles_errors
async def get_comment(request: web.Request) -> web.StreamResponse:
    jira = store(request)
    with jira.lock:
        issue = jira.require_issue(_key(request))
        for comment in issue.comments:
            if str(comment.id) == request.match_info["comment"]:
                return jira_json(renderer(request).comment(issue, comment))
    raise JiraError(404, (f"Can not find a comment for the id: {request.match_info['comment']}.",))


@handles_errors
async def add_comment(request: web.Request) -> web.StreamResponse:
    body = await json_body(request)
    if not isinstance(body, dict) or "body" not in body:
        raise JiraError(400, (), {"comment": "Comment body can not be empty!"})
    jira = store(request)
    with jira.lock:
        issue = jira.require_issue(_key(request))
        comment = jira.add_comment(
            issue.key, body["body"], api_version=version(request), author=current_account(request)
        )
        return jira_json(renderer(request).comment(issue, comment), 201)


# -- remote links -------------------------------------------------------------------------------------------


@handles_errors
async def list_remote_links(request: web.Request) -> web.StreamResponse:
    jira = store(request)
    render = renderer(request)
    global_id = request.query.get("globalId")
    with jira.lock:
        issue = jira.require_issue(_key(request))
        links = [link for link in issue.remote_links if global_id is None or link.global_id == global_id]
        if global_id is not None:
            if not links:
                raise JiraError(404, (f"No remote link with globalId '{global_id}' exists on issue '{issue.key}'.",))
            return jira_json(render.remote_link(issue, links[0]))
        return jira_json([render.remote_link(issue, link) for link in links])


@handles_errors
async def get_remote_link(request: web.Request) -> web.StreamResponse:
    jira = store(request)
    with jira.lock:
        issue = jira.require_issue(_key(request))
        link = jira.remote_link(issue.key, request.match_info["link"])
        return jira_json(renderer(request).remote_link(issue, link))


@handles_errors
async def upsert_remote_link(request: web.Request) -> web.StreamResponse:
    body = await json_body(request)
    jira = store(request)
    render = renderer(request)
    with jira.lock:
        issue = jira.require_issue(_key(request))
        link, created = jira.upsert_remote_link(issue.key, body)
        return jira_json(
            {"id": link.id, "self": f"{render.api}/issue/{issue.key}/remotelink/{link.id}"}, 201 if created else 200
        )


@handles_errors
async def update_remote_link(request: web.Request) -> web.StreamResponse:
    body = await json_body(request)
    jira = store(request)
    with jira.lock:
        issue = jira.require_issue(_key(request))
        link = jira.remote_link(issue.key, request.match_info["link"])
        if not isinstance(body, dict) or not isinstance(body.get("object"), dict):
            raise JiraError(400, (), {"object": "'object' is required."})
        target = body["object"]
        if not target.get("title") or not target.get("url"):
            raise JiraError(400, (), {"title" if not target.get("title") else "url": "is required."})
        link.object = dict(target)
        if "globalId" in body:
            link.global_id = body["globalId"] or None
        if "application" in body:
            link.application = body["application"] if isinstance(body["application"], dict) else None
        if "relationship" in body:
            link.relationship = body["relationship"] if isinstance(body["relationship"], str) else None
    return web.Response(status=204)


@handles_errors
async def delete_remote_link(request: web.Request) -> web.StreamResponse:
    store(request).delete_remote_link(_key(request), request.match_info["link"])
    return web.Response(status=204)


@handles_errors
async def delete_remote_links(request: web.Request) -> web.StreamResponse:
    global_id = request.query.get("globalId")
    if not global_id:
        raise JiraError(400, ("The globalId parameter is required.",))
    store(request).delete_remote_links_by_global_id(_key(request), global_id)
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    issue = f"{API}/issue/{{issue}}"
    app.router.add_post(f"{API}/issue", create_issue)
    app.router.add_get(issue, get_issue)
    app.router.add_put(issue, edit_issue)
    app.router.add_delete(issue, delete_issue)
    app.router.add_get(f"{issue}/changelog", issue_changelog)
    app.router.add_post(f"{API}/changelog/bulkfetch", bulk_changelog)
    app.router.add_get(f"{issue}/comment", list_comments)
    app.router.add_post(f"{issue}/comment", add_comment)
    app.router.add_get(f"{issue}/comment/{{comment}}", get_comment)
    app.router.add_get(f"{issue}/remotelink", list_remote_links)
    app.router.add_post(f"{issue}/remotelink", upsert_remote_link)
    app.router.add_delete(f"{issue}/remotelink", delete_remote_links)
    app.router.add_get(f"{issue}/remotelink/{{link}}", get_remote_link)
    app.router.add_put(f"{issue}/remotelink/{{link}}", update_remote_link)
    app.router.add_delete(f"{issue}/remotelink/{{link}}", delete_remote_link)


__all__ = ["add_routes"]
