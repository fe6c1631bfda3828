"""The Jira sandbox's state: users, projects, issues with their changelogs, comments and remote links.

Rules Jira enforces on writes live here and in `edits.py`, so the REST API and the scenario hooks share them;
a broken rule raises `JiraError`, which the app answers with Jira's error body. Every change to an issue,
whether a scenario step or an API write, bumps `updated`, records a changelog entry and tells the listeners
(the webhook dispatcher) what happened, with the author and the sandbox time.

The store is guarded by one re-entrant lock, so the control plane may drive it from another thread.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sandbox.clock import SandboxClock
from sandbox.jira.adf import is_adf, text_to_adf
from sandbox.jira.catalog import (
    DEFAULT_ISSUE_TYPES,
    DEFAULT_PRIORITIES,
    DEFAULT_PRIORITY,
    DEFAULT_STATUSES,
    STORY_POINTS_NAME,
    FieldDef,
    field_catalogue,
)
from sandbox.jira.edits import EditContext, FieldWriter
from sandbox.jira.errors import COMMENT_NOT_VALID, JiraError, field_errors, issue_not_found
from sandbox.jira.model import (
    CategoryKey,
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
from sandbox.jira.quirks import JiraQuirks, SearchIndex

EventKind = Literal["created", "updated", "deleted", "commented"]
ISSUE_KEY = re.compile(r"^([A-Z][A-Z0-9_]*)-([1-9][0-9]*)$")
SERVICE_ACCOUNT_ID = "557058:5a1d7e2c-0b1c-4c8e-9a6e-7a1dbeefcafe"
"""The accountId of the account the sandbox's API credentials belong to, unless a scenario user has its email."""


@dataclass(frozen=True)
class IssueEvent:
    """Something happened to an issue: what the webhook dispatcher turns into a delivery."""

    kind: EventKind
    issue: Issue
    change: ChangeGroup | None
    author: str | None
    at: datetime
    comment: Comment | None = None


Listener = Callable[[IssueEvent], None]


class JiraStore:
    """One Jira Cloud site. `load` and `apply` are the scenario hooks (`SystemHooks`)."""

    def __init__(
        self,
        clock: SandboxClock,
        *,
        api_email: str = "tandem@sandbox.test",
        story_points_name: str = STORY_POINTS_NAME,
    ) -> None:
        self.clock = clock
        self.api_email = api_email
        self.fields: tuple[FieldDef, ...] = field_catalogue(story_points_name)
        self._fields_by_id = {definition.id: definition for definition in self.fields}
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []
        self.version = 0
        """Bumped by every change, so readers can cache what they computed from the store."""
        self.read_cache: dict[Any, Any] = {}
        """Readers' scratch space (keyed with `version`); used under the store's lock."""
        self._reset()

    # -- state -----------------------------------------------------------------------------------------

    def _reset(self) -> None:
        self.version += 1
        self.users: dict[str, User] = {}
        self.projects: dict[str, Project] = {}
        self.statuses: dict[str, Status] = {s.id: s for s in DEFAULT_STATUSES}
        self.issue_types: dict[str, IssueType] = {t.id: t for t in DEFAULT_ISSUE_TYPES}
        self.priorities: dict[str, Priority] = {p.id: p for p in DEFAULT_PRIORITIES}
        self.issues: dict[int, Issue] = {}
        self._keys: dict[str, int] = {}
        self._issue_ids = itertools.count(10000)
        self._project_ids = itertools.count(10000)
        self._change_ids = itertools.count(10000)
        self._comment_ids = itertools.count(10000)
        self._link_ids = itertools.count(10000)
        self._status_ids = itertools.count(10010)
        self._type_ids = itertools.count(10010)
        self.service_account = User(SERVICE_ACCOUNT_ID, "Tandem Integration", self.api_email)
        self.quirks = JiraQuirks()
        """Jira Cloud behaviours a test switches on (`quirks.py`); back to the defaults on every load."""
        self.index = SearchIndex(self.quirks)
        """What search sees (eventually consistent with `issues` when `quirks.search_lag_seconds` > 0)."""
        self._hiding = True

    @property
    def lock(self) -> threading.RLock:
        """Hold it to read several things consistently (searches, renders)."""
        return self._lock

    def listen(self, listener: Listener) -> None:
        """Call `listener` with every `IssueEvent`, synchronously, while the store's lock is held."""
        with self._lock:
            self._listeners.append(listener)

    def _emit(self, event: IssueEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    # -- scenario hooks ----------------------------------------------------------------------------------

    def load(self, section: dict[str, Any]) -> None:
        """Reset the site and seed it from a scenario's `jira:` section (users, projects, issues).

        A rule the seed breaks is a ValueError naming the problem (the scenario machinery adds file and line).
        """
        try:
            self._load(section)
        except JiraError as error:
            raise ValueError(f"jira: {error}") from None

    def apply(self, op: dict[str, Any], at: datetime) -> None:
        """One timeline operation: `{create|update|delete: KEY, fields: {...}}` or `{user: {...}}`."""
        try:
            self._apply(op, at)
        except JiraError as error:
            raise ValueError(f"jira: {error}") from None

    def _load(self, section: dict[str, Any]) -> None:
        unknown = sorted(set(section) - {"users", "projects", "issues"})
        if unknown:
            raise ValueError(f"unknown key(s) in the jira section: {', '.join(unknown)}")
        with self._lock:
            self._reset()
            now = self.clock.now()
            for user in section.get("users", []):
                self._put_user(user)
            for project in section.get("projects", []):
                self._add_project(project)
            issues = section.get("issues", [])
            # A parent may be listed after its child: create every issue first, then link parents.
            for entry in issues:
                fields = {k: v for k, v in (entry.get("fields") or {}).items() if k != "parent"}
                self.create_issue(fields, at=now, key=str(entry["key"]), api_version=None, notify=False)
            for entry in issues:
                if "parent" in (entry.get("fields") or {}):
                    issue = self.require_issue(str(entry["key"]))
                    writer = FieldWriter(EditContext(self, now, None), issue, creating=False)
                    writer.fields({"parent": entry["fields"]["parent"]})
                    writer.commit()  # seeding: no changelog entry, no event
            self.version += 1

    def _apply(self, op: dict[str, Any], at: datetime) -> None:
        with self._lock:
            self._hiding = False  # scenario steps act as the site's own users, who see every project
            try:
                self._apply_step(op, at)
            finally:
                self._hiding = True

    def _apply_step(self, op: dict[str, Any], at: datetime) -> None:
        with self._lock:
            if "user" in op:
                self._put_user(op["user"])
                return
            fields = op.get("fields") or {}
            if "create" in op:
                self.create_issue(fields, at=at, key=str(op["create"]), api_version=None)
            elif "update" in op:
                issue = self.require_issue(str(op["update"]))
                self.edit_issue(issue.key, fields=fields, at=at, author=self._actor(issue), api_version=None)
            elif "delete" in op:
                issue = self.require_issue(str(op["delete"]))
                self.delete_issue(issue.key, at=at, author=self._actor(issue), delete_subtasks=True)
            else:
                raise ValueError(f"unknown jira timeline operation: {sorted(op)}")

    def _actor(self, issue: Issue) -> str | None:
        """Who a scenario change is attributed to: the assignee, else the project lead."""
        if issue.assignee is not None:
            return issue.assignee
        project = self.projects.get(issue.project_key)
        return project.lead if project else self.service_account.account_id

    def _put_user(self, data: dict[str, Any]) -> User:
        account = data.get("accountId")
        if not isinstance(account, str) or not account:
            raise ValueError("a Jira user needs an accountId")
        existing = self.users.get(account)
        user = existing or User(account, str(data.get("displayName") or account))
        if data.get("displayName"):
            user.display_name = str(data["displayName"])
        if "emailAddress" in data:
            user.email = data["emailAddress"]
        if "active" in data:
            user.active = bool(data["active"])
        if data.get("timeZone"):
            user.time_zone = str(data["timeZone"])
        if data.get("accountType"):
            user.account_type = str(data["accountType"])
        self.users[account] = user
        return user

    def _add_project(self, data: dict[str, Any]) -> Project:
        key = str(data["key"])
        if key in self.projects:
            raise ValueError(f"project {key} appears twice")
        lead = data.get("lead")
        if lead is not None and lead not in self.users:
            raise ValueError(f"project {key}: lead '{lead}' is not a user")
        project_id = int(data["id"]) if data.get("id") else next(self._project_ids)
        project = Project(
            project_id,
            key,
            str(data.get("name") or key),
            lead,
            type_key=str(data.get("projectTypeKey") or "software"),
            description=str(data.get("description") or ""),
        )
        self.projects[key] = project
        return project

    # -- lookups -------------------------------------------------------------------------------------------

    def field(self, field_id: str) -> FieldDef | None:
        return self._fields_by_id.get(field_id)

    def story_points_field(self) -> FieldDef:
        return self._fields_by_id["customfield_10016"]

    def issue(self, id_or_key: str) -> Issue | None:
        """An issue by key (`WEB-1`, any case) or id (`10001`); None also for an issue of a project the API
        account may not browse (`quirks.hidden_projects`), as Jira answers."""
        with self._lock:
            if id_or_key.isdigit():
                found = self.issues.get(int(id_or_key))
            else:
                issue_id = self._keys.get(id_or_key.upper())
                found = None if issue_id is None else self.issues.get(issue_id)
            if found is not None and self._hidden(found.project_key):
                return None
            return found

    def _hidden(self, project_key: str) -> bool:
        return self._hiding and project_key in self.quirks.hidden_projects

    def visible_projects(self) -> list[Project]:
        """The projects the API account may browse."""
        return [p for p in self.projects.values() if not self._hidden(p.key)]

    def require_issue(self, id_or_key: str) -> Issue:
        issue = self.issue(id_or_key)
        if issue is None:
            raise issue_not_found()
        return issue

    def all_issues(self) -> Iterator[Issue]:
        return iter(list(self.issues.values()))

    def children(self, issue: Issue) -> list[Issue]:
        """The issue's children, from an index rebuilt whenever the store changed (rendering an issue asks
        for its children, so a scan per call made one 100-issue page cost 100 full scans)."""
        with self._lock:
            cached = self.read_cache.get("children")
            if cached is None or cached[0] != self.version:
                by_parent: dict[int, list[Issue]] = {}
                for child in self.issues.values():
                    if child.parent_id is not None:
                        by_parent.setdefault(child.parent_id, []).append(child)
                cached = (self.version, by_parent)
                self.read_cache["children"] = cached
            return list(cached[1].get(issue.id, []))

    def user(self, account_id: str | None) -> User | None:
        if account_id is None:
            return None
        if account_id == self.service_account.account_id:
            return self.service_account
        return self.users.get(account_id)

    def api_user(self) -> User:
        """The account the API credentials belong to: the scenario user with that email, else a service account."""
        for user in self.users.values():
            if user.email and user.email.lower() == self.api_email.lower():
                return user
        return self.service_account

    def all_users(self) -> list[User]:
        users = list(self.users.values())
        if self.api_user() is self.service_account:
            users.append(self.service_account)
        return users

    def display_name(self, account_id: str | None) -> str | None:
        user = self.user(account_id)
        return None if user is None else user.display_name

    def project(self, id_or_key: str) -> Project | None:
        """A project by key or id; None for one the API account may not browse (Jira says it does not exist)."""
        if id_or_key.isdigit():
            found = next((p for p in self.projects.values() if p.id == int(id_or_key)), None)
        else:
            found = self.projects.get(id_or_key.upper())
        return None if found is None or self._hidden(found.key) else found

    def find_status(self, id_or_name: str) -> Status | None:
        if id_or_name in self.statuses:
            return self.statuses[id_or_name]
        folded = id_or_name.casefold()
        return next((s for s in self.statuses.values() if s.name.casefold() == folded), None)

    def add_status(self, name: str, category: CategoryKey) -> Status:
        status = Status(str(next(self._status_ids)), name, category)
        self.statuses[status.id] = status
        return status

    def find_issue_type(self, id_or_name: str) -> IssueType | None:
        if id_or_name in self.issue_types:
            return self.issue_types[id_or_name]
        folded = id_or_name.casefold()
        return next((t for t in self.issue_types.values() if t.name.casefold() == folded), None)

    def add_issue_type(self, name: str) -> IssueType:
        issuetype = IssueType(str(next(self._type_ids)), name, 0)
        self.issue_types[issuetype.id] = issuetype
        return issuetype

    def find_priority(self, id_or_name: str) -> Priority | None:
        if id_or_name in self.priorities:
            return self.priorities[id_or_name]
        folded = id_or_name.casefold()
        return next((p for p in self.priorities.values() if p.name.casefold() == folded), None)

    # -- issue writes ----------------------------------------------------------------------------------------

    def create_issue(
        self,
        fields: dict[str, Any],
        *,
        at: datetime | None = None,
        author: str | None = None,
        key: str | None = None,
        api_version: int | None = 3,
        notify: bool = True,
    ) -> Issue:
        """Create an issue from API-shaped `fields`; `key` (scenarios) picks its key instead of the next number."""
        with self._lock:
            when = at or self.clock.now()
            project = self._project_for_create(fields, key)
            errors: dict[str, str] = {}
            if "issuetype" not in fields:
                errors["issuetype"] = "Specify an issue type"
            if "summary" not in fields:
                errors["summary"] = "You must specify a summary of the issue."
            if errors:
                raise field_errors(errors)
            number = self._claim_number(project, key)
            reporter = project.lead if api_version is None else (author or self.api_user().account_id)
            issue = Issue(
                id=next(self._issue_ids),
                key=f"{project.key}-{number}",
                project_key=project.key,
                number=number,
                created=when,
                updated=when,
                summary="",
                status=self._initial_status(),
                issuetype=self.issue_types[DEFAULT_ISSUE_TYPES[2].id],
                priority=self.find_priority(DEFAULT_PRIORITY) or DEFAULT_PRIORITIES[2],
                reporter=reporter,
                creator=reporter,
                status_category_changed=when,
            )
            writer = FieldWriter(EditContext(self, when, api_version), issue, creating=True)
            writer.fields(fields)
            self._register(issue)
            try:
                writer.commit()
            except JiraError:
                self._unregister(issue)
                raise
            if issue.status.category == "done" and issue.resolution is None and "resolution" not in fields:
                issue.resolution = "Done"
                issue.resolution_date = issue.resolution_date or when
            if api_version is not None:
                self.index.written(issue.id, None, created=True)
            if notify:
                actor = author or (self._actor(issue) if api_version is None else self.api_user().account_id)
                self._emit(IssueEvent("created", issue, None, actor, when))
            return issue

    def _project_for_create(self, fields: dict[str, Any], key: str | None) -> Project:
        if key is not None:
            match = ISSUE_KEY.match(key)
            if match is None:
                raise ValueError(f"'{key}' is not an issue key")
            project = self.projects.get(match.group(1))
            if project is None:
                raise ValueError(f"issue {key}: project {match.group(1)} does not exist")
            if key in self._keys:
                raise ValueError(f"issue {key} already exists")
            return project
        reference = fields.get("project")
        ident = None
        if isinstance(reference, dict):
            ident = reference.get("id") or reference.get("key")
        project = self.project(str(ident)) if ident else None
        if project is None:
            raise field_errors({"project": "Specify a valid project ID or key"})
        return project

    def _claim_number(self, project: Project, key: str | None) -> int:
        if key is None:
            number = project.next_number
        else:
            match = ISSUE_KEY.match(key)
            assert match is not None
            number = int(match.group(2))
        project.next_number = max(project.next_number, number + 1)
        return number

    def _initial_status(self) -> Status:
        return self.find_status("To Do") or DEFAULT_STATUSES[0]

    def _register(self, issue: Issue) -> None:
        self.version += 1
        self.issues[issue.id] = issue
        self._keys[issue.key] = issue.id

    def _unregister(self, issue: Issue) -> None:
        self.version += 1
        self.issues.pop(issue.id, None)
        self._keys.pop(issue.key, None)

    def edit_issue(
        self,
        id_or_key: str,
        *,
        fields: dict[str, Any] | None = None,
        update: dict[str, Any] | None = None,
        at: datetime | None = None,
        author: str | None = None,
        api_version: int | None = 3,
    ) -> ChangeGroup | None:
        """Change fields (`fields`, and `update` operations such as labels add/remove); None when nothing changed."""
        with self._lock:
            issue = self.require_issue(id_or_key)
            when = at or self.clock.now()
            shown = self.index.before_write(issue) if api_version is not None else None
            writer = FieldWriter(EditContext(self, when, api_version), issue, creating=False)
            writer.fields(fields or {})
            writer.update(update or {})
            items = writer.commit()
            actor = author if author is not None else self.api_user().account_id
            change = self._record(issue, items, when, actor)
            if change is not None:
                self.index.written(issue.id, shown)
            return change

    def _record(self, issue: Issue, items: list[ChangeItem], when: datetime, author: str | None) -> ChangeGroup | None:
        if not items:
            return None
        self.version += 1
        change = ChangeGroup(next(self._change_ids), issue.id, author, when, tuple(items))
        issue.changelog.append(change)
        issue.updated = max(issue.updated, when)
        self._emit(IssueEvent("updated", issue, change, author, when))
        return change

    def delete_issue(
        self, id_or_key: str, *, at: datetime | None = None, author: str | None = None, delete_subtasks: bool = False
    ) -> None:
        with self._lock:
            issue = self.require_issue(id_or_key)
            when = at or self.clock.now()
            actor = author if author is not None else self.api_user().account_id
            children = self.children(issue)
            subtasks = [child for child in children if child.issuetype.subtask]
            if subtasks and not delete_subtasks:
                raise JiraError(400, ("The issue has subtasks. To delete, set the deleteSubtasks parameter to true.",))
            for subtask in subtasks:
                self._unregister(subtask)
                self._emit(IssueEvent("deleted", subtask, None, actor, when))
            self._unregister(issue)
            self._emit(IssueEvent("deleted", issue, None, actor, when))
            for child in children:
                if child.issuetype.subtask:
                    continue
                child.parent_id = None
                item = ChangeItem("IssueParentAssociation", "jira", None, str(issue.id), issue.key, None, None)
                self._record(child, [item], when, actor)

    # -- comments ----------------------------------------------------------------------------------------------

    def add_comment(
        self, id_or_key: str, body: Any, *, api_version: int = 3, at: datetime | None = None, author: str | None = None
    ) -> Comment:
        with self._lock:
            issue = self.require_issue(id_or_key)
            if api_version == 3 and not is_adf(body):
                raise JiraError(400, (), {"comment": COMMENT_NOT_VALID})
            if api_version != 3:
                if not isinstance(body, str) or not body.strip():
                    raise JiraError(400, (), {"comment": COMMENT_NOT_VALID})
                body = text_to_adf(body)
            when = at or self.clock.now()
            actor = author or self.api_user().account_id
            shown = self.index.before_write(issue)
            self.version += 1
            comment = Comment(next(self._comment_ids), actor, body, when, when)
            issue.comments.append(comment)
            issue.updated = max(issue.updated, when)
            self.index.written(issue.id, shown)
            self._emit(IssueEvent("commented", issue, None, actor, when, comment))
            return comment

    # -- remote links ------------------------------------------------------------------------------------------

    def upsert_remote_link(self, id_or_key: str, payload: Any) -> tuple[RemoteLink, bool]:
        """Create a remote link, or update the one with the same `globalId`; True when created."""
        with self._lock:
            issue = self.require_issue(id_or_key)
            if not isinstance(payload, dict):
                raise JiraError(400, ("The request body must be a JSON object.",))
            target = payload.get("object")
            errors: dict[str, str] = {}
            if not isinstance(target, dict):
                errors["object"] = "'object' is required."
            else:
                if not isinstance(target.get("title"), str) or not target["title"]:
                    errors["title"] = "'title' is required."
                if not isinstance(target.get("url"), str) or not target["url"]:
                    errors["url"] = "'url' is required."
            if errors:
                raise field_errors(errors)
            assert isinstance(target, dict)
            global_id = payload.get("globalId")
            if global_id is not None and not isinstance(global_id, str):
                raise field_errors({"globalId": "'globalId' must be a string."})
            application = payload.get("application") if isinstance(payload.get("application"), dict) else None
            relationship = payload.get("relationship") if isinstance(payload.get("relationship"), str) else None
            if global_id:
                for link in issue.remote_links:
                    if link.global_id == global_id:
                        link.object = dict(target)
                        link.application = application
                        link.relationship = relationship
                        return link, False
            link = RemoteLink(next(self._link_ids), global_id or None, dict(target), application, relationship)
            issue.remote_links.append(link)
            return link, True

    def remote_link(self, id_or_key: str, link_id: str) -> RemoteLink:
        with self._lock:
            issue = self.require_issue(id_or_key)
            for link in issue.remote_links:
                if str(link.id) == link_id:
                    return link
            raise JiraError(404, (f"No remote link with id '{link_id}' exists on issue '{issue.key}'.",))

    def delete_remote_link(self, id_or_key: str, link_id: str) -> None:
        with self._lock:
            issue = self.require_issue(id_or_key)
            link = self.remote_link(issue.key, link_id)
            issue.remote_links.remove(link)

    def delete_remote_links_by_global_id(self, id_or_key: str, global_id: str) -> None:
        with self._lock:
            issue = self.require_issue(id_or_key)
            kept = [link for link in issue.remote_links if link.global_id != global_id]
            if len(kept) == len(issue.remote_links):
                raise JiraError(404, (f"No remote link with globalId '{global_id}' exists on issue '{issue.key}'.",))
            issue.remote_links = kept


__all__ = ["SERVICE_ACCOUNT_ID", "EventKind", "IssueEvent", "JiraStore", "Listener"]
