"""The goal agent's decisions, as pure functions over `GoalState` (docs/rules.md).

A goal gathers a campaign and the work items linked to it. Each change — a campaign snapshot, a link
message with fresh item facts, a person's command, a tick — updates the state here, then `evaluate`
turns it into the rules' view, runs the rules from `streams.rules` at *now*, and returns the signal and
win records to publish and the goal summary when it changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import cast

from streams.records import (
    CampaignSnapshot,
    GoalMessage,
    GoalSummary,
    HistoryPoint,
    ItemBrief,
    LinkBrief,
    LinkEvent,
    Odds,
    Person,
    Progress,
    SignalRecord,
    SuggestionBrief,
    SyncCommand,
    identity,
)
from streams.rules.alerts import win_due
from streams.rules.config import RuleConfig
from streams.rules.drift import evaluate as evaluate_rules
from streams.rules.forecast import Forecast, daily_throughput, forecast_key, forecast_seed, monte_carlo, plain_words
from streams.rules.goals import baseline_due, goal_facts, goal_status, item_is_done, item_size
from streams.rules.model import CampaignView, GoalFacts, GoalView, ItemView, Severity, SignalState
from streams.rules.signals import transition
from streams.rules.sync import SyncConfig, plan
from streams.state import GoalItem, GoalState, Rebaseline, SignalSlot, Suggestion, SyncMemory


@dataclass
class Effects:
    """What one step of a goal publishes."""

    links: list[LinkEvent] = field(default_factory=list)
    signals: list[SignalRecord] = field(default_factory=list)
    sync: list[SyncCommand] = field(default_factory=list)
    summary: GoalSummary | None = None
    history: HistoryPoint | None = None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def item_view(entry: GoalItem) -> ItemView:
    item = entry.item
    done = item_is_done(item.status_category)
    owner = item.assignee or item.project_lead
    return ItemView(
        key=item.key,
        parent=item.parent,
        done=done,
        size=item.size,
        due_date=_date(item.due_date),
        linked_at=entry.linked_at,
        status_changed_at=item.status_changed_at,
        done_at=(item.status_changed_at or entry.linked_at) if done else None,
        assignee=identity(item.assignee),
        owner=identity(owner),
    )


def goal_view(state: GoalState) -> GoalView:
    campaign = state.campaign
    items = {key: item_view(entry) for key, entry in state.items.items() if not entry.item.deleted}
    return GoalView(
        campaign=CampaignView(
            id=state.campaign_id,
            launch=_date(campaign.start_date) if campaign else None,
            status=campaign.status if campaign else None,
            deleted=bool(campaign and campaign.deleted),
            known=campaign is not None,
        ),
        items=items,
        first_linked_at=state.first_linked_at,
        baseline=state.baseline,
        orphan_refs=frozenset(
            key for key, entry in state.items.items() if entry.kind == "explicit" and not entry.item.deleted
        )
        if campaign is None
        else frozenset(),
    )


def _link_event(state: GoalState, entry: GoalItem, action: str, at: datetime) -> LinkEvent:
    return LinkEvent(
        campaign=state.campaign_id,
        work_item=entry.item.key,
        action=action,
        kind=entry.kind,
        source=entry.source,
        seen_at=at,
        via=entry.via,
    )


def apply_campaign(state: GoalState, snapshot: CampaignSnapshot) -> GoalState:
    return state.derive(campaign=snapshot)


def arrival_links(before: GoalState, after: GoalState, at: datetime) -> list[LinkEvent]:
    """The links that appear when HubSpot first has a campaign work already named: until then the work was
    orphan work, linked to nothing."""
    if before.campaign is not None or after.campaign is None:
        return []
    return [_link_event(after, entry, "added", at) for _, entry in sorted(after.items.items())]


def apply_message(state: GoalState, message: GoalMessage, config: RuleConfig) -> tuple[GoalState, Effects]:
    """A link, unlink, suggestion or command for this goal."""
    effects = Effects()
    key = message.work_item
    at = message.seen_at
    if message.kind == "link" and key and message.item is not None:
        previous = state.items.get(key)
        entry = GoalItem(
            item=message.item,
            kind=message.link_kind or "explicit",
            source=message.link_source or "label",
            via=message.via,
            linked_at=previous.linked_at if previous else at,
        )
        items = {**state.items, key: entry}
        if state.campaign is None:
            pass  # a campaign HubSpot does not have: orphan work, which links to nothing (yet)
        elif previous is None or (previous.kind, previous.source) != (entry.kind, entry.source):
            if previous is not None:
                effects.links.append(_link_event(state, previous, "removed", at))
            effects.links.append(_link_event(state, entry, "added", at))
        elif previous.via != entry.via:  # the same link by another path (a story moved to another epic)
            effects.links.append(_link_event(state, entry, "moved", at))
        suggestions = dict(state.suggestions)
        if key in suggestions and suggestions[key].state == "pending":
            del suggestions[key]  # linked now: nothing left to suggest
        state = state.derive(items=items, suggestions=suggestions, first_linked_at=state.first_linked_at or at)
    elif message.kind == "unlink" and key and key in state.items:
        if state.campaign is not None:
            effects.links.append(_link_event(state, state.items[key], "removed", at))
        state = state.derive(items={k: v for k, v in state.items.items() if k != key})
    elif message.kind == "suggest" and key and message.score is not None:
        current = state.suggestions.get(key)
        if current is None or current.state == "pending":
            state = state.derive(
                suggestions={
                    **state.suggestions,
                    key: Suggestion(
                        score=message.score,
                        state="pending",
                        seen_at=at,
                        summary=message.item.summary if message.item else None,
                        url=message.item.url if message.item else None,
                    ),
                }
            )
    elif message.kind == "unsuggest" and key:
        current = state.suggestions.get(key)
        if current is not None and current.state == "pending":
            state = state.derive(suggestions={k: v for k, v in state.suggestions.items() if k != key})
    elif message.kind in ("confirm", "reject") and key:
        current = state.suggestions.get(key)
        score = current.score if current else 0.0
        answer = "confirmed" if message.kind == "confirm" else "rejected"
        answered = Suggestion(
            score=score,
            state=answer,
            seen_at=at,
            summary=current.summary if current else None,
            url=current.url if current else None,
        )
        state = state.derive(suggestions={**state.suggestions, key: answered})
        if answer == "confirmed":
            effects.sync.append(
                SyncCommand(
                    system="jira",
                    action="add_label",
                    target=key,
                    at=at,
                    idempotency_key=f"confirm:{state.campaign_id}:{key}",
                    payload={"campaign": state.campaign_id, "requested_by": message.requested_by},
                )
            )
    elif message.kind == "rebaseline":
        state = _rebaseline(state, at, message.requested_by, config)
    return state, effects


def _rebaseline(state: GoalState, at: datetime, requested_by: str | None, config: RuleConfig) -> GoalState:
    """An explicit, recorded new baseline: the total leaf size now."""
    view = goal_view(state)
    facts = goal_facts(view, at, config)
    size = facts.progress.size_total
    record = Rebaseline(at=at, baseline=size, previous=state.baseline, requested_by=requested_by)
    return state.derive(baseline=size, baseline_set_at=at, rebaselines=[*state.rebaselines, record])


def _slot(state: SignalState, people: list[Person]) -> SignalSlot:
    return SignalSlot(
        people=people,
        rule=state.rule,
        severity=state.severity,
        max_severity=state.max_severity,
        opened_at=state.opened_at,
        episode=state.episode,
        last_reminder_at=state.last_reminder_at,
        escalations=state.escalations,
    )


def _concerned(state: GoalState, rule: str) -> list[Person]:
    """Whom an `orphan_work` signal concerns: the owners of the work naming the campaign, or, once that work
    no longer names it (the signal is closing), those it concerned while it did. Other rules: nobody apart."""
    if rule != "orphan_work":
        return []
    owners = [
        owner
        for entry in state.items.values()
        if not entry.item.deleted and (owner := entry.item.assignee or entry.item.project_lead) is not None
    ]
    slot = state.signals.get(rule)
    return owners or (list(slot.people) if slot else [])


def _signal_state(slot: SignalSlot) -> SignalState:
    return SignalState(
        rule=slot.rule,
        severity=cast(Severity, slot.severity),
        max_severity=cast(Severity, slot.max_severity),
        opened_at=slot.opened_at,
        last_reminder_at=slot.last_reminder_at,
        episode=slot.episode,
        escalations=slot.escalations,
    )


def forecast_odds(state: GoalState, view: GoalView, facts: GoalFacts, now: datetime, config: RuleConfig) -> Odds | None:
    """The goal's forecast with odds at `now`: the one kept in `state` while its inputs are unchanged (a leaf
    done or reopened, a size, the day, the launch date, the number of runs), else a new simulation. None for
    a goal without leaves, a canceled one, or one HubSpot does not have."""
    campaign = view.campaign
    if not campaign.known or facts.canceled or not facts.leaves:
        return None
    done = [
        (item.done_at, item_size(item.size, config))
        for key in facts.leaves
        if (item := view.items[key]).done and item.done_at is not None
    ]
    samples = daily_throughput(done, now, config.velocity_window_days)
    today = now.date()
    key = f"{forecast_key(samples, facts.remaining, today, campaign.launch)}-{config.forecast_runs}"
    if state.odds is not None and state.odds.key == key:
        return state.odds
    seed = forecast_seed(state.campaign_id, samples, facts.remaining, today)
    found = monte_carlo(
        samples,
        facts.remaining,
        today,
        campaign.launch,
        runs=config.forecast_runs,
        seed=seed,
    )
    kept = state.odds
    unsimulated = found.done or found.never  # all done, or nothing finished lately: nothing to simulate
    if (
        unsimulated
        and kept is not None
        and (found.done, found.never, found.on_time) == (kept.done, kept.never, kept.on_time)
    ):
        return kept  # as before: only the day moved
    return Odds(
        key=key,
        words=plain_words(found, campaign.launch, config.velocity_window_days),
        horizon=found.horizon.isoformat(),
        p50=_iso(found.p50),
        p85=_iso(found.p85),
        p95=_iso(found.p95),
        on_time=found.on_time,
        never=found.never,
        done=found.done,
    )


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def as_forecast(odds: Odds) -> Forecast:
    """The kept odds as the forecast rules read them."""
    return Forecast(
        p50=_date(odds.p50),
        p85=_date(odds.p85),
        p95=_date(odds.p95),
        on_time=odds.on_time,
        never=odds.never,
        done=odds.done,
        key=odds.key,
        horizon=date.fromisoformat(odds.horizon),
    )


def _with_odds(
    state: GoalState, view: GoalView, facts: GoalFacts, now: datetime, config: RuleConfig
) -> tuple[GoalState, GoalFacts]:
    odds = forecast_odds(state, view, facts, now, config)
    if odds != state.odds:
        state = state.derive(odds=odds)
    return state, replace(facts, odds=None if odds is None else as_forecast(odds))


def evaluate(
    state: GoalState,
    now: datetime,
    config: RuleConfig,
    *,
    ready: bool,
    hubspot_synced: bool,
    sync: SyncConfig | None = None,
) -> tuple[GoalState, Effects]:
    """Run the rules at `now`: baseline, signals, win, the summary when it changed, and (with `sync`) the
    background sync's commands for what changed."""
    effects = Effects()
    view = goal_view(state)
    state, facts = _with_odds(state, view, goal_facts(view, now, config), now, config)
    if state.baseline is None:
        due = baseline_due(view, now, config)
        if due is not None:
            state = state.derive(baseline=due, baseline_set_at=now)
            view = goal_view(state)
    open_before = open_signals(state)
    if ready:
        wanted = evaluate_rules(view, facts, now, config, ready=True, hubspot_synced=hubspot_synced)
        episodes = {rule: state.episodes.get(rule, 0) + 1 for rule in {*wanted, *open_before}}
        open_after, events = transition(open_before, wanted, now, config, episodes, canceled=facts.canceled)
        new_episodes = dict(state.episodes)
        for event in events:
            if event.action == "opened":
                new_episodes[event.rule] = event.episode
        people = {rule: _concerned(state, rule) for rule in {*open_after, *open_before}}
        state = state.derive(
            signals={rule: _slot(s, people[rule]) for rule, s in open_after.items()}, episodes=new_episodes
        )
    else:
        events = []
        open_after = open_before
    status = goal_status(view, facts, open_after)
    won = ready and win_due(view, facts, now, already_won=state.won_at is not None)
    if won:
        state = state.derive(won_at=now)
    summary = goal_summary(state, view, facts, status, now)
    for event in events:
        signal = open_after.get(event.rule) or open_before[event.rule]
        effects.signals.append(
            SignalRecord(
                campaign=state.campaign_id,
                rule=event.rule,
                action=event.action,
                at=now,
                episode=event.episode,
                severity=event.severity,
                max_severity=signal.max_severity,
                opened_at=signal.opened_at,
                detail=event.detail,
                reminder=event.index if event.action == "reminder" else 0,
                goal=summary,
                people=people[event.rule],
            )
        )
    if won:
        effects.signals.append(
            SignalRecord(
                campaign=state.campaign_id,
                rule="win",
                action="win",
                at=now,
                episode=1,
                detail="Every piece of work was done before launch.",
                goal=summary,
            )
        )
    fingerprint = _fingerprint(summary)
    if fingerprint != state.published:
        effects.summary = summary
        effects.history = history_point(summary) if state.items else None
        state = state.derive(published=fingerprint)
    if sync is not None and ready and summary.known and state.items:
        memory, commands = plan(state.sync or SyncMemory(), summary, sync, now)  # nothing when nothing changed
        effects.sync.extend(commands)
        if memory != state.sync:
            state = state.derive(sync=memory)
    return state.derive(evaluated_at=now), effects


def _fingerprint(summary: GoalSummary) -> str:
    """Identity of a summary apart from when it was computed."""
    return hashlib.sha256(summary.derive(as_of=datetime.min.replace(tzinfo=summary.as_of.tzinfo)).dumps()).hexdigest()


def history_point(summary: GoalSummary) -> HistoryPoint:
    """The goal's point for the day of `summary` (the day's last one is what the chart keeps)."""
    progress = summary.progress or Progress()
    return HistoryPoint(
        campaign=summary.campaign,
        day=summary.as_of.date().isoformat(),
        at=summary.as_of,
        status=summary.status,
        items_done=progress.items_done,
        items_total=progress.items_total,
        size_done=progress.size_done,
        size_total=progress.size_total,
        baseline=summary.baseline,
        forecast=summary.forecast,
        launch=summary.launch,
        open_signals=sorted(summary.open_signals),
    )


def open_signals(state: GoalState) -> dict[str, SignalState]:
    return {rule: _signal_state(slot) for rule, slot in state.signals.items()}


def current_summary(state: GoalState, config: RuleConfig) -> GoalSummary | None:
    """The goal as of its last evaluation; None when the campaign has no linked work."""
    if not state.items or state.evaluated_at is None:
        return None
    view = goal_view(state)
    facts = goal_facts(view, state.evaluated_at, config)
    return goal_summary(state, view, facts, goal_status(view, facts, open_signals(state)), state.evaluated_at)


def goal_summary(state: GoalState, view: GoalView, facts: GoalFacts, status: str, now: datetime) -> GoalSummary:
    campaign = state.campaign
    progress = facts.progress
    if facts.forecast_never:
        forecast: str | None = "never"
    elif facts.forecast is not None:
        forecast = facts.forecast.date().isoformat()
    else:
        forecast = None
    items = []
    for key, entry in sorted(state.items.items()):
        if entry.item.deleted:
            continue
        item = entry.item
        leaf = key in facts.leaves
        items.append(
            ItemBrief(
                key=key,
                summary=item.summary,
                done=key not in (facts.open_leaves if leaf else facts.open_containers),
                leaf=leaf,
                top_level=key in facts.top_level,
                url=item.url,
                owner=item.assignee or item.project_lead,
                assignee=item.assignee,
                due_date=item.due_date,
                size=item.size,
                parent=item.parent,
                status=item.status,
            )
        )
    return GoalSummary(
        campaign=state.campaign_id,
        name=campaign.name if campaign else "",
        status=status,
        as_of=now,
        known=campaign is not None,
        launch=campaign.start_date if campaign else None,
        campaign_status=campaign.status if campaign else None,
        campaign_url=campaign.url if campaign else None,
        owner=campaign.owner if campaign else None,
        progress=Progress(
            items_done=progress.items_done,
            items_total=progress.items_total,
            size_done=progress.size_done,
            size_total=progress.size_total,
        ),
        forecast=forecast,
        odds=state.odds,
        baseline=state.baseline,
        baseline_set_at=state.baseline_set_at,
        first_linked_at=state.first_linked_at,
        items=items,
        links=[
            LinkBrief(work_item=key, kind=entry.kind, source=entry.source, seen_at=entry.linked_at, via=entry.via)
            for key, entry in sorted(state.items.items())
            if not entry.item.deleted
        ],
        suggestions=[
            SuggestionBrief(
                work_item=key, score=s.score, state=s.state, seen_at=s.seen_at, summary=s.summary, url=s.url
            )
            for key, s in sorted(state.suggestions.items())
        ],
        open_signals={rule: slot.severity for rule, slot in sorted(state.signals.items())},
        won_at=state.won_at,
    )
