"""What a Jira site holds, as the sandbox keeps it: plain records, rendered to Jira's JSON by `shapes.py`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

CategoryKey = Literal["undefined", "new", "indeterminate", "done"]


@dataclass
class User:
    account_id: str
    display_name: str
    email: str | None = None
    active: bool = True
    time_zone: str = "UTC"
    account_type: str = "atlassian"


@dataclass
class Project:
    id: int
    key: str
    name: str
    lead: str | None
    """accountId of the project lead."""
    type_key: str = "software"
    description: str = ""
    next_number: int = 1


@dataclass(frozen=True)
class StatusCategory:
    id: int
    key: CategoryKey
    name: str
    color_name: str


@dataclass(frozen=True)
class Status:
    id: str
    name: str
    category: CategoryKey


@dataclass(frozen=True)
class IssueType:
    id: str
    name: str
    hierarchy_level: int
    subtask: bool = False
    description: str = ""


@dataclass(frozen=True)
class Priority:
    id: str
    name: str


@dataclass(frozen=True)
class ChangeItem:
    """One field's change in a history entry, with Jira's raw ids (`from`/`to`) and display strings."""

    field: str
    fieldtype: str
    field_id: str | None
    from_value: str | None
    from_string: str | None
    to_value: str | None
    to_string: str | None


@dataclass(frozen=True)
class ChangeGroup:
    """A changelog entry ("history"): everything one edit changed, by whom, when."""

    id: int
    issue_id: int
    author: str | None
    created: datetime
    items: tuple[ChangeItem, ...]


@dataclass
class Comment:
    id: int
    author: str | None
    body: dict[str, Any]
    """An Atlassian Document Format document."""
    created: datetime
    updated: datetime


@dataclass
class RemoteLink:
    id: int
    global_id: str | None
    object: dict[str, Any]
    application: dict[str, Any] | None = None
    relationship: str | None = None


@dataclass
class Issue:
    id: int
    key: str
    project_key: str
    number: int
    created: datetime
    updated: datetime
    summary: str
    status: Status
    issuetype: IssueType
    priority: Priority
    description: dict[str, Any] | None = None
    assignee: str | None = None
    reporter: str | None = None
    creator: str | None = None
    labels: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    fix_versions: list[str] = field(default_factory=list)
    duedate: date | None = None
    parent_id: int | None = None
    resolution: str | None = None
    resolution_date: datetime | None = None
    status_category_changed: datetime | None = None
    custom: dict[str, Any] = field(default_factory=dict)
    """Custom field values by field id (`customfield_10016`), in the API's own shapes."""
    changelog: list[ChangeGroup] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    remote_links: list[RemoteLink] = field(default_factory=list)


__all__ = [
    "CategoryKey",
    "ChangeGroup",
    "ChangeItem",
    "Comment",
    "Issue",
    "IssueType",
    "Priority",
    "Project",
    "RemoteLink",
    "Status",
    "StatusCategory",
    "User",
]
