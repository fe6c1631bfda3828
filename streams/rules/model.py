"""Inputs and outputs of the goal and drift rules (docs/rules.md): plain frozen dataclasses, no Faust.

Agents convert their table state into these views, call the rules with *now* taken from ticks, and act on
what comes back. Every datetime is timezone-aware (UTC); dates are calendar dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from streams.rules.forecast import Forecast

Severity = Literal["warning", "critical"]
GoalStatus = Literal["canceled", "done", "off_track", "at_risk", "on_track"]
Action = Literal["opened", "escalated", "deescalated", "reminder", "closed", "superseded"]

RULES = ("schedule_risk", "missed_launch", "scope_creep", "stalled", "date_conflict", "canceled_work", "orphan_work")
SEVERITY_RANK: Mapping[str, int] = {"warning": 1, "critical": 2}
ACTIONS: tuple[Action, ...] = ("opened", "escalated", "deescalated", "reminder", "closed", "superseded")


@dataclass(frozen=True)
class ItemView:
    """A linked work item, as the goal rules need it."""

    key: str
    parent: str | None
    done: bool  # status category == "done" (so "Won't Do" is done)
    size: float | None  # story points; None: not set (counts as `default_size`)
    due_date: date | None
    linked_at: datetime  # when the link to this goal appeared
    status_changed_at: datetime | None  # last status change; None: never changed
    done_at: datetime | None  # when it last became done (None while open)
    assignee: str | None  # person id
    owner: str | None  # person id: the assignee, else the project lead


@dataclass(frozen=True)
class CampaignView:
    """The campaign of a goal. `known=False`: HubSpot never had this id (only work items name it)."""

    id: str
    launch: date | None  # hs_start_date
    status: str | None
    deleted: bool
    known: bool


@dataclass(frozen=True)
class GoalView:
    """Everything the rules read about one goal."""

    campaign: CampaignView
    items: Mapping[str, ItemView]  # linked (explicit or inherited) and not deleted, by key
    first_linked_at: datetime | None
    baseline: float | None
    orphan_refs: frozenset[str] = frozenset()  # work items explicitly referencing this campaign id


@dataclass(frozen=True)
class Progress:
    """Leaves done out of all leaves, by count and by size."""

    items_done: int
    items_total: int
    size_done: float
    size_total: float


@dataclass(frozen=True)
class GoalFacts:
    """What `goals.goal_facts` derives from a `GoalView` at one instant."""

    leaves: frozenset[str]
    containers: frozenset[str]
    top_level: frozenset[str]
    open_leaves: frozenset[str]
    progress: Progress
    remaining: float  # size of the open leaves
    throughput_per_day: float
    forecast: datetime | None  # None when never (see forecast_never) or when nothing remains
    forecast_never: bool  # throughput 0 while work remains
    launch_at: datetime | None  # L: the launch date at 00:00 UTC
    open_containers: frozenset[str]  # containers with an open leaf under them
    canceled: bool  # campaign status is a canceled one, or the campaign was deleted
    live: bool  # campaign status is a live one
    odds: Forecast | None = None  # the forecast with odds (Monte Carlo), when the goal has open or done leaves


@dataclass(frozen=True)
class SignalState:
    """An open drift signal of one goal (keyed by campaign and rule)."""

    rule: str
    severity: Severity
    max_severity: Severity
    opened_at: datetime
    last_reminder_at: datetime | None
    episode: int  # numbers the openings of this (campaign, rule), from 1
    escalations: int = 0  # how often the severity rose in this episode


@dataclass(frozen=True)
class SignalEvent:
    """A change of a signal: what to tell (see `alerts`) and to record on `tandem.signals`."""

    rule: str
    action: Action
    severity: Severity
    at: datetime
    episode: int
    detail: str  # human-readable why: which items, which dates, which threshold
    index: int = 0  # reminder number k (k·remind_days after opening), or escalation number; else 0
