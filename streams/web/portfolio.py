"""The dashboard's and the REST API's read model: every goal, its history, signals and notifications, and
the connectors' health, held in memory by each worker (pure: records in, answers out).

`streams.web.readmodel` feeds it every record of the topics it reads, from the beginning; any worker can
then answer for the whole portfolio, with no request forwarded to the worker that owns a partition. What it
keeps is bounded: at most `MAX_EPISODES` signal episodes and `MAX_NOTIFICATIONS` notifications a goal, and
`MAX_LOOSE` notifications that belong to no goal (digests).
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from streams.records import (
    DeadLetter,
    DeliveryOutcome,
    GoalSummary,
    HistoryPoint,
    Notification,
    Person,
    SignalRecord,
    SourceHealth,
    SyncHealth,
    WebhookHealth,
    identity,
)

STATUSES = ("on_track", "at_risk", "off_track", "done", "canceled")
"""Every goal status, in the order the dashboard shows them."""
ATTENTION = {"off_track": 0, "at_risk": 1, "on_track": 2, "done": 3, "canceled": 4}
"""Sort order by status: what needs attention first."""
MAX_EPISODES = 100
MAX_NOTIFICATIONS = 200
MAX_LOOSE = 500
MAX_LETTERS = 20
SORTS = ("attention", "launch", "name", "progress", "forecast")

Order = Literal["asc", "desc"]


@dataclass
class Episode:
    """One signal of a goal from opening to closing (or still open)."""

    campaign: str
    rule: str
    episode: int
    opened_at: datetime | None
    severity: str | None
    max_severity: str | None
    detail: str
    closed_at: datetime | None = None
    ended: str | None = None  # closed | superseded
    reminders: int = 0
    last_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.ended is None


@dataclass
class Told:
    """One notification as the dashboard lists it, with how far each of its delivery units got."""

    key: str
    kind: str
    at: datetime
    campaign: str | None
    rule: str | None
    severity: str | None
    recipients: list[Person]
    unreachable: list[Person]
    units: dict[str, DeliveryOutcome] = field(default_factory=dict)


@dataclass(frozen=True)
class GoalFilter:
    """What the goals table shows: a status, an owner (id, email or part of a name), a launch window."""

    status: str | None = None
    owner: str | None = None
    launch_from: date | None = None
    launch_to: date | None = None
    query: str | None = None

    def admits(self, goal: GoalSummary) -> bool:
        if self.status and goal.status != self.status:
            return False
        launch = date.fromisoformat(goal.launch) if goal.launch else None
        if self.launch_from and (launch is None or launch < self.launch_from):
            return False
        if self.launch_to and (launch is None or launch > self.launch_to):
            return False
        if self.query and self.query.lower() not in f"{goal.name} {goal.campaign}".lower():
            return False
        return not self.owner or any(_person_matches(person, self.owner) for person in owners_of(goal))


def _person_matches(person: Person, wanted: str) -> bool:
    wanted = wanted.strip().lower()
    return wanted in (person.id.lower(), (person.email or "").lower(), identity(person) or "") or (
        bool(person.name) and wanted in (person.name or "").lower()
    )


def owners_of(goal: GoalSummary) -> list[Person]:
    """The campaign owner and the owners of the goal's top-level items, each once."""
    people = [goal.owner, *(item.owner for item in goal.items if item.top_level)]
    seen: dict[str, Person] = {}
    for person in people:
        if person is not None and (key := identity(person)) and key not in seen:
            seen[key] = person
    return list(seen.values())


def progress_share(goal: GoalSummary) -> float:
    progress = goal.progress
    if progress is None or not progress.size_total:
        return 0.0
    return progress.size_done / progress.size_total


def _likely_by(goal: GoalSummary) -> str | None:
    """The day a goal is 85 % likely done (the straight line without odds); far off when there is none."""
    odds = goal.odds
    if odds is not None:
        return "9999-12-30" if odds.never or odds.p85 is None else odds.p85
    return "9999-12-30" if goal.forecast == "never" else goal.forecast


def _sort_key(sort: str) -> Any:
    far = "9999-12-31"
    keys = {
        "attention": lambda g: (ATTENTION.get(g.status, 9), g.launch or far, g.name.lower()),
        "launch": lambda g: (g.launch or far, g.name.lower()),
        "name": lambda g: (g.name.lower(), g.campaign),
        "progress": lambda g: (progress_share(g), g.name.lower()),
        "forecast": lambda g: (_likely_by(g) or far, g.name.lower()),
    }
    return keys[sort]


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(items: list[Any], page: int, per_page: int) -> Page:
    start = (page - 1) * per_page
    return Page(items[start : start + per_page], len(items), page, per_page)


@dataclass
class Portfolio:
    """What every worker knows of every goal; see the module's docstring."""

    goals: dict[str, GoalSummary] = field(default_factory=dict)
    history: dict[str, dict[str, HistoryPoint]] = field(default_factory=dict)
    episodes: dict[str, OrderedDict[tuple[str, int], Episode]] = field(default_factory=dict)
    told: dict[str, OrderedDict[str, Told]] = field(default_factory=dict)
    loose: OrderedDict[str, Told] = field(default_factory=OrderedDict)
    outcomes: dict[str, dict[str, DeliveryOutcome]] = field(default_factory=dict)
    sources: dict[str, SourceHealth] = field(default_factory=dict)
    webhooks: dict[str, WebhookHealth] = field(default_factory=dict)
    syncs: dict[str, SyncHealth] = field(default_factory=dict)
    dead_letters: int = 0
    dead_by_agent: Counter[str] = field(default_factory=Counter)
    latest_letters: list[DeadLetter] = field(default_factory=list)
    as_of: datetime | None = None

    # --- ingest ------------------------------------------------------------------------------------
    def take_goal(self, campaign: str, summary: GoalSummary | None) -> None:
        if summary is None:
            self.goals.pop(campaign, None)
            return
        self.goals[campaign] = summary
        self.as_of = max(self.as_of, summary.as_of) if self.as_of else summary.as_of

    def take_history(self, point: HistoryPoint) -> None:
        self.history.setdefault(point.campaign, {})[point.day] = point

    def take_signal(self, signal: SignalRecord) -> None:
        if signal.action == "win":
            return
        episodes = self.episodes.setdefault(signal.campaign, OrderedDict())
        key = (signal.rule, signal.episode)
        episode = episodes.get(key)
        if episode is None:
            episode = Episode(
                campaign=signal.campaign,
                rule=signal.rule,
                episode=signal.episode,
                opened_at=signal.opened_at or signal.at,
                severity=signal.severity,
                max_severity=signal.max_severity or signal.severity,
                detail=signal.detail,
            )
            episodes[key] = episode
            while len(episodes) > MAX_EPISODES:
                episodes.popitem(last=False)
        episode.last_at = signal.at
        episode.severity = signal.severity or episode.severity
        episode.max_severity = signal.max_severity or episode.max_severity
        episode.detail = signal.detail or episode.detail
        if signal.action == "reminder":
            episode.reminders = max(episode.reminders, signal.reminder)
        if signal.action in ("closed", "superseded"):
            episode.closed_at, episode.ended = signal.at, signal.action

    def take_notification(self, n: Notification) -> None:
        told = Told(
            key=n.key,
            kind=n.kind,
            at=n.at,
            campaign=n.campaign,
            rule=n.rule,
            severity=n.severity,
            recipients=list(n.recipients),
            unreachable=list(n.unreachable),
            units=self.outcomes.get(n.key, {}),
        )
        if n.campaign:
            shelf = self.told.setdefault(n.campaign, OrderedDict())
            limit = MAX_NOTIFICATIONS
        else:
            shelf, limit = self.loose, MAX_LOOSE
        shelf[n.key] = told
        self.outcomes[n.key] = told.units
        while len(shelf) > limit:
            evicted, _ = shelf.popitem(last=False)
            self.outcomes.pop(evicted, None)

    def take_delivery(self, outcome: DeliveryOutcome) -> None:
        units = self.outcomes.get(outcome.key)
        if units is None:
            if len(self.outcomes) > 4 * (MAX_LOOSE + MAX_NOTIFICATIONS * max(1, len(self.told))):
                return  # a delivery of a notification long evicted
            units = self.outcomes[outcome.key] = {}
        units[outcome.unit] = outcome

    def take_health(self, key: str, raw: dict[str, Any]) -> None:
        if key.startswith("source:"):
            self.sources[key.removeprefix("source:")] = SourceHealth.from_data(raw)
        elif key.startswith("webhooks:"):
            self.webhooks[key.removeprefix("webhooks:")] = WebhookHealth.from_data(raw)
        elif key.startswith("sync:"):
            self.syncs[key.removeprefix("sync:")] = SyncHealth.from_data(raw)

    def take_dead_letter(self, letter: DeadLetter) -> None:
        self.dead_letters += 1
        self.dead_by_agent[letter.agent] += 1
        self.latest_letters = [*self.latest_letters, letter][-MAX_LETTERS:]

    # --- answers -----------------------------------------------------------------------------------
    def known_goals(self) -> list[GoalSummary]:
        """Goals of campaigns HubSpot has (the portfolio)."""
        return [goal for goal in self.goals.values() if goal.known]

    def unknown_campaign_work(self) -> list[GoalSummary]:
        """Work pointing at campaigns HubSpot doesn't know."""
        return sorted((goal for goal in self.goals.values() if not goal.known), key=lambda g: g.campaign)

    def counts(self) -> dict[str, int]:
        found = Counter(goal.status for goal in self.known_goals())
        return {status: found.get(status, 0) for status in STATUSES}

    def goal_page(
        self, wanted: GoalFilter, sort: str = "attention", order: Order = "asc", page: int = 1, per_page: int = 25
    ) -> Page:
        chosen = sorted((g for g in self.known_goals() if wanted.admits(g)), key=_sort_key(sort))
        if order == "desc":
            chosen.reverse()
        return paginate(chosen, page, per_page)

    def owners(self) -> list[Person]:
        """Everyone who owns a goal or a goal's top-level work, by name."""
        seen: dict[str, Person] = {}
        for goal in self.known_goals():
            for person in owners_of(goal):
                seen.setdefault(identity(person) or person.id, person)
        return sorted(seen.values(), key=lambda p: ((p.name or p.email or p.id).lower(), p.id))

    def status_on(self, campaign: str, day: str) -> str | None:
        """The goal's status at the end of `day`: its last point on or before it."""
        points = self.history.get(campaign) or {}
        earlier = [d for d in points if d <= day]
        return points[max(earlier)].status if earlier else None

    def trend(self, weeks: int = 8) -> list[tuple[str, dict[str, int]]]:
        """(week's last day, goals by status then) for the last `weeks` weeks up to the newest goal time."""
        if self.as_of is None:
            return []
        end = self.as_of.date()
        found = []
        for back in range(weeks - 1, -1, -1):
            day = (end - timedelta(days=7 * back)).isoformat()
            counts = Counter(
                status for goal in self.known_goals() if (status := self.status_on(goal.campaign, day)) is not None
            )
            found.append((day, {status: counts.get(status, 0) for status in STATUSES}))
        while len(found) > 1 and not any(found[0][1].values()):
            found.pop(0)  # weeks before the first goal existed say nothing
        return found

    def points(self, campaign: str) -> list[HistoryPoint]:
        return [point for _, point in sorted((self.history.get(campaign) or {}).items())]

    def signals_of(self, campaign: str) -> list[Episode]:
        """Open signals first, then past ones, newest first."""
        episodes = list((self.episodes.get(campaign) or {}).values())
        newest = sorted(episodes, key=lambda e: e.opened_at.timestamp() if e.opened_at else 0.0, reverse=True)
        return [e for e in newest if e.open] + [e for e in newest if not e.open]

    def all_signals(self) -> list[Episode]:
        return [episode for campaign in sorted(self.episodes) for episode in self.signals_of(campaign)]

    def notifications_of(self, campaign: str | None) -> list[Told]:
        """Newest first: a goal's notifications, or (None) those of no goal: digests."""
        shelf = (self.told.get(campaign) or OrderedDict()) if campaign else self.loose
        return sorted(shelf.values(), key=lambda t: t.at, reverse=True)

    def all_notifications(self) -> list[Told]:
        every = [told for shelf in self.told.values() for told in shelf.values()] + list(self.loose.values())
        return sorted(every, key=lambda t: t.at, reverse=True)
