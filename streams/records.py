"""Typed records at every topic boundary (docs/architecture.md).

Records serialise as plain JSON objects (no Faust metadata), so anything that speaks JSON can produce
them. Dates are ISO `YYYY-MM-DD` strings (Faust has no `date` codec); timestamps are timezone-aware
datetimes. `decode()` turns raw topic bytes into a record and raises `RecordError` saying what is wrong,
which sends the record to the dead-letter topic.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar

import faust

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RecordError(ValueError):
    """Bytes on a topic are not a valid record of the expected type (a poison record)."""


class TandemRecord(faust.Record, abstract=True, serializer="json", include_metadata=False, isodates=True):
    """Base of every record on a Tandem topic."""

    required_text: ClassVar[tuple[str, ...]] = ()
    optional_dates: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for name in self.required_text:
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise RecordError(f"{type(self).__name__}.{name} must be a non-empty string, got {value!r}")
        for name in self.optional_dates:
            value = getattr(self, name)
            if value is not None and not (isinstance(value, str) and ISO_DATE.match(value)):
                raise RecordError(f"{type(self).__name__}.{name} must be a YYYY-MM-DD date, got {value!r}")
            if value is not None:
                try:
                    date.fromisoformat(value)
                except ValueError:
                    raise RecordError(f"{type(self).__name__}.{name} is not a calendar date: {value!r}") from None
        for name in _datetime_fields(type(self)):  # aware datetimes only: the clock is UTC
            value = getattr(self, name)
            if isinstance(value, datetime) and value.tzinfo is None:
                raise RecordError(f"{type(self).__name__}.{name} must carry a timezone, got {value.isoformat()}")


_DATETIME_FIELDS: dict[type, tuple[str, ...]] = {}


def _datetime_fields(kind: type[TandemRecord]) -> tuple[str, ...]:
    """The record type's datetime fields, found once per type (every record built checks them)."""
    found = _DATETIME_FIELDS.get(kind)
    if found is None:
        found = _DATETIME_FIELDS[kind] = tuple(n for n, field in kind._options.fields.items() if field is datetime)
    return found


class Person(TandemRecord):
    """Someone in HubSpot (an owner) or Jira (a user): who gets told."""

    id: str
    name: str | None = None
    email: str | None = None

    required_text = ("id",)


def identity(person: Person | None) -> str | None:
    """One identity per person across both tools: the email when known, else the tool's own id."""
    if person is None:
        return None
    return person.email.lower() if person.email else person.id


class CampaignSnapshot(TandemRecord):
    """A HubSpot marketing campaign as last seen (key: campaign id). `deleted` marks a tombstone."""

    id: str
    name: str
    source_updated_at: datetime
    start_date: str | None = None
    end_date: str | None = None
    status: str | None = None
    owner: Person | None = None
    notes: str | None = None
    budget: float | None = None
    currency: str | None = None
    url: str | None = None
    properties: dict[str, str] = {}
    deleted: bool = False

    required_text = ("id",)
    optional_dates = ("start_date", "end_date")


class RemoteLink(TandemRecord):
    """A Jira remote link on a work item."""

    url: str
    title: str | None = None
    global_id: str | None = None

    required_text = ("url",)


class WorkItemSnapshot(TandemRecord):
    """A Jira issue as last seen (key: issue key). `deleted` marks a tombstone."""

    key: str
    project: str
    source_updated_at: datetime
    issue_type: str | None = None
    summary: str = ""
    status: str | None = None
    status_category: str | None = None  # new | indeterminate | done
    status_changed_at: datetime | None = None
    parent: str | None = None
    labels: list[str] = []
    campaign_refs: list[str] = []
    assignee: Person | None = None
    project_lead: Person | None = None
    due_date: str | None = None
    size: float | None = None
    remote_links: list[RemoteLink] = []
    url: str | None = None
    deleted: bool = False

    required_text = ("key", "project")
    optional_dates = ("due_date",)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.status_category not in (None, "new", "indeterminate", "done"):
            raise RecordError(f"WorkItemSnapshot.status_category is not a Jira category: {self.status_category!r}")


class LinkEvent(TandemRecord):
    """A link between a campaign and a work item appeared, vanished or is suggested (key: campaign id)."""

    campaign: str
    work_item: str
    action: str  # added | removed | moved (the same link by another path) | suggested
    kind: str  # explicit | inherited | suggested
    source: str  # label | remote_link | custom_field | campaign_notes | campaign_property | parent | name
    seen_at: datetime
    confidence: float = 1.0
    via: str | None = None  # inherited: the ancestor naming the campaign

    required_text = ("campaign", "work_item", "action", "kind", "source")


TICK_TOPICS = ("ticks", "delivery-ticks", "digest-ticks")
"""The clock's topics, one per agent that reads it (goals, delivery, digest); every tick goes to each.

Faust acks a record that several agents read only once all of them have taken it, and on a stop or a
rebalance it drops the events still queued for the agents that had not: a tick shared by three agents was
left half-acked, and the worker waited for it (`wait_empty`) until it was killed. Read by one agent each, a
tick is either taken (and acked) or not tracked at all."""


class Tick(TandemRecord):
    """The clock (key: partition): rules read *now* from here, never from the wall clock.

    It also says whether each source has finished its first full sync: until both have, no signal opens
    (docs/rules.md: no rule fires on a partial picture)."""

    now: datetime
    partition: int
    hubspot_synced: bool = False
    jira_synced: bool = False


class ItemMessage(TandemRecord):
    """A message to the work item agent (key: `target`, a work item key), part of the streaming join.

    kind `claim`/`unclaim`: campaign `campaign` names the target in its notes or property (`source`);
    `child_added`/`child_removed`: `child` now has / no longer has the target as parent;
    `inherit`: the target's parent passes down `campaigns` (campaign id → the ancestor naming it)."""

    kind: str
    target: str
    seen_at: datetime
    campaign: str | None = None
    source: str | None = None
    child: str | None = None
    sender: str | None = None  # inherit: the parent that sent it (ignored unless it is still the parent)
    campaigns: dict[str, str] = {}

    required_text = ("kind", "target")


class GoalMessage(TandemRecord):
    """A message to the goal agent (key: `campaign`).

    kind `link`: `item` is linked to the campaign (`link_kind`, `link_source`, `via`), with its latest facts;
    `unlink`: `work_item` is no longer linked; `suggest`/`unsuggest`: a fuzzy-name suggestion with `score`;
    `confirm`/`reject`: a person's answer to a suggestion; `rebaseline`: record a new baseline."""

    kind: str
    campaign: str
    seen_at: datetime
    work_item: str | None = None
    item: WorkItemSnapshot | None = None
    link_kind: str | None = None
    link_source: str | None = None
    via: str | None = None
    score: float | None = None
    requested_by: str | None = None

    required_text = ("kind", "campaign")


class Progress(TandemRecord):
    """Progress of a goal, counted over leaves (docs/rules.md)."""

    items_done: int = 0
    items_total: int = 0
    size_done: float = 0.0
    size_total: float = 0.0


class LinkBrief(TandemRecord):
    """One link of a goal, with its provenance."""

    work_item: str
    kind: str
    source: str
    seen_at: datetime
    confidence: float = 1.0
    via: str | None = None


class SuggestionBrief(TandemRecord):
    """A fuzzy-name suggestion and what a person said of it (`pending`, `confirmed`, `rejected`)."""

    work_item: str
    score: float
    state: str
    seen_at: datetime
    summary: str | None = None
    url: str | None = None


class ItemBrief(TandemRecord):
    """A linked work item as messages and the dashboard show it."""

    key: str
    summary: str
    done: bool
    leaf: bool
    top_level: bool
    url: str | None = None
    owner: Person | None = None
    assignee: Person | None = None
    due_date: str | None = None
    size: float | None = None
    parent: str | None = None
    status: str | None = None  # the item's own status name in Jira


class Odds(TandemRecord):
    """A goal's Monte Carlo forecast (docs/rules.md, *forecast with odds*): the completion day at P50, P85
    (the commitment line) and P95, the chance of being done before the launch date, and the same in words.
    Dates are YYYY-MM-DD; None beyond the simulated horizon or when `never`. `key`: the inputs it came from
    (recomputed only when they change)."""

    key: str
    words: str
    horizon: str  # the last day simulated
    p50: str | None = None
    p85: str | None = None
    p95: str | None = None
    on_time: float | None = None  # 0-1; None without a launch date
    never: bool = False  # work remains and nothing was finished in the window
    done: bool = False  # nothing remains

    def shown(self) -> dict[str, Any]:
        """The odds as reports and the API show them (no cache key)."""
        return {
            "p50": self.p50,
            "p85": self.p85,
            "p95": self.p95,
            "on_time": self.on_time,
            "never": self.never,
            "done": self.done,
            "horizon": self.horizon,
            "words": self.words,
        }


class GoalSummary(TandemRecord):
    """The shared goal of a campaign as of `as_of` (key: campaign id, topic `goals`, latest wins)."""

    campaign: str
    name: str
    status: str
    as_of: datetime
    known: bool = True
    launch: str | None = None
    campaign_status: str | None = None
    campaign_url: str | None = None
    owner: Person | None = None
    progress: Progress | None = None
    forecast: str | None = None  # YYYY-MM-DD, or "never": the linear forecast
    odds: Odds | None = None  # the forecast with odds
    baseline: float | None = None
    baseline_set_at: datetime | None = None
    first_linked_at: datetime | None = None
    items: list[ItemBrief] = []
    links: list[LinkBrief] = []
    suggestions: list[SuggestionBrief] = []
    open_signals: dict[str, str] = {}
    won_at: datetime | None = None

    required_text = ("campaign", "status")


class SignalRecord(TandemRecord):
    """A drift signal opened, escalated, de-escalated, reminded, closed or superseded, or a win
    (key: campaign id). Carries the goal as it stood, so a notifier needs nothing else."""

    campaign: str
    rule: str  # a drift rule, or "win"
    action: str  # opened | escalated | deescalated | reminder | closed | superseded | win
    at: datetime
    episode: int
    severity: str | None = None
    max_severity: str | None = None
    opened_at: datetime | None = None
    detail: str = ""
    reminder: int = 0
    goal: GoalSummary | None = None
    people: list[Person] = []  # orphan_work: whom it concerns, even once the reference that named them is gone

    required_text = ("campaign", "rule", "action")


class PortfolioGoal(TandemRecord):
    """A goal as a leader sees it, for the leadership digest (docs/rules.md, Alerts): compact, since a leader
    hears of every goal. `details`: why each open signal is open (rule → the rule's own words)."""

    campaign: str
    name: str
    status: str
    as_of: datetime
    launch: str | None = None
    campaign_url: str | None = None
    open_signals: dict[str, str] = {}  # rule → severity
    details: dict[str, str] = {}  # rule → why
    won_at: datetime | None = None
    contributors: list[Person] = []  # the leaves' assignees, once the goal is won

    required_text = ("campaign", "status")


class PortfolioCount(TandemRecord):
    """How many goals have a status now, and how many had it at the last leadership digest (None: first)."""

    status: str
    count: int
    previous: int | None = None


class PortfolioReason(TandemRecord):
    """Why a goal moved: a signal open now (with its detail), or one `resolved` since the last digest."""

    rule: str
    severity: str | None = None
    detail: str = ""
    resolved: bool = False


class PortfolioMove(TandemRecord):
    """A goal whose status got worse (slipped) or better (recovered) since the last leadership digest."""

    campaign: str
    name: str
    before: str
    after: str
    campaign_url: str | None = None
    reasons: list[PortfolioReason] = []


class PortfolioWin(TandemRecord):
    """A goal won since the last leadership digest, with the people whose work shipped on time."""

    campaign: str
    name: str
    won_at: datetime
    launch: str | None = None
    campaign_url: str | None = None
    contributors: list[Person] = []


class LeadershipReport(TandemRecord):
    """What a leadership digest says: counts by status with their trend, moves, and wins since the last one."""

    cadence: str  # weekly | monthly
    period_start: str  # YYYY-MM-DD, local date of the scheduled instant
    previous_period: str | None = None  # that of the last leadership digest, if any
    total: int = 0
    counts: list[PortfolioCount] = []
    slipped: list[PortfolioMove] = []
    recovered: list[PortfolioMove] = []
    wins: list[PortfolioWin] = []

    optional_dates = ("period_start", "previous_period")


class Notification(TandemRecord):
    """A message to deliver (key: `key`, its idempotency key derived from its cause, docs/rules.md Alerts).

    kind `opened`/`escalated`/`reminder`/`resolved` (a drift signal), `win` (a goal shipped on time), or
    `digest` (an owner's week). `recipients` have an address; `unreachable` should hear of it but have
    none (reported, never dropped silently). `at` is when the cause happened (scenario time in a replay)."""

    key: str
    kind: str
    at: datetime
    recipients: list[Person] = []
    unreachable: list[Person] = []
    campaign: str | None = None
    rule: str | None = None
    severity: str | None = None
    detail: str = ""
    goal: GoalSummary | None = None
    goals: list[GoalSummary] = []
    changes: list[str] = []
    contributors: list[Person] = []
    jira_issues: list[str] = []
    leadership: LeadershipReport | None = None  # kind `leadership_digest`: the portfolio, for the leaders

    required_text = ("key", "kind")


class OwnerGoal(TandemRecord):
    """A goal as one of its owners sees it (key: the owner's identity), for the weekly digest.
    `goal` None: the person no longer owns anything of this goal."""

    owner: str
    person: Person
    campaign: str
    at: datetime
    goal: GoalSummary | None = None
    portfolio: PortfolioGoal | None = None  # to a leader (`leader:<email>`): the goal in brief; None: gone

    required_text = ("owner", "campaign")


class SyncCommand(TandemRecord):
    """A write-back for a sink (key: target object), idempotent by `idempotency_key`."""

    system: str  # jira | hubspot
    action: str  # e.g. add_label
    target: str  # issue key or campaign id
    idempotency_key: str
    at: datetime
    payload: dict[str, Any] = {}

    required_text = ("system", "action", "target", "idempotency_key")


class HistoryPoint(TandemRecord):
    """A goal as it stood at the end of a day (topic `goal-history`, key `<campaign>|<day>`, compacted: the
    day's last point wins). The dashboard draws burn-up charts and the portfolio's trend from these."""

    campaign: str
    day: str  # YYYY-MM-DD, in UTC
    at: datetime
    status: str
    items_done: int = 0
    items_total: int = 0
    size_done: float = 0.0
    size_total: float = 0.0
    baseline: float | None = None
    forecast: str | None = None
    launch: str | None = None
    open_signals: list[str] = []

    required_text = ("campaign", "day", "status")
    optional_dates = ("day",)

    @property
    def key(self) -> str:
        return f"{self.campaign}|{self.day}"


class DeliveryOutcome(TandemRecord):
    """How far one delivery unit of a notification got (topic `deliveries`, key `<notification key>|<unit>`,
    compacted): `sending`, `sent`, `failed` or `unknown`."""

    key: str
    unit: str
    state: str
    at: datetime
    attempts: int = 0
    error: str | None = None
    kind: str | None = None
    campaign: str | None = None

    required_text = ("key", "unit", "state")


class SourceHealth(TandemRecord):
    """One connector source as the worker that polls it last saw it (topic `health`, key `source:<system>`)."""

    system: str
    worker: str
    reported_at: datetime
    enabled: bool = False
    synced: bool = False
    stopped: str | None = None  # why the connector stopped (credentials, configuration)
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    polls: int = 0
    errors: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None
    requests: int = 0
    retries: int = 0
    throttled: int = 0  # answers with 429
    headroom: float | None = None  # 0–1: what is left of Tandem's own rate budget for this API right now
    held_until: datetime | None = None  # polling waits until then (e.g. HubSpot's daily limit at its reserve)
    held_reason: str | None = None  # why, in one line
    daily_limit: int | None = None  # HubSpot's daily request limit, as its last answer said
    daily_remaining: int | None = None  # what is left of it
    daily_reserve: int | None = None  # requests of it kept for write-back and alerts

    required_text = ("system", "worker")


class WebhookHealth(TandemRecord):
    """The webhook deliveries one worker took (topic `health`, key `webhooks:<worker>`), counted since it
    started: accepted, duplicates, and refused by reason (`signature`, `size`, `json`, ...)."""

    worker: str
    reported_at: datetime
    accepted: dict[str, int] = {}
    duplicates: dict[str, int] = {}
    refused: dict[str, int] = {}

    required_text = ("worker",)


class SyncHealth(TandemRecord):
    """The background sync on one worker (topic `health`, key `sync:<worker>`): writes made or, in a dry run,
    logged; people's edits of synced values it met, and refusals with what to configure (cause → message)."""

    worker: str
    reported_at: datetime
    dry_run: bool = False
    written: dict[str, int] = {}
    logged: dict[str, int] = {}
    conflicts: dict[str, str] = {}
    refusals: dict[str, str] = {}
    counts: dict[str, int] = {}

    required_text = ("worker",)


class DeadLetter(TandemRecord):
    """A record that could not be processed, with its error and origin (key: the original key)."""

    topic: str
    partition: int
    offset: int
    agent: str
    error_type: str
    error: str
    failed_at: datetime
    key: str | None = None
    value: str | None = None  # the raw value, decoded as UTF-8 with replacement characters
    value_base64: str | None = None  # the raw value when it is not valid UTF-8

    required_text = ("topic", "agent", "error_type")


R = TypeVar("R", bound=TandemRecord)


def decode(record_type: type[R], raw: Any) -> R:
    """Raw topic bytes (or an already-decoded mapping) → a record, or `RecordError` saying why not."""
    if isinstance(raw, record_type):
        return raw
    if isinstance(raw, bytes | bytearray | str):
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RecordError(f"not JSON: {exc}") from None
    else:
        data = raw
    if not isinstance(data, dict):
        raise RecordError(f"expected a JSON object for {record_type.__name__}, got {type(data).__name__}")
    options = record_type._options
    missing = [name for name in options.fields if name not in options.defaults and name not in data]
    if missing:
        raise RecordError(f"not a valid {record_type.__name__}: missing {', '.join(missing)}")
    try:
        return record_type.from_data(data)
    except RecordError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise RecordError(f"not a valid {record_type.__name__}: {exc}") from None
