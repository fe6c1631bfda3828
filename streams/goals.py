"""The goal agent: one shared goal per campaign (docs/rules.md), driven by changes and by ticks.

Reads campaign snapshots, goal messages (links with item facts, suggestions, commands) and ticks, all
keyed by campaign id (ticks by partition). Keeps each campaign's `GoalState` and each partition's clock,
and publishes what `streams.rules.goal_steps` decides: link events, drift signals and wins, write-back
commands and the goal summary. *Now* is the partition's latest tick, or the source time of the change
being processed when that is later — never the wall clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from streams import deadletter, topics
from streams.app import app, settings
from streams.items import campaign_names, unlinked_items
from streams.portfolio import tell_leaders
from streams.records import (
    CampaignSnapshot,
    GoalMessage,
    GoalSummary,
    ItemMessage,
    OwnerGoal,
    Person,
    RecordError,
    Tick,
    decode,
)
from streams.rules.config import RuleConfig
from streams.rules.digest import goal_owners
from streams.rules.goal_steps import Effects, apply_campaign, apply_message, arrival_links, evaluate
from streams.rules.references import LinkingConfig, campaign_references, link_changes
from streams.rules.snapshots import check_key, merge_campaign_tombstone, supersedes
from streams.rules.suggest import matches
from streams.rules.sync import SyncConfig
from streams.state import GoalState, PartitionClock

LINKING = LinkingConfig.from_settings(settings)
RULES = RuleConfig.from_settings(settings)
SYNC = SyncConfig.from_settings(settings)

goal_table = app.Table(
    "goals",
    key_type=str,
    value_type=GoalState,
    partitions=settings.partitions,
    help="Each campaign's shared goal: snapshot, linked items, baseline, open signals, by campaign id.",
)
clock_table = app.Table(
    "partition-clock",
    key_type=str,
    value_type=PartitionClock,
    partitions=settings.partitions,
    help="The latest tick of each partition and the goals living in it, by partition number.",
)


def claim_messages(before: CampaignSnapshot | None, after: CampaignSnapshot, at: datetime) -> list[ItemMessage]:
    """Claims and unclaims for the work items a campaign names (or stopped naming) in its notes."""
    messages = []
    for change in link_changes(campaign_references(before, LINKING), campaign_references(after, LINKING), at):
        kind = "claim" if change.action == "added" else "unclaim"
        messages.append(
            ItemMessage(kind=kind, target=change.work_item, campaign=after.id, source=change.source, seen_at=at)
        )
    return messages


def suggestible(snapshot: CampaignSnapshot) -> bool:
    status = (snapshot.status or "").lower()
    return not snapshot.deleted and status not in RULES.canceled_statuses and bool(snapshot.name.strip())


async def publish(effects: Effects) -> None:
    for link in effects.links:
        await topics.links.send(key=link.campaign, value=link)
    for signal in effects.signals:
        await topics.signals.send(key=signal.campaign, value=signal)
    for command in effects.sync:
        await topics.sync.send(key=command.target, value=command)


async def take_campaign(event: Any, state: GoalState) -> tuple[GoalState, datetime] | None:
    snapshot = decode(CampaignSnapshot, event.value)
    check_key(event.key, snapshot.id)
    if not supersedes(state.campaign, snapshot):
        return None
    merged = merge_campaign_tombstone(state.campaign, snapshot)
    at = snapshot.source_updated_at
    for message in claim_messages(state.campaign, merged, at):
        await topics.item_events.send(key=message.target, value=message)
    renamed = state.campaign is None or state.campaign.name != merged.name
    if suggestible(merged):
        if campaign_names.get(merged.id) != merged.name:
            campaign_names[merged.id] = merged.name
        if renamed:  # work items that may now read like this campaign look again
            for key in sorted(matches(merged.name, dict(unlinked_items.items()), settings.suggestion_threshold)):
                await topics.item_events.send(key=key, value=ItemMessage(kind="rescore", target=key, seen_at=at))
    elif merged.id in campaign_names:
        del campaign_names[merged.id]
    after = apply_campaign(state, merged)
    await publish(Effects(links=arrival_links(state, after, at)))
    return after, at


async def take_tick(event: Any, clock: PartitionClock) -> None:
    tick = decode(Tick, event.value)
    if tick.partition != event.message.partition:
        raise RecordError(f"tick for partition {tick.partition} arrived on partition {event.message.partition}")
    if clock.now is not None and tick.now < clock.now:
        return  # an old tick: time never runs backwards
    clock = clock.derive(now=tick.now, hubspot_synced=tick.hubspot_synced, jira_synced=tick.jira_synced)
    clock_table[str(clock.partition)] = clock
    for campaign_id in clock.goals:
        state = goal_table.get(campaign_id)
        if state is not None:
            await settle(state, max(tick.now, state.evaluated_at or tick.now), clock)


async def settle(state: GoalState, now: datetime, clock: PartitionClock, effects: Effects | None = None) -> None:
    """Evaluate a goal at `now`, store it and publish what changed.

    A tick that changes nothing but the evaluation time writes nothing: time only moves forward, so the
    stored evaluation time is a lower bound that stays valid."""
    before = state
    ready = clock.hubspot_synced and clock.jira_synced
    state, evaluated = evaluate(state, now, RULES, ready=ready, hubspot_synced=clock.hubspot_synced, sync=SYNC)
    combined = effects or Effects()
    combined.signals.extend(evaluated.signals)
    combined.sync.extend(evaluated.sync)
    await publish(combined)
    summary = evaluated.summary
    state = await tell_leaders(state, summary, now, clock)
    if summary is not None:
        state = await tell_owners(state, summary if state.items else None, now)
        shown = bool(state.items or state.suggestions)  # a campaign with suggestions only is shown too
        if shown:
            await topics.goals.send(key=state.campaign_id, value=summary)
        elif state.shown:
            await topics.goals_raw.send(key=state.campaign_id, value=None)  # a tombstone: no goal any more
        if evaluated.history is not None:
            await topics.goal_history.send(key=evaluated.history.key, value=evaluated.history)
        state = state.derive(shown=shown)
    if effects is not None or state.derive(evaluated_at=before.evaluated_at) != before:
        goal_table[state.campaign_id] = state


async def tell_owners(state: GoalState, summary: GoalSummary | None, now: datetime) -> GoalState:
    """Send the goal to each of its owners (for their digests); tell former owners it is no longer theirs."""
    owners = goal_owners(summary) if summary is not None else {}
    for owner, person in sorted(owners.items()):
        message = OwnerGoal(owner=owner, person=person, campaign=state.campaign_id, at=now, goal=summary)
        await topics.owner_goals.send(key=owner, value=message)
    for owner in sorted(set(state.owners) - set(owners)):
        message = OwnerGoal(owner=owner, person=Person(id=owner), campaign=state.campaign_id, at=now, goal=None)
        await topics.owner_goals.send(key=owner, value=message)
    return state.derive(owners=sorted(owners))


async def take(event: Any) -> None:
    partition = event.message.partition
    clock = clock_table.get(str(partition)) or PartitionClock(partition=partition)
    if event.message.topic == topics.ticks.get_topic_name():
        await take_tick(event, clock)
        return
    effects = Effects()
    if event.message.topic == topics.campaigns.get_topic_name():
        key = str(event.key)
        taken = await take_campaign(event, goal_table.get(key) or GoalState(campaign_id=key))
        if taken is None:
            return
        state, seen_at = taken
    else:
        message = decode(GoalMessage, event.value)
        check_key(event.key, message.campaign)
        state = goal_table.get(message.campaign) or GoalState(campaign_id=message.campaign)
        state, effects = apply_message(state, message, RULES)
        seen_at = message.seen_at
    if state.items and state.campaign_id not in clock.goals:
        clock = clock.derive(goals=sorted({*clock.goals, state.campaign_id}))
        clock_table[str(partition)] = clock
    now = max(t for t in (clock.now, seen_at, state.evaluated_at) if t is not None)
    await settle(state, now, clock, effects)


@app.agent(topics.goal_inputs, name="goals")
async def goal_agent(stream: Any) -> None:
    async for event in stream.events():
        await deadletter.process(event, "goals", take)
