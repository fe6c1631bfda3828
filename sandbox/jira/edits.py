"""Field writes: API-shaped values in (`{"status": {"name": "Done"}}`, `{"labels": [...]}`), changes out.

Both the REST API (`PUT /issue`, `POST /issue`) and scenario steps go through here, so they change an issue
the same way and record the same changelog items, worded as Jira words them (`from`/`to` raw ids,
`fromString`/`toString` display values, `IssueParentAssociation` for the parent). Every value is checked
before anything changes: a bad field answers Jira's 400 (`errors: {field: message}`) and the issue is untouched.

A scenario write (`api_version=None`) may do what a person does in Jira's UI and the API cannot: move an issue
to any status and introduce statuses and issue types the site does not have yet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sandbox.jira.adf import adf_text, is_adf, text_to_adf
from sandbox.jira.catalog import RESOLUTION_DONE, STATUS_CATEGORIES
from sandbox.jira.errors import NOT_ADF, cannot_set, field_errors
from sandbox.jira.model import ChangeItem, Issue, IssueType, Status

if TYPE_CHECKING:
    from sandbox.jira.store import JiraStore

Apply = Callable[[], list[ChangeItem]]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
READ_ONLY = frozenset(
    {"created", "updated", "creator", "statuscategorychangedate", "resolutiondate", "lastViewed", "statusCategory"}
)


@dataclass
class EditContext:
    store: JiraStore
    at: datetime
    api_version: int | None
    """2 or 3 for a REST write; None for a scenario write."""

    @property
    def scenario(self) -> bool:
        return self.api_version is None


def jira_date_string(value: date | None) -> str | None:
    """How a date field reads in a changelog's fromString/toString."""
    return None if value is None else f"{value.isoformat()} 00:00:00.0"


def number_string(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _named(value: Any) -> tuple[str | None, str | None]:
    """(id, name) from an API reference like `{"name": "Done"}` or `{"id": "3"}`."""
    if not isinstance(value, dict):
        return None, None
    ident = value.get("id")
    name = value.get("name")
    return (str(ident) if ident is not None else None), (name if isinstance(name, str) else None)


class FieldWriter:
    """Checks a set of field writes against one issue, then applies them all or none."""

    def __init__(self, ctx: EditContext, issue: Issue, *, creating: bool) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.issue = issue
        self.creating = creating
        self.errors: dict[str, str] = {}
        self.steps: list[Apply] = []
        self.touched: set[str] = set()
        self.new_type: IssueType | None = None
        self.new_parent: tuple[int | None] | None = None

    # -- entry points --------------------------------------------------------------------------------

    def fields(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            self.touched.add(name)
            self._one(name, value)

    def update(self, operations: dict[str, Any]) -> None:
        """`update`: per field, a list of `{"set": v}` / `{"add": v}` / `{"remove": v}` operations."""
        for name, ops in operations.items():
            if name in self.touched:
                self.errors[name] = f"Field '{name}' cannot be set in both the 'fields' and the 'update' section."
                continue
            if not isinstance(ops, list):
                self.errors[name] = f"Operations for field '{name}' must be a list."
                continue
            if name == "labels":
                self._label_operations(ops)
                continue
            for op in ops:
                if not (isinstance(op, dict) and len(op) == 1 and "set" in op):
                    verb = next(iter(op), "?") if isinstance(op, dict) else "?"
                    self.errors[name] = f"Field '{name}' does not support update operation '{verb}'."
                    break
                self._one(name, op["set"])

    def commit(self) -> list[ChangeItem]:
        """Raise Jira's 400 when anything was wrong; otherwise apply every write and return the changes."""
        if not self.errors:
            self._check_hierarchy()
        if self.errors:
            raise field_errors(self.errors)
        items: list[ChangeItem] = []
        for step in self.steps:
            items.extend(step())
        if not self.creating:
            items.extend(self._workflow_side_effects(items))
        return items

    def _check_hierarchy(self) -> None:
        """A parent sits one level above its child (epic 1 > story, task, bug 0 > subtask -1)."""
        issuetype = self.new_type or self.issue.issuetype
        parent_id = self.new_parent[0] if self.new_parent is not None else self.issue.parent_id
        parent = self.store.issues.get(parent_id) if parent_id is not None else None
        if parent is not None and parent.issuetype.hierarchy_level != issuetype.hierarchy_level + 1:
            self.errors["parent"] = "Given parent work item does not belong to appropriate hierarchy."
        elif parent is None and issuetype.subtask and (self.creating or self.new_type is not None):
            self.errors["parent"] = "Issue type is a sub-task but parent issue key or id not specified."

    # -- one field -----------------------------------------------------------------------------------

    def _one(self, name: str, value: Any) -> None:
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(self, name, value)
            return
        if name.startswith("customfield_"):
            self._custom(name, value)
            return
        if name in READ_ONLY and self.ctx.scenario:
            self._timestamp(name, value)
            return
        self.errors[name] = cannot_set(name)

    def _summary(self, name: str, value: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            self.errors[name] = "You must specify a summary of the issue."
            return
        if "\n" in value or "\r" in value:
            self.errors[name] = "The summary is invalid because it contains newline characters."
            return
        if len(value) > 255:
            self.errors[name] = "Summary must be less than 255 characters."
            return

        def apply() -> list[ChangeItem]:
            old = self.issue.summary
            self.issue.summary = value
            return [] if old == value else [ChangeItem("summary", "jira", "summary", None, old, None, value)]

        self.steps.append(apply)

    def _description(self, name: str, value: Any) -> None:
        document: dict[str, Any] | None
        if value is None:
            document = None
        elif is_adf(value):
            document = value
        elif isinstance(value, str) and self.ctx.api_version != 3:
            document = text_to_adf(value)
        else:
            self.errors[name] = NOT_ADF
            return

        def apply() -> list[ChangeItem]:
            old = self.issue.description
            self.issue.description = document
            if old == document:
                return []
            return [
                ChangeItem(
                    "description", "jira", "description", None, adf_text(old) or None, None, adf_text(document) or None
                )
            ]

        self.steps.append(apply)

    def _status(self, name: str, value: Any) -> None:
        if not self.ctx.scenario:
            self.errors[name] = cannot_set(name)
            return
        status = self._resolve_status(value)
        if status is None:
            return

        def apply() -> list[ChangeItem]:
            old = self.issue.status
            if old == status:
                return []
            self.issue.status = status
            if old.category != status.category:
                self.issue.status_category_changed = self.ctx.at
            return [ChangeItem("status", "jira", "status", old.id, old.name, status.id, status.name)]

        self.steps.append(apply)

    def _resolve_status(self, value: Any) -> Status | None:
        ident, label = _named(value)
        found = self.store.find_status(ident or label or "")
        category = value.get("statusCategory") if isinstance(value, dict) else None
        category_key = category.get("key") if isinstance(category, dict) else None
        if category_key is not None and category_key not in STATUS_CATEGORIES:
            self.errors["status"] = f"Unknown status category '{category_key}'."
            return None
        if found is not None:
            if category_key is not None and category_key != found.category:
                self.errors["status"] = (
                    f"Status '{found.name}' is in category '{found.category}', not '{category_key}'."
                )
                return None
            return found
        if label is None or category_key is None:
            self.errors["status"] = "A new status needs a name and a statusCategory key."
            return None
        return self.store.add_status(label, category_key)

    def _issuetype(self, name: str, value: Any) -> None:
        ident, label = _named(value)
        found = self.store.find_issue_type(ident or label or "")
        if found is None:
            if self.ctx.scenario and label:
                found = self.store.add_issue_type(label)
            else:
                self.errors[name] = (
                    "Specify a valid issue type" if self.creating else "The issue type selected is invalid."
                )
                return
        issuetype = found
        self.new_type = issuetype

        def apply() -> list[ChangeItem]:
            old = self.issue.issuetype
            self.issue.issuetype = issuetype
            if old == issuetype:
                return []
            return [ChangeItem("issuetype", "jira", "issuetype", old.id, old.name, issuetype.id, issuetype.name)]

        self.steps.append(apply)

    def _priority(self, name: str, value: Any) -> None:
        ident, label = _named(value)
        found = self.store.find_priority(ident or label or "")
        if found is None:
            self.errors[name] = f"Priority name '{label or ident}' is not valid"
            return
        priority = found

        def apply() -> list[ChangeItem]:
            old = self.issue.priority
            self.issue.priority = priority
            if old == priority:
                return []
            return [ChangeItem("priority", "jira", "priority", old.id, old.name, priority.id, priority.name)]

        self.steps.append(apply)

    def _user_field(self, name: str, value: Any) -> None:
        account: str | None
        if value is None:
            account = None
        elif isinstance(value, dict) and isinstance(value.get("accountId"), str):
            account = value["accountId"]
            if account == "-1":  # Jira's "automatic" assignee: the project lead
                project = self.store.projects.get(self.issue.project_key)
                account = project.lead if project else None
            elif self.store.user(account) is None:
                self.errors[name] = f"User '{account}' does not exist."
                return
        else:
            self.errors[name] = f"Specify a valid value for {name}"
            return

        def apply() -> list[ChangeItem]:
            old: str | None = getattr(self.issue, name)
            setattr(self.issue, name, account)
            if old == account:
                return []
            return [
                ChangeItem(
                    name, "jira", name, old, self.store.display_name(old), account, self.store.display_name(account)
                )
            ]

        self.steps.append(apply)

    def _labels(self, name: str, value: Any) -> None:
        labels = self._check_labels(value)
        if labels is None:
            return
        self.steps.append(lambda: self._set_labels(labels))

    def _check_labels(self, value: Any) -> list[str] | None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.errors["labels"] = "Specify the value for labels in an array of strings."
            return None
        for label in value:
            if not label or any(c.isspace() for c in label):
                self.errors["labels"] = f"The label '{label}' contains spaces which is invalid."
                return None
            if len(label) > 255:
                self.errors["labels"] = "The label must not exceed 255 characters."
                return None
        unique: list[str] = []
        for label in value:
            if label not in unique:
                unique.append(label)
        return unique

    def _set_labels(self, labels: list[str]) -> list[ChangeItem]:
        old = list(self.issue.labels)
        new = sorted(labels)
        self.issue.labels = new
        if sorted(old) == new:
            return []
        return [
            ChangeItem("labels", "jira", "labels", None, " ".join(sorted(old)) or None, None, " ".join(new) or None)
        ]

    def _label_operations(self, ops: list[Any]) -> None:
        parsed: list[tuple[str, Any]] = []
        for op in ops:
            if not (isinstance(op, dict) and len(op) == 1):
                self.errors["labels"] = "Each update operation is an object with one of: set, add, remove."
                return
            verb, argument = next(iter(op.items()))
            if verb == "set":
                checked = self._check_labels(argument)
                if checked is None:
                    return
                parsed.append((verb, checked))
            elif verb in ("add", "remove"):
                checked = self._check_labels([argument])
                if checked is None:
                    return
                parsed.append((verb, checked[0]))
            else:
                self.errors["labels"] = f"Field 'labels' does not support update operation '{verb}'."
                return

        def apply() -> list[ChangeItem]:
            labels = list(self.issue.labels)
            for verb, argument in parsed:
                if verb == "set":
                    labels = list(argument)
                elif verb == "add" and argument not in labels:
                    labels.append(argument)
                elif verb == "remove" and argument in labels:
                    labels.remove(argument)
            return self._set_labels(labels)

        self.steps.append(apply)

    def _duedate(self, name: str, value: Any) -> None:
        parsed = self._check_date(name, value)
        if parsed is False:
            return
        due = parsed if isinstance(parsed, date) else None

        def apply() -> list[ChangeItem]:
            old = self.issue.duedate
            self.issue.duedate = due
            if old == due:
                return []
            return [
                ChangeItem(
                    "duedate",
                    "jira",
                    "duedate",
                    old.isoformat() if old else None,
                    jira_date_string(old),
                    due.isoformat() if due else None,
                    jira_date_string(due),
                )
            ]

        self.steps.append(apply)

    def _check_date(self, name: str, value: Any) -> date | bool | None:
        if value is None:
            return None
        if isinstance(value, str) and _DATE.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.errors[name] = f"Error parsing date string: {value}"
        return False

    def _parent(self, name: str, value: Any) -> None:
        parent_id: int | None
        if value is None:
            parent_id = None
        else:
            ident, _ = _named(value)
            reference = ident or (value.get("key") if isinstance(value, dict) else None)
            parent = self.store.issue(str(reference)) if reference else None
            if parent is None:
                self.errors[name] = "Could not find issue by id or key."
                return
            if parent.id == self.issue.id:
                self.errors[name] = "An issue cannot be its own parent."
                return
            parent_id = parent.id
        self.new_parent = (parent_id,)
        self.steps.append(lambda: self._set_parent(parent_id))

    def _set_parent(self, parent_id: int | None) -> list[ChangeItem]:
        old_id = self.issue.parent_id
        self.issue.parent_id = parent_id
        if old_id == parent_id:
            return []
        old_key = self.store.issues[old_id].key if old_id in self.store.issues else None
        new_key = self.store.issues[parent_id].key if parent_id is not None else None
        return [
            ChangeItem(
                "IssueParentAssociation",
                "jira",
                None,
                str(old_id) if old_id is not None else None,
                old_key,
                str(parent_id) if parent_id is not None else None,
                new_key,
            )
        ]

    def _named_list(self, name: str, value: Any) -> None:
        if not isinstance(value, list) or not all(
            isinstance(v, dict) and isinstance(v.get("name"), str) for v in value
        ):
            self.errors[name] = f"Specify the value for {name} as an array of objects with a name."
            return
        names = [v["name"] for v in value]
        attribute = "fix_versions" if name == "fixVersions" else "components"
        label = "Fix Version" if name == "fixVersions" else "Component"

        def apply() -> list[ChangeItem]:
            old: list[str] = getattr(self.issue, attribute)
            setattr(self.issue, attribute, list(names))
            items = [ChangeItem(label, "jira", name, None, gone, None, None) for gone in old if gone not in names]
            items += [ChangeItem(label, "jira", name, None, None, None, new) for new in names if new not in old]
            return items

        self.steps.append(apply)

    def _resolution(self, name: str, value: Any) -> None:
        if value is None:
            resolution = None
        else:
            ident, label = _named(value)
            if (label or "").lower() != RESOLUTION_DONE[1].lower() and ident != RESOLUTION_DONE[0]:
                self.errors[name] = f"Resolution '{label or ident}' is not valid"
                return
            resolution = RESOLUTION_DONE[1]
        self.steps.append(lambda: self._set_resolution(resolution))

    def _set_resolution(self, resolution: str | None) -> list[ChangeItem]:
        old = self.issue.resolution
        if old == resolution:
            return []
        self.issue.resolution = resolution
        self.issue.resolution_date = self.ctx.at if resolution else None
        return [
            ChangeItem(
                "resolution",
                "jira",
                "resolution",
                RESOLUTION_DONE[0] if old else None,
                old,
                RESOLUTION_DONE[0] if resolution else None,
                resolution,
            )
        ]

    def _project(self, name: str, value: Any) -> None:
        if not self.creating:
            self.errors[name] = cannot_set(name)
            return
        # The project is chosen by the store before the writer runs; here it is only checked.
        ident, _ = _named(value)
        reference = ident or (value.get("key") if isinstance(value, dict) else None)
        if not reference or self.store.project(str(reference)) is None:
            self.errors[name] = "Specify a valid project ID or key"

    def _custom(self, name: str, value: Any) -> None:
        definition = self.store.field(name)
        if definition is None or not definition.custom:
            self.errors[name] = cannot_set(name)
            return
        kind = (definition.schema or {}).get("type")
        if kind == "number" and value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            self.errors[name] = "Operation value must be a number"
            return
        if kind == "string" and value is not None and not isinstance(value, str):
            self.errors[name] = "Operation value must be a string"
            return
        if kind == "date" and self._check_date(name, value) is False:
            return
        label = definition.name

        def apply() -> list[ChangeItem]:
            old = self.issue.custom.get(name)
            self.issue.custom[name] = value
            if old == value:
                return []
            return [ChangeItem(label, "custom", name, None, number_string(old), None, number_string(value))]

        self.steps.append(apply)

    def _timestamp(self, name: str, value: Any) -> None:
        """A scenario may back-date `created`/`updated`/`resolutiondate` (ISO-8601)."""
        try:
            when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            self.errors[name] = f"'{value}' is not an ISO-8601 time"
            return
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        attribute = {"resolutiondate": "resolution_date"}.get(name, name)
        if not hasattr(self.issue, attribute):
            self.errors[name] = cannot_set(name)
            return

        def apply() -> list[ChangeItem]:
            setattr(self.issue, attribute, when.astimezone(UTC))
            return []

        self.steps.append(apply)

    # -- what a workflow does on its own -------------------------------------------------------------

    def _workflow_side_effects(self, items: list[ChangeItem]) -> list[ChangeItem]:
        """Jira Cloud's simplified workflow sets the resolution entering a done status and clears it leaving."""
        if "resolution" in self.touched or not any(item.field == "status" for item in items):
            return []
        done = self.issue.status.category == "done"
        if done and self.issue.resolution is None:
            return self._set_resolution(RESOLUTION_DONE[1])
        if not done and self.issue.resolution is not None:
            return self._set_resolution(None)
        return []


_HANDLERS: dict[str, Callable[[FieldWriter, str, Any], None]] = {
    "summary": FieldWriter._summary,
    "description": FieldWriter._description,
    "status": FieldWriter._status,
    "issuetype": FieldWriter._issuetype,
    "priority": FieldWriter._priority,
    "assignee": FieldWriter._user_field,
    "reporter": FieldWriter._user_field,
    "labels": FieldWriter._labels,
    "duedate": FieldWriter._duedate,
    "parent": FieldWriter._parent,
    "components": FieldWriter._named_list,
    "fixVersions": FieldWriter._named_list,
    "resolution": FieldWriter._resolution,
    "project": FieldWriter._project,
}


__all__ = [
    "READ_ONLY",
    "EditContext",
    "FieldWriter",
    "adf_text",
    "is_adf",
    "jira_date_string",
    "number_string",
    "text_to_adf",
]
