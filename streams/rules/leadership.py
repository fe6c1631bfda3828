"""The leadership digest (docs/rules.md, Alerts): the whole portfolio for the directors of marketing and IT,
weekly or monthly — counts by status and their trend, the goals that slipped or recovered and why, and the
wins with the people who made them, each since the last leadership digest. Pure functions.

The goal agent tells each leader (key `leader:<email>`) of every goal it publishes, in brief
(`portfolio_goal`, `leader_messages`); the digest agent keeps them in a `LeaderState` (`remember`) and, on
ticks, asks `leadership_digest_for` whether a digest is due and what it says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from streams.records import (
    GoalSummary,
    LeadershipReport,
    Notification,
    OwnerGoal,
    Person,
    PortfolioCount,
    PortfolioGoal,
    PortfolioMove,
    PortfolioReason,
    PortfolioWin,
    identity,
)
from streams.rules.alerts import leadership_key, scheduled_digest
from streams.rules.audience import audience
from streams.rules.config import RuleConfig
from streams.rules.drift import evaluate as evaluate_rules
from streams.rules.goal_steps import current_summary, goal_view
from streams.rules.goals import goal_facts, require_aware
from streams.state import GoalState, LeaderBrief, LeaderState
from tandem.people import Directory

if TYPE_CHECKING:
    from tandem.settings import Settings

CADENCES = ("weekly", "monthly", "off")
STATUSES = ("on_track", "at_risk", "off_track", "done", "canceled")
RANK = {"on_track": 0, "at_risk": 1, "off_track": 2}
"""Slipping and recovering move along this scale; `done` and `canceled` are off it."""
SEVERITY_ORDER = {"critical": 0, "warning": 1}
PREFIX = "leader:"


@dataclass(frozen=True)
class LeadershipConfig:
    """Who the leaders are (`TANDEM_LEADERS`, lowercase emails) and how often they hear (`weekly`, `monthly`,
    `off`: `TANDEM_LEADERSHIP_DIGEST`)."""

    leaders: tuple[str, ...] = ()
    cadence: str = "weekly"

    def __post_init__(self) -> None:
        if self.cadence not in CADENCES:
            raise ValueError(f"the leadership digest is weekly, monthly or off, got {self.cadence!r}")
        object.__setattr__(self, "leaders", tuple(sorted({email.strip().lower() for email in self.leaders})))

    @property
    def enabled(self) -> bool:
        return bool(self.leaders) and self.cadence != "off"

    @property
    def keys(self) -> tuple[str, ...]:
        """The leaders' keys on `owner-goals` and in the digest agent's table, when the digest is on."""
        return tuple(leader_key(email) for email in self.leaders) if self.enabled else ()

    @classmethod
    def from_settings(cls, settings: Settings) -> LeadershipConfig:
        return cls(leaders=tuple(settings.leaders), cadence=settings.leadership_digest)


def leader_key(email: str) -> str:
    return f"{PREFIX}{email.strip().lower()}"


def is_leader_key(key: str) -> bool:
    return key.startswith(PREFIX)


def leader_person(key: str) -> Person:
    email = key.removeprefix(PREFIX)
    return Person(id=email, email=email)


# --- The goal agent's side ------------------------------------------------------------------------


def open_signal_details(state: GoalState, now: datetime, config: RuleConfig, *, hubspot_synced: bool) -> dict[str, str]:
    """Why each open signal of the goal is open, in the rule's own words, as the rules judge it at `now`."""
    if not state.signals:
        return {}
    view = goal_view(state)
    found = evaluate_rules(view, goal_facts(view, now, config), now, config, ready=True, hubspot_synced=hubspot_synced)
    return {rule: found[rule][1] for rule in sorted(state.signals) if rule in found}


def portfolio_goal(summary: GoalSummary, details: Mapping[str, str]) -> PortfolioGoal:
    """The goal in brief, as a leader needs it; the contributors only once it is won."""
    contributors = [item.assignee for item in summary.items if item.leaf and item.assignee is not None]
    return PortfolioGoal(
        campaign=summary.campaign,
        name=summary.name or summary.campaign,
        status=summary.status,
        as_of=summary.as_of,
        launch=summary.launch,
        campaign_url=summary.campaign_url,
        open_signals=dict(summary.open_signals),
        details={rule: text for rule, text in details.items() if rule in summary.open_signals},
        won_at=summary.won_at,
        contributors=contributors if summary.won_at is not None else [],
    )


def leader_messages(
    told: Iterable[str], config: LeadershipConfig, campaign: str, goal: PortfolioGoal | None, now: datetime
) -> tuple[list[OwnerGoal], list[str]]:
    """(messages to send, the leader keys told of the goal now): the goal to every leader, and `None` to those
    told before who should not hear of it any more (the goal is gone, or they are no longer leaders)."""
    wanted = list(config.keys) if goal is not None else []
    messages = [
        OwnerGoal(owner=key, person=leader_person(key), campaign=campaign, at=now, portfolio=goal) for key in wanted
    ]
    messages += [
        OwnerGoal(owner=key, person=leader_person(key), campaign=campaign, at=now, portfolio=None)
        for key in sorted(set(told) - set(wanted))
    ]
    return messages, wanted


def leader_update(
    state: GoalState,
    summary: GoalSummary | None,
    now: datetime,
    leadership: LeadershipConfig,
    config: RuleConfig,
    *,
    hubspot_synced: bool,
) -> tuple[list[OwnerGoal], list[str]]:
    """What to tell the leaders of a goal just evaluated at `now` (`summary`: the new summary, None when it did
    not change), and the leader keys told of it after that. A goal with linked work goes to every leader when
    its summary changed, or when the leaders changed (so a new leader hears of goals that stand still)."""
    wanted = set(leadership.keys) if state.items else set()
    if summary is None and set(state.leaders) == wanted:
        return [], list(state.leaders)
    goal = None
    if wanted:
        if summary is None:
            summary = current_summary(state, config)
        if summary is not None:
            goal = portfolio_goal(summary, open_signal_details(state, now, config, hubspot_synced=hubspot_synced))
    return leader_messages(state.leaders, leadership, state.campaign_id, goal, now)


# --- The digest agent's side ----------------------------------------------------------------------


def remember(state: LeaderState | None, message: OwnerGoal) -> LeaderState:
    """The leader's state with the goal the message tells of (or without it, when it is gone)."""
    state = state or LeaderState(leader=message.owner, person=message.person)
    goals = dict(state.goals)
    if message.portfolio is None:
        goals.pop(message.campaign, None)
    else:
        goals[message.campaign] = message.portfolio
    return state.derive(person=message.person, goals=goals)


def _first_weekday(year: int, month: int, weekday: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7)


def _monthly(now: datetime, config: RuleConfig) -> datetime:
    zone = config.zone
    local = now.astimezone(zone)
    year, month = local.year, local.month
    slot = datetime.combine(_first_weekday(year, month, config.digest_day), time(config.digest_hour), tzinfo=zone)
    if slot > now:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        slot = datetime.combine(_first_weekday(year, month, config.digest_day), time(config.digest_hour), tzinfo=zone)
    return slot.astimezone(UTC)


def scheduled_leadership(now: datetime, config: RuleConfig, cadence: str) -> datetime | None:
    """The latest leadership digest instant at or before `now`, in UTC: weekly, the owners' digest instant;
    monthly, the first `digest_day` of the month at `digest_hour` (local); `off`, None."""
    require_aware(now)
    if cadence == "weekly":
        return scheduled_digest(now, config)
    if cadence == "monthly":
        return _monthly(now, config)
    return None


def leadership_due(last_slot: datetime | None, now: datetime, config: RuleConfig, cadence: str) -> datetime | None:
    """The instant whose leadership digest is due at `now` and not sent yet, else None. A missed period sends
    one digest (the latest), never one per period missed."""
    slot = scheduled_leadership(now, config, cadence)
    if slot is None or (last_slot is not None and last_slot >= slot):
        return None
    return slot


def previous_slot(slot: datetime, config: RuleConfig, cadence: str) -> datetime | None:
    """The scheduled instant before `slot`."""
    return scheduled_leadership(slot - timedelta(microseconds=1), config, cadence)


def period_start(slot: datetime, config: RuleConfig) -> date:
    """The local calendar date of a leadership digest instant: the period of its idempotency key."""
    return slot.astimezone(config.zone).date()


def status_counts(goals: Mapping[str, PortfolioGoal], last: Mapping[str, LeaderBrief] | None) -> list[PortfolioCount]:
    """Goals per status now, and at the last leadership digest (`last` None: there was none)."""
    counts = []
    for status in STATUSES:
        previous = None if last is None else sum(1 for b in last.values() if b.status == status)
        counts.append(
            PortfolioCount(status=status, count=sum(1 for g in goals.values() if g.status == status), previous=previous)
        )
    return counts


def _open_reasons(goal: PortfolioGoal) -> list[PortfolioReason]:
    rules = sorted(goal.open_signals, key=lambda rule: (SEVERITY_ORDER.get(goal.open_signals[rule], 2), rule))
    return [
        PortfolioReason(rule=rule, severity=goal.open_signals[rule], detail=goal.details.get(rule, ""))
        for rule in rules
    ]


def moves(
    goals: Mapping[str, PortfolioGoal], last: Mapping[str, LeaderBrief]
) -> tuple[list[PortfolioMove], list[PortfolioMove]]:
    """(slipped, recovered): goals whose status got worse or better on on_track → at_risk → off_track since
    the last leadership digest, each with why — the signals open now, and for a recovery those resolved."""
    slipped: list[PortfolioMove] = []
    recovered: list[PortfolioMove] = []
    for campaign, goal in goals.items():
        before = last.get(campaign)
        if before is None or before.status not in RANK or goal.status not in RANK:
            continue
        change = RANK[goal.status] - RANK[before.status]
        if change == 0:
            continue
        reasons = _open_reasons(goal)
        if change < 0:
            closed = sorted(set(before.open_signals) - set(goal.open_signals))
            reasons = [PortfolioReason(rule=rule, resolved=True) for rule in closed] + reasons
        move = PortfolioMove(
            campaign=campaign,
            name=goal.name,
            before=before.status,
            after=goal.status,
            campaign_url=goal.campaign_url,
            reasons=reasons,
        )
        (slipped if change > 0 else recovered).append(move)
    slipped.sort(key=lambda m: (-RANK[m.after], m.name, m.campaign))
    recovered.sort(key=lambda m: (RANK[m.after], m.name, m.campaign))
    return slipped, recovered


def _named(people: Iterable[Person], directory: Directory) -> list[Person]:
    """Each person once, with the name `TANDEM_PEOPLE` gives them, whether or not they have an address."""
    reachable, unreachable = audience(people, directory)
    return sorted([*reachable, *unreachable], key=lambda p: identity(p) or p.id)


def new_wins(
    goals: Mapping[str, PortfolioGoal], last: Mapping[str, LeaderBrief], since: datetime | None, directory: Directory
) -> list[PortfolioWin]:
    """Goals won after `since` whose win no leadership digest told yet, with their contributors."""
    wins = []
    for campaign, goal in goals.items():
        told = last.get(campaign)
        if goal.won_at is None or (told is not None and told.won) or (since is not None and goal.won_at <= since):
            continue
        wins.append(
            PortfolioWin(
                campaign=campaign,
                name=goal.name,
                won_at=goal.won_at,
                launch=goal.launch,
                campaign_url=goal.campaign_url,
                contributors=_named(goal.contributors, directory),
            )
        )
    return sorted(wins, key=lambda w: (w.won_at, w.name, w.campaign))


def leadership_digest_for(
    state: LeaderState, now: datetime, config: RuleConfig, leadership: LeadershipConfig, directory: Directory
) -> tuple[LeaderState, Notification | None]:
    """The leader's digest when one is due at `now` (they are a leader, the digest is on, and there is at
    least one goal), and the new state. Trend, moves and wins are against the last leadership digest."""
    if state.leader not in leadership.keys:
        return state, None
    slot = leadership_due(state.last_slot, now, config, leadership.cadence)
    if slot is None or not state.goals:
        return state, None
    first = state.last_slot is None
    slipped, recovered = moves(state.goals, state.last_sent)
    since = previous_slot(state.last_slot or slot, config, leadership.cadence)
    period = period_start(slot, config)
    report = LeadershipReport(
        cadence=leadership.cadence,
        period_start=period.isoformat(),
        previous_period=None if state.last_slot is None else period_start(state.last_slot, config).isoformat(),
        total=len(state.goals),
        counts=status_counts(state.goals, None if first else state.last_sent),
        slipped=slipped,
        recovered=recovered,
        wins=new_wins(state.goals, state.last_sent, since, directory),
    )
    recipients, unreachable = audience([state.person], directory)
    notification = Notification(
        key=leadership_key(state.leader.removeprefix(PREFIX), period),
        kind="leadership_digest",
        at=now,
        recipients=recipients,
        unreachable=unreachable,
        leadership=report,
    )
    sent = {
        campaign: LeaderBrief(status=goal.status, open_signals=sorted(goal.open_signals), won=goal.won_at is not None)
        for campaign, goal in state.goals.items()
    }
    return state.derive(last_slot=slot, last_sent=sent), notification
