"""Scenarios (docs/scenarios.md): a starting workspace for both vendors and a timeline of changes, in YAML or JSON.

`load_scenario(path)` / `parse_scenario(text, filename)` return a typed `Scenario` or raise a
`ScenarioError` whose message names the file, the line and the problem ("spring.yaml:12: unknown key
'summry' in jira.issues[0].fields"). Unknown keys are errors, never silently skipped. Each timeline step
keeps its line, so a step that fails later can still be traced to the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from sandbox.hubspot.properties import CAMPAIGN_PROPERTIES
from sandbox.lined_yaml import LinedDocument, NodePath, ScenarioError, where

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ISSUE_KEY = re.compile(r"^([A-Z][A-Z0-9_]{0,9})-([1-9][0-9]*)$")
PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,9}$")
JIRA_ISSUE_FIELDS = frozenset(
    {
        "summary",
        "description",
        "issuetype",
        "status",
        "assignee",
        "reporter",
        "parent",
        "labels",
        "duedate",
        "priority",
        "components",
        "fixVersions",
        "created",
        "updated",
        "resolution",
        "resolutiondate",
    }
)
CUSTOM_FIELD = re.compile(r"^customfield_\d+$")

System = Literal["hubspot", "jira", "tandem"]


# --- Sections --------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, frozen=True)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise ValueError("must be text, a number or true/false")


class OwnerTeam(_Strict):
    id: str
    name: str
    primary: bool = False


class HubSpotOwner(_Strict):
    """An owner as `GET /crm/v3/owners` returns it (id is numeric text)."""

    id: str = Field(pattern=r"^\d+$")
    email: str | None = None
    firstName: str | None = None  # the API's own field names (camelCase)
    lastName: str | None = None
    userId: int | None = None
    userIdIncludingInactive: int | None = None
    archived: bool = False
    type: Literal["PERSON", "QUEUE"] = "PERSON"
    teams: list[OwnerTeam] = Field(default_factory=list)


class HubSpotCampaign(_Strict):
    """A campaign: its GUID and properties (values as HubSpot returns them: text)."""

    id: str = Field(pattern=GUID.pattern)
    properties: dict[str, str] = Field(default_factory=dict)

    @field_validator("properties", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        unknown = sorted(set(value) - CAMPAIGN_PROPERTIES)
        if unknown:
            raise PydanticCustomError(
                "unknown_key",
                "unknown campaign property {key} (known: {known})",
                {"key": unknown[0], "known": ", ".join(sorted(CAMPAIGN_PROPERTIES))},
            )
        return {key: _scalar_text(item) for key, item in value.items()}


class HubSpotSection(_Strict):
    portal_id: int | None = Field(default=None, ge=1)
    owners: list[HubSpotOwner] = Field(default_factory=list)
    campaigns: list[HubSpotCampaign] = Field(default_factory=list)


class JiraUser(_Strict):
    accountId: str
    displayName: str | None = None
    emailAddress: str | None = None
    active: bool = True
    timeZone: str | None = None
    accountType: Literal["atlassian", "app", "customer"] = "atlassian"


class JiraProject(_Strict):
    key: str = Field(pattern=PROJECT_KEY.pattern)
    name: str
    lead: str | None = None
    id: str | None = None
    projectTypeKey: str = "software"
    description: str | None = None


def _check_issue_fields(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    unknown = sorted(name for name in value if name not in JIRA_ISSUE_FIELDS and not CUSTOM_FIELD.match(name))
    if unknown:
        raise PydanticCustomError(
            "unknown_key",
            "unknown Jira field {key} (known: {known}, customfield_N)",
            {"key": unknown[0], "known": ", ".join(sorted(JIRA_ISSUE_FIELDS))},
        )
    return value


class JiraIssue(_Strict):
    key: str = Field(pattern=ISSUE_KEY.pattern)
    fields: dict[str, Any] = Field(default_factory=dict)

    _fields = field_validator("fields", mode="before")(_check_issue_fields)


class JiraSection(_Strict):
    users: list[JiraUser] = Field(default_factory=list)
    projects: list[JiraProject] = Field(default_factory=list)
    issues: list[JiraIssue] = Field(default_factory=list)


class _Top(_Strict):
    name: str = Field(min_length=1)
    start: datetime
    end: datetime
    settings: dict[str, Any] = Field(default_factory=dict)
    hubspot: HubSpotSection | None = None
    jira: JiraSection | None = None
    timeline: list[Any] = Field(default_factory=list)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _aware(cls, value: Any) -> Any:
        if isinstance(value, str) and not re.search(r"(Z|[+-]\d{2}:?\d{2})$", value.strip()):
            raise ValueError("must be an ISO-8601 time with a zone, e.g. 2027-01-04T09:00:00Z")
        return value


# --- Steps -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One timeline step: at `at`, `system` does `action` on `target` (`op` is the step's payload)."""

    at: datetime | None
    system: System
    action: str
    """create / update / delete / owner / user (hubspot, jira); confirm / reject (tandem)."""
    target: str | None
    """Campaign id, issue key, owner id or accountId; None for tandem steps."""
    op: dict[str, Any]
    """The payload as written, e.g. {"update": "WEB-2", "fields": {...}}; what `SystemHooks.apply` gets."""
    line: int
    filename: str = "<step>"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {self.system: self.op}
        if self.at is not None:
            out["at"] = self.at.isoformat().replace("+00:00", "Z")
        return out


@dataclass(frozen=True)
class Scenario:
    name: str
    start: datetime
    end: datetime
    settings: dict[str, Any]
    hubspot: HubSpotSection | None
    jira: JiraSection | None
    timeline: list[Step]
    filename: str = "<scenario>"
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def section(self, system: str) -> dict[str, Any]:
        """The seed for one system's store (what `SystemHooks.load` gets); {} when the scenario has none."""
        if system == "hubspot" and self.hubspot is not None:
            return self.hubspot.model_dump(mode="json", exclude_unset=True)
        if system == "jira" and self.jira is not None:
            return self.jira.model_dump(mode="json", exclude_unset=True)
        return {}


_STEP_SYSTEMS = ("hubspot", "jira", "tandem")
_ACTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    # system -> action -> allowed extra keys
    "hubspot": {"create": ("properties",), "update": ("properties",), "delete": (), "owner": ()},
    "jira": {"create": ("fields",), "update": ("fields",), "delete": (), "user": ()},
    "tandem": {"confirm": (), "reject": ()},
}


def _parse_time(doc: LinedDocument, path: NodePath, value: Any) -> datetime:
    if not isinstance(value, str):
        raise doc.error(path, f'{where(path)} must be an ISO-8601 time in quotes, e.g. "2027-01-04T09:00:00Z"')
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise doc.error(path, f"{where(path)}: '{value}' is not an ISO-8601 time") from None
    if when.tzinfo is None:
        raise doc.error(path, f"{where(path)}: '{value}' has no zone (add Z for UTC)")
    return when


def _pydantic_problem(doc: LinedDocument, base: NodePath, exc: ValidationError) -> ScenarioError:
    error = exc.errors()[0]
    loc: NodePath = (*base, *(part for part in error["loc"] if isinstance(part, str | int)))
    kind = error["type"]
    if kind == "extra_forbidden":
        return doc.error(loc, f"unknown key '{loc[-1]}' in {where(loc[:-1])}")
    if kind == "missing":
        return doc.error(loc[:-1], f"missing key '{loc[-1]}' in {where(loc[:-1])}")
    if kind == "unknown_key":
        key = str((error.get("ctx") or {})["key"])
        return doc.error((*loc, key), f"{where(loc)}: {error['msg']}")
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        message = f"'{error['input']}' is not a valid {loc[-1]}"
    return doc.error(loc, f"{where(loc)}: {message}")


def _parse_step(doc: LinedDocument, path: NodePath, raw: Any, filename: str, *, require_at: bool) -> Step:
    if not isinstance(raw, dict):
        raise doc.error(path, f"{where(path)} must be a mapping with 'at' and one of hubspot, jira, tandem")
    unknown = sorted(set(raw) - {"at", *_STEP_SYSTEMS})
    if unknown:
        raise doc.error(
            (*path, unknown[0]), f"unknown key '{unknown[0]}' in a timeline step (allowed: at, hubspot, jira, tandem)"
        )
    systems = [name for name in _STEP_SYSTEMS if name in raw]
    if len(systems) != 1:
        found = ", ".join(systems) or "none"
        raise doc.error(path, f"a timeline step needs exactly one of hubspot, jira, tandem (found: {found})")
    system: System = systems[0]  # type: ignore[assignment]
    at: datetime | None = None
    if "at" in raw:
        at = _parse_time(doc, (*path, "at"), raw["at"])
    elif require_at:
        raise doc.error(path, "missing key 'at' in a timeline step")
    op_path: NodePath = (*path, system)
    op = raw[system]
    if not isinstance(op, dict):
        raise doc.error(op_path, f"{where(op_path)} must be a mapping, e.g. {{update: ID, ...}}")
    actions = _ACTIONS[system]
    named = [key for key in op if key in actions]
    if len(named) != 1:
        found = ", ".join(named) or "none"
        raise doc.error(op_path, f"a {system} step needs exactly one of {', '.join(actions)} (found: {found})")
    action = named[0]
    allowed = {action, *actions[action]}
    extra = sorted(set(op) - allowed)
    if extra:
        raise doc.error(
            (*op_path, extra[0]),
            f"unknown key '{extra[0]}' in a {system} {action} step (allowed: {', '.join(sorted(allowed))})",
        )
    target, payload = _check_op(doc, op_path, system, action, op)
    return Step(at=at, system=system, action=action, target=target, op=payload, line=doc.line(path), filename=filename)


def _check_op(
    doc: LinedDocument, path: NodePath, system: str, action: str, op: dict[str, Any]
) -> tuple[str | None, dict[str, Any]]:
    value = op[action]
    if system == "tandem":
        return None, {action: _link(doc, (*path, action), value)}
    if action in ("owner", "user"):
        model = HubSpotOwner if action == "owner" else JiraUser
        if not isinstance(value, dict):
            raise doc.error((*path, action), f"{where((*path, action))} must be a mapping")
        try:
            parsed = model.model_validate(value)
        except ValidationError as exc:
            raise _pydantic_problem(doc, (*path, action), exc) from None
        target = parsed.id if isinstance(parsed, HubSpotOwner) else parsed.accountId
        return target, {action: parsed.model_dump(mode="json", exclude_unset=True)}
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise doc.error((*path, action), f"{system} {action} names an {'id' if system == 'hubspot' else 'issue key'}")
    target = str(value)
    pattern, what = (GUID, "campaign id (a GUID)") if system == "hubspot" else (ISSUE_KEY, "issue key like WEB-1")
    if not pattern.match(target):
        raise doc.error((*path, action), f"'{target}' is not a valid {what}")
    payload: dict[str, Any] = {action: target}
    body_key = "properties" if system == "hubspot" else "fields"
    if action == "delete":
        return target, payload
    body = op.get(body_key)
    if not isinstance(body, dict) or not body:
        raise doc.error(path, f"a {system} {action} step needs non-empty '{body_key}'")
    try:
        if system == "hubspot":
            body = HubSpotCampaign.model_validate({"id": target, "properties": body}).properties
        else:
            body = JiraIssue.model_validate({"key": target, "fields": body}).fields
    except ValidationError as exc:
        raise _pydantic_problem(doc, path, exc) from None
    if system == "hubspot" and action == "create" and not body.get("hs_name"):
        raise doc.error((*path, body_key), "a created campaign needs hs_name (HubSpot requires a name)")
    payload[body_key] = body
    return target, payload


def _link(doc: LinedDocument, path: NodePath, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) != {"campaign", "work_item"}:
        raise doc.error(path, f"{where(path)} must be {{campaign: ID, work_item: KEY}}")
    campaign, work_item = str(value["campaign"]), str(value["work_item"])
    if not GUID.match(campaign):
        raise doc.error((*path, "campaign"), f"'{campaign}' is not a valid campaign id (a GUID)")
    if not ISSUE_KEY.match(work_item):
        raise doc.error((*path, "work_item"), f"'{work_item}' is not a valid issue key like WEB-1")
    return {"campaign": campaign, "work_item": work_item}


# --- Whole scenarios -------------------------------------------------------------------------------------


def _setting_names() -> frozenset[str]:
    from tandem.settings import Settings

    return frozenset(Settings.model_fields)


def _check_references(doc: LinedDocument, top: _Top, steps: list[Step]) -> None:
    campaigns: set[str] = set()
    for index, campaign in enumerate(top.hubspot.campaigns if top.hubspot else []):
        if campaign.id in campaigns:
            raise doc.error(("hubspot", "campaigns", index, "id"), f"campaign {campaign.id} appears twice")
        campaigns.add(campaign.id)
    owners = {owner.id for owner in (top.hubspot.owners if top.hubspot else [])}
    if len(owners) != len(top.hubspot.owners if top.hubspot else []):
        raise doc.error(("hubspot", "owners"), "an owner id appears twice")
    jira = top.jira or JiraSection()
    projects = {project.key for project in jira.projects}
    users = {user.accountId for user in jira.users}
    for index, project in enumerate(jira.projects):
        if project.lead is not None and project.lead not in users:
            raise doc.error(
                ("jira", "projects", index, "lead"), f"project lead '{project.lead}' is not among jira.users"
            )
    issues: set[str] = set()
    for index, issue in enumerate(jira.issues):
        if issue.key in issues:
            raise doc.error(("jira", "issues", index, "key"), f"issue {issue.key} appears twice")
        project_key = issue.key.rsplit("-", 1)[0]
        if project_key not in projects:
            raise doc.error(
                ("jira", "issues", index, "key"), f"issue {issue.key}: project {project_key} is not among jira.projects"
            )
        issues.add(issue.key)
    for step in steps:
        if step.system == "tandem" or step.action in ("owner", "user") or step.target is None:
            continue
        known = campaigns if step.system == "hubspot" else issues
        what = "campaign" if step.system == "hubspot" else "issue"
        if step.action == "create":
            if step.target in known:
                raise ScenarioError(doc.filename, step.line, f"{what} {step.target} already exists when created")
            if step.system == "jira" and step.target.rsplit("-", 1)[0] not in projects:
                raise ScenarioError(
                    doc.filename, step.line, f"issue {step.target}: its project is not among jira.projects"
                )
            known.add(step.target)
        elif step.target not in known:
            raise ScenarioError(
                doc.filename, step.line, f"{what} {step.target} does not exist at this point (to {step.action})"
            )
        elif step.action == "delete":
            known.discard(step.target)


def parse_scenario(text: str, filename: str = "<scenario>") -> Scenario:
    """Parse and check a scenario (YAML or JSON text); `filename` is used in error messages."""
    doc = LinedDocument(filename, text)
    if not isinstance(doc.value, dict):
        raise ScenarioError(filename, 1, "a scenario is a mapping with name, start, end, hubspot, jira, timeline")
    try:
        top = _Top.model_validate(doc.value)
    except ValidationError as exc:
        raise _pydantic_problem(doc, (), exc) from None
    if top.end <= top.start:
        raise doc.error(("end",), f"end ({top.end.isoformat()}) must be after start ({top.start.isoformat()})")
    known_settings = _setting_names()
    for key in top.settings:
        if key not in known_settings:
            raise doc.error(("settings", key), f"unknown setting '{key}' (see tandem/settings.py)")
    steps: list[Step] = []
    previous = top.start
    for index, raw in enumerate(top.timeline):
        step = _parse_step(doc, ("timeline", index), raw, filename, require_at=True)
        assert step.at is not None
        if not top.start <= step.at <= top.end:
            raise ScenarioError(filename, step.line, f"step time {step.at.isoformat()} is outside [start, end]")
        if step.at < previous:
            raise ScenarioError(filename, step.line, f"step time {step.at.isoformat()} is before the previous step's")
        previous = step.at
        steps.append(step)
    _check_references(doc, top, steps)
    return Scenario(
        name=top.name,
        start=top.start,
        end=top.end,
        settings=dict(top.settings),
        hubspot=top.hubspot,
        jira=top.jira,
        timeline=steps,
        filename=filename,
        raw=doc.value,
    )


def load_scenario(path: str | Path) -> Scenario:
    """Read and parse a scenario file; errors name the file as given."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(str(path), 1, f"cannot read the file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(str(path), 1, "the file is not UTF-8 text") from None
    return parse_scenario(text, str(path))


def parse_step(data: Any, source: str = "<step>") -> Step:
    """Parse one timeline step given on its own (the control plane's `POST /_sandbox/step`); `at` is optional."""
    if isinstance(data, str | bytes):
        doc = LinedDocument(source, data.decode() if isinstance(data, bytes) else data)
    else:
        doc = LinedDocument.__new__(LinedDocument)
        doc.filename, doc.lines, doc.value = source, {(): 1}, data
    return _parse_step(doc, (), doc.value, source, require_at=False)


__all__ = [
    "HubSpotCampaign",
    "HubSpotOwner",
    "HubSpotSection",
    "JiraIssue",
    "JiraProject",
    "JiraSection",
    "JiraUser",
    "Scenario",
    "ScenarioError",
    "Step",
    "load_scenario",
    "parse_scenario",
    "parse_step",
]


def step_groups(timeline: list[Step]) -> list[tuple[datetime, list[Step]]]:
    """Timeline steps grouped by their instant, in order."""
    groups: list[tuple[datetime, list[Step]]] = []
    for step in timeline:
        assert step.at is not None, "scenario steps carry their time"
        if groups and groups[-1][0] == step.at:
            groups[-1][1].append(step)
        else:
            groups.append((step.at, [step]))
    return groups
