"""What the agents keep in their tables (values are records, so they survive in changelog topics)."""

from __future__ import annotations

from datetime import datetime

from streams.records import (
    CampaignSnapshot,
    GoalSummary,
    Odds,
    Person,
    PortfolioGoal,
    TandemRecord,
    WorkItemSnapshot,
)


class ItemState(TandemRecord):
    """The work item agent's view of one work item (key: issue key), for the streaming join."""

    key: str
    snapshot: WorkItemSnapshot | None = None
    claims: dict[str, str] = {}
    inherited: dict[str, str] = {}
    parent: str | None = None  # the parent this item is registered with
    children: list[str] = []
    announced: dict[str, str] = {}
    passed_down: dict[str, str] = {}
    suggested: dict[str, float] = {}

    required_text = ("key",)


class GoalItem(TandemRecord):
    """A work item linked to a goal, with how it is linked and since when."""

    item: WorkItemSnapshot
    kind: str  # explicit | inherited
    source: str
    linked_at: datetime
    via: str | None = None


class SignalSlot(TandemRecord):
    """An open drift signal of a goal."""

    rule: str
    severity: str
    max_severity: str
    opened_at: datetime
    episode: int
    last_reminder_at: datetime | None = None
    escalations: int = 0
    people: list[Person] = []  # orphan_work: the owners of the work naming the campaign, while it did


class Suggestion(TandemRecord):
    score: float
    state: str  # pending | confirmed | rejected
    seen_at: datetime
    summary: str | None = None  # the work item's summary, to show what is suggested
    url: str | None = None


class Rebaseline(TandemRecord):
    at: datetime
    baseline: float
    previous: float | None = None
    requested_by: str | None = None


class SyncMemory(TandemRecord):
    """What was commanded for one goal: each target's fingerprint, and the campaign as last seen."""

    written: dict[str, str] = {}
    launch: str | None = None
    campaign_status: str | None = None
    seen: bool = False  # the campaign was seen once (its first sight is no change)


class GoalState(TandemRecord):
    """The goal agent's state for one campaign (key: campaign id)."""

    campaign_id: str
    campaign: CampaignSnapshot | None = None
    items: dict[str, GoalItem] = {}
    suggestions: dict[str, Suggestion] = {}
    first_linked_at: datetime | None = None
    baseline: float | None = None
    baseline_set_at: datetime | None = None
    rebaselines: list[Rebaseline] = []
    signals: dict[str, SignalSlot] = {}
    episodes: dict[str, int] = {}
    reminders: dict[str, int] = {}
    won_at: datetime | None = None
    evaluated_at: datetime | None = None
    published: str | None = None  # fingerprint of the last goal summary published
    owners: list[str] = []  # identities told of this goal (for their digests)
    shown: bool = False  # a summary of this goal is on the `goals` topic
    sync: SyncMemory | None = None  # what the background sync commanded for this goal
    leaders: list[str] = []  # leader keys told of this goal (for the leadership digest)
    odds: Odds | None = None  # the last forecast with odds, kept until its inputs change

    required_text = ("campaign_id",)


class PartitionClock(TandemRecord):
    """The latest tick a partition received, and the goals that live in it (for time-driven rules)."""

    partition: int
    now: datetime | None = None
    hubspot_synced: bool = False
    jira_synced: bool = False
    goals: list[str] = []


class GoalBrief(TandemRecord):
    """What a digest said of a goal, to tell next week what changed."""

    name: str
    status: str
    items_done: int = 0
    items_total: int = 0
    forecast: str | None = None
    likely_by: str | None = None  # the forecast with odds' 85 % date
    on_time: float | None = None  # and its chance of being done before launch
    open_signals: list[str] = []


class OwnerState(TandemRecord):
    """The digest agent's view of one owner (key: identity).

    The goals themselves are kept one entry per (owner, campaign) in the digest agent's `owner-goals` table,
    so that a goal's change rewrites only its own entry: `campaigns` names them. `goals` holds them only
    while a digest is made (`streams.rules.digest.with_goals`), and in states written before the split."""

    owner: str
    person: Person
    goals: dict[str, GoalSummary] = {}
    campaigns: list[str] = []
    last_slot: datetime | None = None
    last_sent: dict[str, GoalBrief] = {}

    required_text = ("owner",)


class LeaderBrief(TandemRecord):
    """What a leadership digest knew of a goal, to tell the next one what moved."""

    status: str
    open_signals: list[str] = []
    won: bool = False  # the goal had won by then (its win was told, or is too old to tell)


class LeaderState(TandemRecord):
    """The digest agent's view of one leader (key: `leader:<email>`): every goal in brief, and what the last
    leadership digest said of each (both bounded by the number of goals)."""

    leader: str
    person: Person
    goals: dict[str, PortfolioGoal] = {}
    last_slot: datetime | None = None
    last_sent: dict[str, LeaderBrief] = {}

    required_text = ("leader",)
