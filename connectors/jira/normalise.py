"""Jira API JSON → Tandem records (pure functions; a bad issue raises `ObjectError`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from typing import Any

from connectors.http.errors import ObjectError
from streams.records import Person, RecordError, RemoteLink, WorkItemSnapshot

BASE_FIELDS = ("summary", "issuetype", "status", "parent", "labels", "assignee", "duedate", "updated", "project")
STORY_POINT_NAMES = ("story point estimate", "story points")
CATEGORIES = frozenset({"new", "indeterminate", "done"})


EPOCH_MILLISECONDS_FROM = 100_000_000_000
"""Epoch numbers at or above this are milliseconds (1973-03-03 in ms); below, seconds (year 5138 in s)."""


def parse_time(value: Any, what: str) -> datetime:
    """Every shape Jira sends a time in.

    - ISO-8601 strings: `2027-01-04T09:00:00.000+0000` in issue fields, `...+00:00` or `...Z` elsewhere;
    - epoch numbers: milliseconds from `changelog/bulkfetch` on Jira Cloud and in webhooks, seconds in
      Atlassian's own bulkfetch example (`1492070429`); told apart by size, so neither lands in 1970;
    - epoch numbers as strings (`"1791038284541"`).
    """
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) >= EPOCH_MILLISECONDS_FROM else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise ObjectError(f"{what} is not a time: {value!r}") from None
    if not isinstance(value, str) or not value:
        raise ObjectError(f"{what} is missing or not a time: {value!r}")
    for parse in (datetime.fromisoformat, lambda v: datetime.strptime(v, "%Y-%m-%dT%H:%M:%S.%f%z")):
        try:
            parsed = parse(value.replace("Z", "+00:00"))
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ObjectError(f"{what} is not a time: {value!r}")


def story_points_field(fields: list[dict[str, Any]], fallback: str) -> str:
    """The story points field, found by name (sites differ); `fallback` when no field has a known name."""
    named = [f for f in fields if f.get("custom") and str(f.get("name", "")).strip().casefold() in STORY_POINT_NAMES]
    if any(f.get("id") == fallback for f in named):
        return fallback
    for name in STORY_POINT_NAMES:
        for f in named:
            if str(f.get("name", "")).strip().casefold() == name and isinstance(f.get("id"), str):
                return str(f["id"])
    return fallback


def search_fields(points_field: str, campaign_field: str | None) -> list[str]:
    return [*BASE_FIELDS, points_field, *([campaign_field] if campaign_field else [])]


def issues_jql(projects: Iterable[str], after: datetime | None, zone: tzinfo) -> str:
    """Issues of `projects` updated at or after `after` (minute precision, in the API user's time zone),
    oldest first; all of them when `after` is None."""
    clause = "project in (" + ", ".join(f'"{p}"' for p in projects) + ")"
    if after is not None:
        clause += f' AND updated >= "{after.astimezone(zone):%Y-%m-%d %H:%M}"'
    return clause + " ORDER BY updated ASC"


def person(user: Any) -> Person | None:
    """A Jira user (`UserDetails`) as a `Person`; the email is often hidden by the user's privacy settings."""
    if not isinstance(user, dict) or not user.get("accountId"):
        return None
    return Person(
        id=str(user["accountId"]), name=user.get("displayName") or None, email=user.get("emailAddress") or None
    )


def campaign_values(value: Any) -> list[str]:
    """Whatever the campaign custom field holds (text, number, option, list of them) as strings."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [text for item in value for text in campaign_values(item)]
    if isinstance(value, dict):
        for key in ("value", "name", "url"):
            if isinstance(value.get(key), str):
                return campaign_values(value[key])
        return []
    if isinstance(value, bool):
        return []
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def remote_link(raw: dict[str, Any]) -> RemoteLink | None:
    target = raw.get("object") or {}
    url = target.get("url") if isinstance(target, dict) else None
    if not isinstance(url, str) or not url:
        return None
    return RemoteLink(url=url, title=target.get("title") or None, global_id=raw.get("globalId") or None)


def status_changes(histories: Iterable[dict[str, Any]]) -> tuple[dict[str, datetime], dict[str, ObjectError]]:
    """issue id → time of its latest status change, from `changelog/bulkfetch` pages' `issueChangeLogs`; and
    issue id → the error for issues whose status-change time cannot be read (they are dead-lettered, not
    produced with a wrong time)."""
    latest: dict[str, datetime] = {}
    broken: dict[str, ObjectError] = {}
    for entry in histories:
        issue_id = str(entry.get("issueId"))
        for history in entry.get("changeHistories") or []:
            if not any(
                item.get("field") == "status" or item.get("fieldId") == "status" for item in history.get("items") or []
            ):
                continue
            created = history.get("created")
            if created is None:
                continue
            try:
                when = parse_time(created, f"changelog {history.get('id')} of issue {issue_id}: created")
            except ObjectError as exc:
                broken.setdefault(issue_id, exc)
                continue
            if issue_id not in latest or when > latest[issue_id]:
                latest[issue_id] = when
    return latest, broken


def status_change_times(histories: Iterable[dict[str, Any]]) -> dict[str, datetime]:
    """issue id → time of its latest status change (`ObjectError` for an unreadable time)."""
    latest, broken = status_changes(histories)
    for error in broken.values():
        raise error
    return latest


def updated_of(issue: dict[str, Any]) -> datetime:
    return parse_time((issue.get("fields") or {}).get("updated"), f"issue {issue.get('key')} updated")


def work_item_snapshot(
    issue: dict[str, Any],
    *,
    points_field: str,
    campaign_field: str | None,
    leads: dict[str, Person],
    status_changed_at: datetime | None,
    remote_links: list[dict[str, Any]] | None,
    site_url: str,
) -> WorkItemSnapshot:
    """An issue (`IssueBean` with the fields of `search_fields`) as a `WorkItemSnapshot`."""
    key = issue.get("key")
    if not isinstance(key, str) or not key:
        raise ObjectError("issue without a key")
    fields = issue.get("fields")
    if not isinstance(fields, dict):
        raise ObjectError(f"issue {key} has no fields")
    project = (fields.get("project") or {}).get("key") or key.rsplit("-", 1)[0]
    status = fields.get("status") or {}
    category = (status.get("statusCategory") or {}).get("key")
    points = fields.get(points_field)
    if points is not None and (isinstance(points, bool) or not isinstance(points, int | float)):
        raise ObjectError(f"issue {key}: story points ({points_field}) is not a number: {points!r}")
    labels = fields.get("labels") or []
    if not isinstance(labels, list):
        raise ObjectError(f"issue {key}: labels is not a list")
    links = [link for link in (remote_link(raw) for raw in remote_links or []) if link is not None]
    try:
        return WorkItemSnapshot(
            key=key,
            project=str(project),
            source_updated_at=parse_time(fields.get("updated"), f"issue {key} updated"),
            issue_type=(fields.get("issuetype") or {}).get("name"),
            summary=fields.get("summary") or "",
            status=status.get("name"),
            status_category=category if category in CATEGORIES else None,
            status_changed_at=status_changed_at,
            parent=(fields.get("parent") or {}).get("key"),
            labels=[str(label) for label in labels],
            campaign_refs=campaign_values(fields.get(campaign_field)) if campaign_field else [],
            assignee=person(fields.get("assignee")),
            project_lead=leads.get(str(project)),
            due_date=fields.get("duedate") or None,
            size=float(points) if points is not None else None,
            remote_links=links,
            url=f"{site_url.rstrip('/')}/browse/{key}",
        )
    except RecordError as exc:
        raise ObjectError(f"issue {key}: {exc}") from None


def work_item_tombstone(key: str, at: datetime, project: str | None = None) -> WorkItemSnapshot:
    """The record saying issue `key` is gone (deleted at `at`)."""
    return WorkItemSnapshot(key=key, project=project or key.rsplit("-", 1)[0], source_updated_at=at, deleted=True)


__all__ = [
    "BASE_FIELDS",
    "EPOCH_MILLISECONDS_FROM",
    "campaign_values",
    "issues_jql",
    "parse_time",
    "person",
    "remote_link",
    "search_fields",
    "status_change_times",
    "status_changes",
    "story_points_field",
    "updated_of",
    "work_item_snapshot",
    "work_item_tombstone",
]
