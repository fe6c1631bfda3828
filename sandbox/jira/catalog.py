"""The site's fixed vocabulary: status categories, the default statuses, issue types and priorities, and the
field catalogue `GET /rest/api/3/field` returns (ids and names as a Jira Software Cloud site has them).

Story points live in a custom field found by name, as on a real site: `customfield_10016`, named
"Story point estimate" (the name Jira Software Cloud gives it) unless the store is told otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.jira.model import CategoryKey, IssueType, Priority, Status, StatusCategory

STATUS_CATEGORIES: dict[CategoryKey, StatusCategory] = {
    "undefined": StatusCategory(1, "undefined", "No Category", "medium-gray"),
    "new": StatusCategory(2, "new", "To Do", "blue-gray"),
    "indeterminate": StatusCategory(4, "indeterminate", "In Progress", "yellow"),
    "done": StatusCategory(3, "done", "Done", "green"),
}

DEFAULT_STATUSES = (
    Status("10000", "To Do", "new"),
    Status("3", "In Progress", "indeterminate"),
    Status("10001", "Done", "done"),
    Status("10002", "Backlog", "new"),
    Status("10003", "In Review", "indeterminate"),
)

DEFAULT_ISSUE_TYPES = (
    IssueType("10000", "Epic", 1, description="A big user story that needs to be broken down."),
    IssueType("10001", "Story", 0, description="Functionality or a feature expressed as a user goal."),
    IssueType("10002", "Task", 0, description="A small, distinct piece of work."),
    IssueType("10003", "Subtask", -1, subtask=True, description="A small piece of work that's part of a larger task."),
    IssueType("10004", "Bug", 0, description="A problem or error."),
)

DEFAULT_PRIORITIES = (
    Priority("1", "Highest"),
    Priority("2", "High"),
    Priority("3", "Medium"),
    Priority("4", "Low"),
    Priority("5", "Lowest"),
)
DEFAULT_PRIORITY = "Medium"
RESOLUTION_DONE = ("10000", "Done")
"""The resolution Jira Cloud's simplified workflows set when an issue enters a done status."""

STORY_POINTS_FIELD = "customfield_10016"
STORY_POINTS_NAME = "Story point estimate"


@dataclass(frozen=True)
class FieldDef:
    """One entry of `GET /field`: what the field is called, how JQL names it, what its values look like."""

    id: str
    name: str
    schema: dict[str, Any] | None
    clause_names: tuple[str, ...]
    custom: bool = False
    navigable: bool = True
    orderable: bool = True
    searchable: bool = True


def _system(
    id: str,
    name: str,
    type_: str | None,
    clauses: tuple[str, ...] = (),
    *,
    items: str | None = None,
    navigable: bool = True,
    orderable: bool = True,
    searchable: bool = True,
) -> FieldDef:
    schema: dict[str, Any] | None = None
    if type_ is not None:
        schema = {"type": type_, "system": id}
        if items is not None:
            schema = {"type": type_, "items": items, "system": id}
    return FieldDef(id, name, schema, clauses, navigable=navigable, orderable=orderable, searchable=searchable)


def _custom(number: int, name: str, type_: str, custom: str, *, items: str | None = None) -> FieldDef:
    schema: dict[str, Any] = {"type": type_, "custom": custom, "customId": number}
    if items is not None:
        schema = {"type": type_, "items": items, "custom": custom, "customId": number}
    return FieldDef(
        f"customfield_{number}",
        name,
        schema,
        (f"cf[{number}]", name, f"{name}[{_clause_kind(type_)}]"),
        custom=True,
    )


def _clause_kind(type_: str) -> str:
    return {"number": "Number", "date": "Date", "string": "Short text", "array": "Select List"}.get(type_, "Other")


def field_catalogue(story_points_name: str = STORY_POINTS_NAME) -> tuple[FieldDef, ...]:
    """Every field the site reports, system fields first, in the order `GET /field` lists them."""
    return (
        _system("statuscategorychangedate", "Status Category Changed", "datetime", ("statusCategoryChangedDate",)),
        _system("parent", "Parent", None, ("parent",), orderable=True),
        _system("fixVersions", "Fix versions", "array", ("fixVersion",), items="version"),
        _system("resolution", "Resolution", "resolution", ("resolution",)),
        _system("lastViewed", "Last Viewed", "datetime", ("lastViewed",), orderable=False),
        _system("priority", "Priority", "priority", ("priority",)),
        _system("labels", "Labels", "array", ("labels",), items="string"),
        _system("timeestimate", "Remaining Estimate", "number", ("remainingEstimate", "timeestimate"), orderable=False),
        _system("versions", "Affects versions", "array", ("affectedVersion",), items="version"),
        _system("issuelinks", "Linked Issues", "array", ("issueLink",), items="issuelinks"),
        _system("assignee", "Assignee", "user", ("assignee",)),
        _system("status", "Status", "status", ("status",), orderable=False),
        _system("components", "Components", "array", ("component",), items="component"),
        _system("issuekey", "Key", None, ("id", "issue", "issuekey", "key"), orderable=False),
        _system("description", "Description", "string", ("description",)),
        _system("timetracking", "Time tracking", "timetracking", (), navigable=False, searchable=False),
        _system("security", "Security Level", "securitylevel", ("level",)),
        _system("attachment", "Attachment", "array", ("attachments",), items="attachment", orderable=False),
        _system("summary", "Summary", "string", ("summary",)),
        _system("creator", "Creator", "user", ("creator",), orderable=False),
        _system("subtasks", "Sub-tasks", "array", ("subtasks",), items="issuelinks", orderable=False),
        _system("reporter", "Reporter", "user", ("reporter",)),
        _system("environment", "Environment", "string", ("environment",)),
        _system("duedate", "Due date", "date", ("due", "duedate")),
        _system("progress", "Progress", "progress", ("progress",), orderable=False),
        _system("comment", "Comment", "comments-page", ("comment",), navigable=False),
        _system("votes", "Votes", "votes", ("votes",), orderable=False),
        _system("worklog", "Log Work", "array", (), items="worklog", navigable=False, searchable=False),
        _system("issuetype", "Issue Type", "issuetype", ("issuetype", "type")),
        _system("project", "Project", "project", ("project",), orderable=False),
        _system("watches", "Watchers", "watches", ("watchers",), orderable=False),
        _system("created", "Created", "datetime", ("created", "createdDate"), orderable=False),
        _system("updated", "Updated", "datetime", ("updated", "updatedDate"), orderable=False),
        _system("resolutiondate", "Resolved", "datetime", ("resolutiondate", "resolved"), orderable=False),
        _system("workratio", "Work Ratio", "number", ("workratio",), orderable=False),
        _system("statusCategory", "Status Category", "statusCategory", ("statusCategory",), orderable=False),
        _custom(10011, "Epic Name", "string", "com.pyxis.greenhopper.jira:gh-epic-label"),
        _custom(10014, "Epic Link", "any", "com.pyxis.greenhopper.jira:gh-epic-link"),
        _custom(10015, "Start date", "date", "com.atlassian.jira.plugin.system.customfieldtypes:datepicker"),
        _custom(10016, story_points_name, "number", "com.pyxis.greenhopper.jira:jsw-story-points"),
        _custom(10019, "Rank", "any", "com.pyxis.greenhopper.jira:gh-lexo-rank"),
        _custom(10020, "Sprint", "array", "com.pyxis.greenhopper.jira:gh-sprint", items="json"),
    )


__all__ = [
    "DEFAULT_ISSUE_TYPES",
    "DEFAULT_PRIORITIES",
    "DEFAULT_PRIORITY",
    "DEFAULT_STATUSES",
    "RESOLUTION_DONE",
    "STATUS_CATEGORIES",
    "STORY_POINTS_FIELD",
    "STORY_POINTS_NAME",
    "FieldDef",
    "field_catalogue",
]
