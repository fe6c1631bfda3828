"""What a parsed JQL query means on this site: a predicate over issues and an ordering.

Fields, operators and values are checked the way Jira checks them before searching: an unknown field, an
operator the field does not take, a value that names nothing (`project = NOPE`, `key = WEB-999`) or a date Jira
cannot read is a 400 with Jira's sentence. Fields Jira has but this sandbox does not search (`summary ~ ...`)
are refused by name, never answered with everything.

Dates: JQL compares at minute precision in the searching user's time zone; the sandbox user's zone is UTC.
A date without a time means midnight (so `created <= "2027-01-04"` excludes issues created later that day, as
in Jira); `=` with a date-only value matches the whole day. Relative dates (`-5m`, `-1d`, `-2w`, `4w 2d`) count
from the sandbox clock. `!=` and `NOT IN` never match an issue whose field is empty (Jira's rule).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sandbox.jira.catalog import STATUS_CATEGORIES
from sandbox.jira.jql import And, Clause, JqlError, Node, Not, Or, Query, SortKey, Value, where
from sandbox.jira.model import Issue

if TYPE_CHECKING:
    from sandbox.jira.store import JiraStore

Predicate = Callable[[Issue], bool]
FieldKind = Literal["project", "key", "labels", "parent", "issuetype", "status", "category", "date", "user", "number"]

EQUALITY = frozenset({"=", "!=", "in", "not in"})
RELATIONAL = frozenset({">", ">=", "<", "<="})
EMPTINESS = frozenset({"is", "is not"})

DATE_FORMATS_MESSAGE = (
    "Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', "
    "or a period format e.g. '-5d', '4w 2d'."
)
_ABSOLUTE = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$")
_PERIOD = re.compile(r"^([-+]?)\s*((?:\d+\s*[wdhm]\s*)+)$", re.IGNORECASE)
_PERIOD_PART = re.compile(r"(\d+)\s*([wdhm])", re.IGNORECASE)
_UNIT = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
_ISSUE_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)-(\d+)$")
_KNOWN_FUNCTIONS = frozenset(
    {
        "currentuser",
        "now",
        "startofday",
        "endofday",
        "startofweek",
        "endofweek",
        "startofmonth",
        "endofmonth",
        "startofyear",
        "endofyear",
        "membersof",
        "issuehistory",
        "linkedissues",
        "opensprints",
        "closedsprints",
        "futuresprints",
        "releasedversions",
        "unreleasedversions",
        "latestreleasedversion",
        "earliestunreleasedversion",
        "votedissues",
        "watchedissues",
        "currentlogin",
        "lastlogin",
        "projectsleadbyuser",
        "projectswhereuserhasrole",
        "projectswhereuserhaspermission",
        "componentsleadbyuser",
        "updatedby",
        "standardissuetypes",
        "subtaskissuetypes",
        "parentepic",
        "portfolioparentof",
        "issuepropertyentity",
    }
)


@dataclass(frozen=True)
class FieldSpec:
    kind: FieldKind
    operators: frozenset[str]
    attribute: str = ""
    """For dates: the Issue attribute; for numbers: the custom field id; for users: assignee or reporter."""
    empty_allowed: bool = False


_DATE_OPS = EQUALITY | RELATIONAL | EMPTINESS
_FIELDS: dict[str, FieldSpec] = {
    "project": FieldSpec("project", EQUALITY),
    "key": FieldSpec("key", EQUALITY | RELATIONAL),
    "labels": FieldSpec("labels", EQUALITY | EMPTINESS, empty_allowed=True),
    "parent": FieldSpec("parent", EQUALITY),
    "issuetype": FieldSpec("issuetype", EQUALITY),
    "status": FieldSpec("status", EQUALITY),
    "statuscategory": FieldSpec("category", EQUALITY),
    "updated": FieldSpec("date", _DATE_OPS, "updated", empty_allowed=True),
    "created": FieldSpec("date", _DATE_OPS, "created", empty_allowed=True),
    "duedate": FieldSpec("date", _DATE_OPS, "duedate", empty_allowed=True),
    "resolutiondate": FieldSpec("date", _DATE_OPS, "resolution_date", empty_allowed=True),
    "assignee": FieldSpec("user", EQUALITY | EMPTINESS, "assignee", empty_allowed=True),
    "reporter": FieldSpec("user", EQUALITY | EMPTINESS, "reporter", empty_allowed=True),
    "storypoints": FieldSpec("number", EQUALITY | RELATIONAL | EMPTINESS, "customfield_10016", empty_allowed=True),
}
_ALIASES = {
    "issuekey": "key",
    "id": "key",
    "issue": "key",
    "type": "issuetype",
    "updateddate": "updated",
    "createddate": "created",
    "due": "duedate",
    "resolved": "resolutiondate",
    "cf[10016]": "storypoints",
}
_SORTABLE = frozenset(
    {
        "key",
        "issuekey",
        "id",
        "created",
        "updated",
        "duedate",
        "due",
        "resolutiondate",
        "resolved",
        "priority",
        "summary",
        "status",
        "project",
        "issuetype",
        "type",
        "assignee",
        "reporter",
        "cf[10016]",
        "storypoints",
    }
)


@dataclass(frozen=True)
class Ordering:
    """ORDER BY as a list of (raw value getter, descending); ties are broken by issue id, ascending."""

    keys: tuple[tuple[str, Callable[[Issue], Hashable | None], bool], ...]


@dataclass(frozen=True)
class Compiled:
    predicate: Predicate
    ordering: Ordering
    bounded: bool
    """Whether the query restricts the search (search/jql refuses unbounded queries)."""


def compile_query(query: Query, store: JiraStore, *, now: datetime, current_user: str | None) -> Compiled:
    """Give `query` its meaning on `store`'s site; raises `JqlError` as Jira would."""
    context = _Context(store, now, current_user)
    predicate = context.node(query.where) if query.where is not None else (lambda _issue: True)
    ordering = context.ordering(query.order_by)
    return Compiled(predicate, ordering, bounded=query.where is not None)


def floor_minute(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(second=0, microsecond=0)


@dataclass(frozen=True)
class DateValue:
    """A JQL date: an instant (UTC, whole minutes); `day` when written without a time (it then spans the day)."""

    instant: datetime
    day: bool


def parse_date(text: str, now: datetime) -> DateValue | None:
    """A JQL date literal or period (`-5m`, `4w 2d`) as an instant, or None when it is neither."""
    text = text.strip()
    absolute = _ABSOLUTE.match(text)
    if absolute is not None:
        year, month, day, hour, minute = absolute.groups()
        try:
            instant = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), tzinfo=UTC)
        except ValueError:
            return None
        if hour is not None and int(hour) > 23:
            return None
        return DateValue(instant, day=hour is None)
    period = _PERIOD.match(text)
    if period is not None:
        sign = -1 if period.group(1) == "-" else 1
        total = sum((int(n) * _UNIT[u.lower()] for n, u in _PERIOD_PART.findall(period.group(2))), timedelta())
        return DateValue(floor_minute(now + sign * total), day=False)
    return None


class _Context:
    def __init__(self, store: JiraStore, now: datetime, current_user: str | None) -> None:
        self.store = store
        self.now = now
        self.current_user = current_user

    # -- boolean structure -------------------------------------------------------------------------------

    def node(self, node: Node) -> Predicate:
        if isinstance(node, And):
            parts = [self.node(part) for part in node.parts]
            return lambda issue: all(part(issue) for part in parts)
        if isinstance(node, Or):
            parts = [self.node(part) for part in node.parts]
            return lambda issue: any(part(issue) for part in parts)
        if isinstance(node, Not):
            inner = self.node(node.operand)
            return lambda issue: not inner(issue)
        return self.clause(node)

    # -- one clause ----------------------------------------------------------------------------------------

    def spec(self, name: str, line: int, column: int) -> FieldSpec:
        folded = name.casefold()
        folded = _ALIASES.get(folded, folded)
        story_points = self.store.story_points_field()
        if folded in (story_points.name.casefold(), f"{story_points.name.casefold()}[number]"):
            folded = "storypoints"
        found = _FIELDS.get(folded)
        if found is not None:
            return found
        if self._site_has(name):
            raise JqlError(
                f"Error in the JQL Query: The Jira sandbox does not search the field '{name}'. {where(line, column)}"
            )
        raise JqlError(f"Field '{name}' does not exist or you do not have permission to view it.")

    def _site_has(self, name: str) -> bool:
        folded = name.casefold()
        return any(folded in (c.casefold() for c in definition.clause_names) for definition in self.store.fields)

    def clause(self, clause: Clause) -> Predicate:
        spec = self.spec(clause.field, clause.line, clause.column)
        operator = clause.operator
        if operator not in spec.operators:
            raise JqlError(f"The operator '{clause.operator_text}' is not supported by the '{clause.field}' field.")
        if operator in ("in", "not in") and not clause.is_list:
            raise JqlError(
                f"The operator '{clause.operator_text}' requires a list of values, for example ('A', 'B'); "
                f"field '{clause.field}'."
            )
        if operator not in ("in", "not in") and clause.is_list:
            raise JqlError(
                f"The operator '{clause.operator_text}' does not support a list of values for field '{clause.field}'."
            )
        if operator in EMPTINESS and clause.values[0].kind != "empty":
            raise JqlError(
                f"The operator '{clause.operator_text}' only supports the EMPTY or NULL value "
                f"for field '{clause.field}'."
            )
        if any(value.kind == "empty" for value in clause.values) and not spec.empty_allowed:
            raise JqlError(f"Field '{clause.field}' does not support searching for EMPTY values.")
        matcher = self.matcher(spec, clause)
        return _combine(operator, matcher, clause.values, self._empty_getter(spec))

    def _empty_getter(self, spec: FieldSpec) -> Callable[[Issue], bool]:
        if spec.kind == "labels":
            return lambda issue: not issue.labels
        if spec.kind == "date":
            return lambda issue: getattr(issue, spec.attribute) is None
        if spec.kind == "user":
            return lambda issue: getattr(issue, spec.attribute) is None
        if spec.kind == "number":
            return lambda issue: issue.custom.get(spec.attribute) is None
        if spec.kind == "parent":
            return lambda issue: issue.parent_id is None
        return lambda _issue: False

    def matcher(self, spec: FieldSpec, clause: Clause) -> Callable[[Issue, Value], bool] | _Relational:
        """For =, IN (and their negations): value -> does the issue match it; for <, >: a relational test."""
        values = [value for value in clause.values if value.kind != "empty"]
        if spec.kind == "project":
            projects = {v: self._project(clause, v) for v in values}
            return lambda issue, v: issue.project_key == projects[v]
        if spec.kind == "issuetype":
            types = {v: self._named(clause, v, self.store.find_issue_type) for v in values}
            return lambda issue, v: issue.issuetype.id == types[v]
        if spec.kind == "status":
            statuses = {v: self._named(clause, v, self.store.find_status) for v in values}
            return lambda issue, v: issue.status.id == statuses[v]
        if spec.kind == "category":
            categories = {v: self._category(clause, v) for v in values}
            return lambda issue, v: issue.status.category == categories[v]
        if spec.kind == "labels":
            wanted = {v: self._text(clause, v).casefold() for v in values}
            return lambda issue, v: any(label.casefold() == wanted[v] for label in issue.labels)
        if spec.kind == "parent":
            parents = {v: self._issue_id(clause, v) for v in values}
            return lambda issue, v: issue.parent_id == parents[v]
        if spec.kind == "user":
            users = {v: self._user(clause, v) for v in values}
            return lambda issue, v: getattr(issue, spec.attribute) == users[v]
        if spec.kind == "key":
            if clause.operator in RELATIONAL:
                target = self.store.issues[self._issue_id(clause, values[0])]
                return _Relational(
                    clause.operator,
                    lambda issue: issue.number if issue.project_key == target.project_key else None,
                    target.number,
                )
            ids = {v: self._issue_id(clause, v) for v in values}
            return lambda issue, v: issue.id == ids[v]
        if spec.kind == "number":
            numbers = {v: self._number(clause, v) for v in values}
            if clause.operator in RELATIONAL:
                return _Relational(clause.operator, lambda issue: issue.custom.get(spec.attribute), numbers[values[0]])
            return lambda issue, v: issue.custom.get(spec.attribute) == numbers[v]
        # dates
        dates = {v: self._date(clause, v) for v in values}
        getter = _date_getter(spec.attribute)
        if clause.operator in RELATIONAL:
            return _Relational(clause.operator, getter, dates[values[0]].instant)

        def equal(issue: Issue, v: Value) -> bool:
            instant = getter(issue)
            if instant is None:
                return False
            wanted = dates[v]
            if wanted.day:
                return wanted.instant <= instant < wanted.instant + timedelta(days=1)
            return instant == wanted.instant

        return equal

    # -- values -----------------------------------------------------------------------------------------------

    def _text(self, clause: Clause, value: Value) -> str:
        if value.kind == "function":
            raise self._function_error(clause, value)
        return value.text

    def _function_error(self, clause: Clause, value: Value) -> JqlError:
        if value.text.casefold() not in _KNOWN_FUNCTIONS:
            return JqlError(f"Unable to find JQL function '{value.text}({', '.join(value.args)})'.")
        return JqlError(f"A value provided by the function '{value.text}' is invalid for the field '{clause.field}'.")

    def _missing(self, clause: Clause, value: Value) -> JqlError:
        return JqlError(f"The value '{value.text}' does not exist for the field '{clause.field}'.")

    def _project(self, clause: Clause, value: Value) -> str:
        text = self._text(clause, value)
        project = self.store.project(text) or next(
            (p for p in self.store.visible_projects() if p.name.casefold() == text.casefold()), None
        )
        if project is None:
            raise self._missing(clause, value)
        return project.key

    def _named(self, clause: Clause, value: Value, find: Callable[[str], Any]) -> str:
        found = find(self._text(clause, value))
        if found is None:
            raise self._missing(clause, value)
        return str(found.id)

    def _category(self, clause: Clause, value: Value) -> str:
        text = self._text(clause, value).casefold()
        for category in STATUS_CATEGORIES.values():
            if text in (category.key, category.name.casefold(), str(category.id)):
                return category.key
        raise self._missing(clause, value)

    def _issue_id(self, clause: Clause, value: Value) -> int:
        text = self._text(clause, value)
        if not (_ISSUE_KEY.match(text) or text.isdigit()):
            raise JqlError(f"The issue key '{text}' for field '{clause.field}' is invalid.")
        issue = self.store.issue(text)
        if issue is None:
            noun = "id" if text.isdigit() else "key"
            raise JqlError(f"An issue with {noun} '{text}' does not exist for field '{clause.field}'.")
        return issue.id

    def _user(self, clause: Clause, value: Value) -> str:
        if value.kind == "function":
            if value.text.casefold() == "currentuser" and not value.args:
                if self.current_user is None:
                    raise JqlError("The function 'currentUser' requires an authenticated user.")
                return self.current_user
            raise self._function_error(clause, value)
        folded = value.text.casefold()
        for user in self.store.all_users():
            if folded in (user.account_id.casefold(), user.display_name.casefold(), (user.email or "").casefold()):
                return user.account_id
        raise self._missing(clause, value)

    def _number(self, clause: Clause, value: Value) -> float:
        text = self._text(clause, value)
        try:
            return float(text)
        except ValueError:
            raise JqlError(f"The value '{text}' for field '{clause.field}' is not a valid number.") from None

    def _date(self, clause: Clause, value: Value) -> DateValue:
        if value.kind == "function":
            return self._date_function(clause, value)
        parsed = parse_date(value.text, self.now)
        if parsed is None:
            raise JqlError(f"Date value '{value.text}' for field '{clause.field}' is invalid. {DATE_FORMATS_MESSAGE}")
        return parsed

    def _date_function(self, clause: Clause, value: Value) -> DateValue:
        name = value.text.casefold()
        today = floor_minute(self.now).replace(hour=0, minute=0)
        if value.args:
            raise JqlError(f"The Jira sandbox does not support arguments to the function '{value.text}'.")
        if name == "now":
            return DateValue(floor_minute(self.now), day=False)
        if name == "startofday":
            return DateValue(today, day=False)
        if name == "endofday":
            return DateValue(today + timedelta(hours=23, minutes=59), day=False)
        raise self._function_error(clause, value)

    # -- ORDER BY ------------------------------------------------------------------------------------------------

    def ordering(self, order_by: tuple[SortKey, ...]) -> Ordering:
        if not order_by:
            return Ordering((("key", _sort_getter("key", self.store), True),))
        keys = []
        for sort in order_by:
            folded = sort.field.casefold()
            if self._is_story_points(folded):
                folded = "storypoints"
            if folded not in _SORTABLE:
                if not self._site_has(sort.field):
                    raise JqlError(f"Field '{sort.field}' does not exist or you do not have permission to view it.")
                if folded in ("labels", "statuscategory", "parent", "comment"):
                    raise JqlError(f"Field '{sort.field}' does not support sorting.")
                raise JqlError(
                    f"Error in the JQL Query: The Jira sandbox does not sort by the field '{sort.field}'. "
                    f"{where(sort.line, sort.column)}"
                )
            keys.append((folded, _sort_getter(folded, self.store), sort.descending))
        return Ordering(tuple(keys))

    def _is_story_points(self, folded: str) -> bool:
        name = self.store.story_points_field().name.casefold()
        return folded in ("cf[10016]", name, f"{name}[number]")


@dataclass(frozen=True)
class _Relational:
    operator: str
    getter: Callable[[Issue], Any]
    bound: Any

    def __call__(self, issue: Issue) -> bool:
        value = self.getter(issue)
        if value is None:
            return False
        if self.operator == ">":
            return bool(value > self.bound)
        if self.operator == ">=":
            return bool(value >= self.bound)
        if self.operator == "<":
            return bool(value < self.bound)
        return bool(value <= self.bound)


def _combine(
    operator: str,
    matcher: Callable[[Issue, Value], bool] | _Relational,
    values: tuple[Value, ...],
    is_empty: Callable[[Issue], bool],
) -> Predicate:
    if isinstance(matcher, _Relational):
        return matcher
    wants_empty = any(value.kind == "empty" for value in values)
    concrete = [value for value in values if value.kind != "empty"]
    if operator == "is":
        return is_empty
    if operator == "is not":
        return lambda issue: not is_empty(issue)

    def any_match(issue: Issue) -> bool:
        return (wants_empty and is_empty(issue)) or any(matcher(issue, value) for value in concrete)

    if operator in ("=", "in"):
        return any_match
    # != and NOT IN: an empty field never matches, unless EMPTY itself is what is excluded.
    if wants_empty:
        return lambda issue: not any_match(issue)
    return lambda issue: not is_empty(issue) and not any_match(issue)


def _date_getter(attribute: str) -> Callable[[Issue], datetime | None]:
    def get(issue: Issue) -> datetime | None:
        value = getattr(issue, attribute)
        if value is None:
            return None
        if isinstance(value, datetime):
            return floor_minute(value)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        return None

    return get


def _sort_getter(field: str, store: JiraStore) -> Callable[[Issue], Hashable | None]:
    """A raw, JSON-representable sort value (so a page token can carry it)."""
    if field in ("key", "issuekey"):
        return lambda issue: (issue.project_key, issue.number)
    if field == "id":
        return lambda issue: issue.id
    if field in ("created", "updated", "resolutiondate", "resolved"):
        attribute = {"resolved": "resolution_date", "resolutiondate": "resolution_date"}.get(field, field)
        return lambda issue: _millis(getattr(issue, attribute))
    if field in ("duedate", "due"):
        return lambda issue: issue.duedate.isoformat() if issue.duedate else None
    if field == "priority":
        return lambda issue: int(issue.priority.id)
    if field == "summary":
        return lambda issue: issue.summary.casefold()
    if field == "status":
        return lambda issue: issue.status.name.casefold()
    if field == "project":
        return lambda issue: issue.project_key
    if field in ("issuetype", "type"):
        return lambda issue: issue.issuetype.name.casefold()
    if field in ("assignee", "reporter"):
        return lambda issue: (store.display_name(getattr(issue, field)) or "").casefold() or None
    return lambda issue: issue.custom.get("customfield_10016")


def _millis(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


__all__ = ["Compiled", "DateValue", "Ordering", "compile_query", "floor_minute", "parse_date"]
