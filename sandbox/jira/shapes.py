"""Jira's JSON: the store's records rendered as Jira Cloud's REST API shows them.

`self` links point at the sandbox's base URL and the API version of the request (`/rest/api/3/...` or `/2/`).
Version 3 shows rich text (descriptions, comments) as Atlassian Document Format, version 2 as plain text.

Times: issue fields read like Jira's (`2027-01-04T09:00:00.000+0000`). Where the published description types a
time as `date-time` (changelog and comment times, server info), the offset is written `+00:00`, which RFC 3339
requires and Jira's `+0000` is not; both parse with `datetime.fromisoformat` and `%z`. Changelog items leave out
`from`/`to` values that are null, because the description types them as non-null strings (Jira sends `null`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sandbox.jira.adf import adf_text
from sandbox.jira.catalog import RESOLUTION_DONE, STATUS_CATEGORIES, FieldDef
from sandbox.jira.model import (
    ChangeGroup,
    ChangeItem,
    Comment,
    Issue,
    IssueType,
    Priority,
    Project,
    RemoteLink,
    Status,
    User,
)
from sandbox.jira.store import JiraStore

ISSUE_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"
CHANGELOG_IN_ISSUE = 100
"""How many changelog entries `expand=changelog` includes (the most recent)."""
SERVER_VERSION = (1001, 0, 0)


def jira_time(when: datetime) -> str:
    """Jira's own timestamp format, as issue fields carry it: `2027-01-04T09:00:00.000+0000`."""
    utc = when.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def rfc3339(when: datetime) -> str:
    """The same instant as the published description's `date-time` requires: `...000+00:00`."""
    utc = when.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+00:00"


@dataclass(frozen=True)
class FieldSelection:
    """The `fields` parameter: `*all`, `*navigable`, ids, `-id` exclusions (several may be given)."""

    all: bool = False
    navigable: bool = False
    ids: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()
    ids_only: bool = False

    @classmethod
    def parse(cls, values: Iterable[str], *, default: str) -> FieldSelection:
        names = [part.strip() for value in values for part in value.split(",") if part.strip()]
        if not names:
            names = [default]
        every = "*all" in names
        navigable = "*navigable" in names
        excluded = frozenset(name[1:] for name in names if name.startswith("-"))
        ids = frozenset(name for name in names if not name.startswith(("-", "*")) and name != "id")
        if excluded and not (every or navigable or ids):
            navigable = True  # `-description` alone means every navigable field but that one
        ids_only = not (every or navigable) and not (ids - {"key", "issuekey"})
        return cls(every, navigable, ids, excluded, ids_only)

    def wants(self, definition: FieldDef) -> bool:
        if definition.id in self.excluded:
            return False
        if self.all or definition.id in self.ids:
            return True
        return self.navigable and definition.navigable


@dataclass
class Renderer:
    """Renders for one request: the site's base URL and the REST API version asked for."""

    store: JiraStore
    base_url: str
    version: int = 3
    _users: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return f"{self.base_url}/rest/api/{self.version}"

    # -- people --------------------------------------------------------------------------------------------

    def avatar_urls(self, kind: str, ident: str) -> dict[str, str]:
        sizes = {"48x48": 48, "24x24": 24, "16x16": 16, "32x32": 32}
        owner = "accountId" if kind == "user" else "pid"
        return {
            label: f"{self.base_url}/secure/{kind}avatar?size={size}&{owner}={quote(ident)}"
            for label, size in sizes.items()
        }

    def user_details(self, account_id: str | None) -> dict[str, Any] | None:
        """A user as issue fields, changelogs and comments show one (`UserDetails`)."""
        if account_id is None:
            return None
        cached = self._users.get(account_id)
        if cached is not None:
            return cached
        user = self.store.user(account_id) or User(account_id, account_id, active=False)
        shown: dict[str, Any] = {
            "self": f"{self.api}/user?accountId={quote(user.account_id)}",
            "accountId": user.account_id,
        }
        if user.email:
            shown["emailAddress"] = user.email
        shown.update(
            {
                "avatarUrls": self.avatar_urls("user", user.account_id),
                "displayName": user.display_name,
                "active": user.active,
                "timeZone": user.time_zone,
                "accountType": user.account_type,
            }
        )
        self._users[account_id] = shown
        return shown

    def user(self, user: User, *, expand: Iterable[str] = ()) -> dict[str, Any]:
        """A user as the user endpoints show one (`User`)."""
        shown = dict(self.user_details(user.account_id) or {})
        shown["locale"] = "en_US"
        wanted = set(expand)
        if "groups" in wanted:
            shown["groups"] = {"size": 1, "items": [{"name": "jira-software-users"}]}
        if "applicationRoles" in wanted:
            shown["applicationRoles"] = {"size": 1, "items": [{"key": "jira-software", "name": "Jira Software"}]}
        shown["expand"] = "groups,applicationRoles"
        return shown

    # -- vocabulary -----------------------------------------------------------------------------------------

    def status(self, status: Status) -> dict[str, Any]:
        category = STATUS_CATEGORIES[status.category]
        return {
            "self": f"{self.api}/status/{status.id}",
            "description": "",
            "iconUrl": f"{self.base_url}/images/icons/statuses/generic.png",
            "name": status.name,
            "id": status.id,
            "statusCategory": {
                "self": f"{self.api}/statuscategory/{category.id}",
                "id": category.id,
                "key": category.key,
                "colorName": category.color_name,
                "name": category.name,
            },
        }

    def issuetype(self, issuetype: IssueType) -> dict[str, Any]:
        avatar = 10300 + int(issuetype.id) % 100
        return {
            "self": f"{self.api}/issuetype/{issuetype.id}",
            "id": issuetype.id,
            "description": issuetype.description,
            "iconUrl": f"{self.base_url}/rest/api/2/universal_avatar/view/type/issuetype/avatar/{avatar}?size=medium",
            "name": issuetype.name,
            "subtask": issuetype.subtask,
            "avatarId": avatar,
            "hierarchyLevel": issuetype.hierarchy_level,
        }

    def priority(self, priority: Priority) -> dict[str, Any]:
        return {
            "self": f"{self.api}/priority/{priority.id}",
            "iconUrl": f"{self.base_url}/images/icons/priorities/{priority.name.lower()}.svg",
            "name": priority.name,
            "id": priority.id,
        }

    def resolution(self, name: str | None) -> dict[str, Any] | None:
        if name is None:
            return None
        return {
            "self": f"{self.api}/resolution/{RESOLUTION_DONE[0]}",
            "id": RESOLUTION_DONE[0],
            "description": "Work has been completed on this issue.",
            "name": name,
        }

    def project_ref(self, project: Project) -> dict[str, Any]:
        return {
            "self": f"{self.api}/project/{project.id}",
            "id": str(project.id),
            "key": project.key,
            "name": project.name,
            "projectTypeKey": project.type_key,
            "simplified": False,
            "avatarUrls": self.avatar_urls("project", str(project.id)),
        }

    def project(self, project: Project, *, expand: Iterable[str] = ()) -> dict[str, Any]:
        """A project as `GET /project/{key}` and `/project/search` show it (`Project`)."""
        wanted = set(expand)
        shown = self.project_ref(project)
        shown.update(
            {
                "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
                "description": project.description,
                "assigneeType": "UNASSIGNED",
                "components": [],
                "versions": [],
                "isPrivate": False,
                "properties": {},
                "style": "classic",
            }
        )
        lead = self.store.user(project.lead)
        if lead is not None:
            shown["lead"] = self.user(lead)
        types = sorted(self.store.issue_types.values(), key=lambda t: int(t.id))
        shown["issueTypes"] = [self.issuetype(t) for t in types]
        if "insight" in wanted:
            issues = [i for i in self.store.issues.values() if i.project_key == project.key]
            latest = max((i.updated for i in issues), default=None)
            insight: dict[str, Any] = {"totalIssueCount": len(issues)}
            if latest is not None:
                insight["lastIssueUpdateTime"] = rfc3339(latest)
            shown["insight"] = insight
        return shown

    def field(self, definition: FieldDef) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "id": definition.id,
            "key": definition.id,
            "name": definition.name,
            "custom": definition.custom,
            "orderable": definition.orderable,
            "navigable": definition.navigable,
            "searchable": definition.searchable,
            "clauseNames": list(definition.clause_names),
        }
        if definition.schema is not None:
            shown["schema"] = dict(definition.schema)
        return shown

    # -- issues ---------------------------------------------------------------------------------------------------

    def rich_text(self, document: dict[str, Any] | None) -> Any:
        if document is None:
            return None
        return document if self.version == 3 else adf_text(document)

    def issue_link(self, issue: Issue) -> dict[str, Any]:
        """A parent or sub-task as another issue's fields show it."""
        return {
            "id": str(issue.id),
            "key": issue.key,
            "self": f"{self.api}/issue/{issue.id}",
            "fields": {
                "summary": issue.summary,
                "status": self.status(issue.status),
                "priority": self.priority(issue.priority),
                "issuetype": self.issuetype(issue.issuetype),
            },
        }

    def all_fields(self, issue: Issue) -> dict[str, Any]:
        """Every field of `issue`, by field id."""
        store = self.store
        project = store.projects[issue.project_key]
        parent = store.issues.get(issue.parent_id) if issue.parent_id is not None else None
        children = store.children(issue)
        values: dict[str, Any] = {
            "statuscategorychangedate": jira_time(issue.status_category_changed or issue.created),
            "fixVersions": [self._named_item("version", name) for name in issue.fix_versions],
            "resolution": self.resolution(issue.resolution),
            "lastViewed": None,
            "priority": self.priority(issue.priority),
            "labels": list(issue.labels),
            "timeestimate": None,
            "versions": [],
            "issuelinks": [],
            "assignee": self.user_details(issue.assignee),
            "status": self.status(issue.status),
            "components": [self._named_item("component", name) for name in issue.components],
            "description": self.rich_text(issue.description),
            "timetracking": {},
            "security": None,
            "attachment": [],
            "summary": issue.summary,
            "creator": self.user_details(issue.creator),
            "subtasks": [self.issue_link(child) for child in children if child.issuetype.subtask],
            "reporter": self.user_details(issue.reporter),
            "environment": None,
            "duedate": issue.duedate.isoformat() if issue.duedate else None,
            "progress": {"progress": 0, "total": 0},
            "comment": self.comment_page(issue),
            "votes": {"self": f"{self.api}/issue/{issue.key}/votes", "votes": 0, "hasVoted": False},
            "worklog": {"startAt": 0, "maxResults": 20, "total": 0, "worklogs": []},
            "issuetype": self.issuetype(issue.issuetype),
            "project": self.project_ref(project),
            "watches": {"self": f"{self.api}/issue/{issue.key}/watchers", "watchCount": 0, "isWatching": False},
            "created": jira_time(issue.created),
            "updated": jira_time(issue.updated),
            "resolutiondate": jira_time(issue.resolution_date) if issue.resolution_date else None,
            "workratio": -1,
            "customfield_10011": issue.custom.get("customfield_10011"),
            "customfield_10014": None,
            "customfield_10015": issue.custom.get("customfield_10015"),
            "customfield_10016": issue.custom.get("customfield_10016"),
            "customfield_10019": f"0|i{issue.id:05x}:",
            "customfield_10020": None,
        }
        if parent is not None:
            values["parent"] = self.issue_link(parent)
        return values

    def _named_item(self, kind: str, name: str) -> dict[str, Any]:
        ident = str(10000 + sum(ord(c) for c in name) % 1000)
        return {"self": f"{self.api}/{kind}/{ident}", "id": ident, "name": name}

    def issue(
        self, issue: Issue, selection: FieldSelection, expand: Iterable[str] = (), *, names_at_top: bool = False
    ) -> dict[str, Any]:
        """An issue (`IssueBean`) with the selected fields and expansions."""
        wanted = set(expand)
        shown: dict[str, Any] = {
            "expand": ISSUE_EXPAND,
            "id": str(issue.id),
            "self": f"{self.api}/issue/{issue.id}",
            "key": issue.key,
        }
        chosen = [d for d in self.store.fields if selection.wants(d)]
        if chosen:
            values = self.all_fields(issue)
            shown["fields"] = {d.id: values[d.id] for d in chosen if d.id in values}
            if "names" in wanted and not names_at_top:
                shown["names"] = {d.id: d.name for d in chosen if d.id in values}
            if "schema" in wanted and not names_at_top:
                shown["schema"] = {d.id: dict(d.schema) for d in chosen if d.id in values and d.schema}
        if "changelog" in wanted:
            histories = list(reversed(issue.changelog))[:CHANGELOG_IN_ISSUE]
            shown["changelog"] = {
                "startAt": 0,
                "maxResults": len(histories),
                "total": len(issue.changelog),
                "histories": [self.history(entry) for entry in histories],
            }
        if "renderedFields" in wanted and chosen:
            shown["renderedFields"] = {d.id: None for d in chosen}
        return shown

    def names(self, selection: FieldSelection) -> dict[str, str]:
        return {d.id: d.name for d in self.store.fields if selection.wants(d)}

    def schemas(self, selection: FieldSelection) -> dict[str, dict[str, Any]]:
        return {d.id: dict(d.schema) for d in self.store.fields if selection.wants(d) and d.schema}

    # -- history, comments, links -------------------------------------------------------------------------------

    def change_item(self, item: ChangeItem) -> dict[str, Any]:
        shown: dict[str, Any] = {"field": item.field, "fieldtype": item.fieldtype}
        if item.field_id is not None:
            shown["fieldId"] = item.field_id
        for name, value in (
            ("from", item.from_value),
            ("fromString", item.from_string),
            ("to", item.to_value),
            ("toString", item.to_string),
        ):
            if value is not None:
                shown[name] = value
        return shown

    def history(self, entry: ChangeGroup) -> dict[str, Any]:
        """One changelog entry (`Changelog`)."""
        shown: dict[str, Any] = {"id": str(entry.id)}
        author = self.user_details(entry.author)
        if author is not None:
            shown["author"] = author
        shown["created"] = rfc3339(entry.created)
        shown["items"] = [self.change_item(item) for item in entry.items]
        return shown

    def comment(self, issue: Issue, comment: Comment) -> dict[str, Any]:
        author = self.user_details(comment.author)
        shown: dict[str, Any] = {"self": f"{self.api}/issue/{issue.id}/comment/{comment.id}", "id": str(comment.id)}
        if author is not None:
            shown["author"] = author
        shown["body"] = self.rich_text(comment.body)
        if author is not None:
            shown["updateAuthor"] = author
        shown.update({"created": rfc3339(comment.created), "updated": rfc3339(comment.updated), "jsdPublic": True})
        return shown

    def comment_page(self, issue: Issue, start_at: int = 0, max_results: int | None = None) -> dict[str, Any]:
        """`PageOfComments`; inside an issue's fields every comment is listed (`max_results` None)."""
        stop = None if max_results is None else start_at + max_results
        page = issue.comments[start_at:stop]
        return {
            "comments": [self.comment(issue, comment) for comment in page],
            "self": f"{self.api}/issue/{issue.id}/comment",
            "maxResults": len(page) if max_results is None else max_results,
            "total": len(issue.comments),
            "startAt": start_at,
        }

    def remote_link(self, issue: Issue, link: RemoteLink) -> dict[str, Any]:
        shown: dict[str, Any] = {"id": link.id, "self": f"{self.api}/issue/{issue.key}/remotelink/{link.id}"}
        if link.global_id is not None:
            shown["globalId"] = link.global_id
        if link.application is not None:
            shown["application"] = dict(link.application)
        if link.relationship is not None:
            shown["relationship"] = link.relationship
        shown["object"] = dict(link.object)
        return shown


__all__ = ["CHANGELOG_IN_ISSUE", "ISSUE_EXPAND", "FieldSelection", "Renderer", "jira_time", "rfc3339"]
