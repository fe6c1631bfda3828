"""The weekly digest agent (docs/rules.md): every owner with at least one goal gets, at the first tick at or
after `digest_day` `digest_hour` in `timezone`, each goal's status, progress, forecast and what changed.

The goal agent tells each owner about the goals they own (`owner-goals`, keyed by the owner's identity);
this agent keeps them per owner and, on ticks, sends the digests that are due (once both sources have
finished their first full sync).

The leadership digest travels the same path: the goal agent tells each leader (`leader:<email>`) of every
goal in brief, this agent keeps them per leader (`leaders` table) and sends the leadership digests that are
due on the same ticks (`streams.rules.leadership`).
"""

from __future__ import annotations

from typing import Any

from streams import deadletter, topics
from streams.app import app, settings
from streams.records import GoalSummary, OwnerGoal, Tick, decode
from streams.rules.alerts import digest_due
from streams.rules.config import RuleConfig
from streams.rules.digest import digest_for, legacy_goals, owner_goal_key, with_goals, with_owner_goal
from streams.rules.leadership import LeadershipConfig, is_leader_key, leadership_digest_for, remember
from streams.rules.snapshots import check_key
from streams.state import LeaderState, OwnerState, PartitionClock
from tandem.people import Directory

RULES = RuleConfig.from_settings(settings)
DIRECTORY = Directory(settings.people)
LEADERSHIP = LeadershipConfig.from_settings(settings)

owner_table = app.Table(
    "owners",
    key_type=str,
    value_type=OwnerState,
    partitions=settings.partitions,
    help="Each owner's goals and last digest, by the owner's identity.",
)
owner_goals = app.Table(
    "owner-goals",
    key_type=str,
    value_type=GoalSummary,
    partitions=settings.partitions,
    help="Each owner's goals, one entry per owner and campaign (`<owner>\\n<campaign>`): a goal's change "
    "rewrites only its own entry, however many goals the owner has.",
)
leader_table = app.Table(
    "leaders",
    key_type=str,
    value_type=LeaderState,
    partitions=settings.partitions,
    help="Each leader's goals in brief and what their last leadership digest said, by `leader:<email>`.",
)
digest_clock = app.Table(
    "digest-clock",
    key_type=str,
    value_type=PartitionClock,
    partitions=settings.partitions,
    help="The owners living in each partition of the digest agent (their digests are due on its ticks).",
)


async def take_owner_goal(event: Any, clock: PartitionClock) -> None:
    message = decode(OwnerGoal, event.value)
    check_key(event.key, message.owner)
    if is_leader_key(message.owner):
        await take_leader_goal(message, clock)
        return
    state = owner_table.get(message.owner) or OwnerState(owner=message.owner, person=message.person)
    for campaign, goal in legacy_goals(state).items():
        owner_goals[owner_goal_key(message.owner, campaign)] = goal
    key = owner_goal_key(message.owner, message.campaign)
    if message.goal is None:
        if key in owner_goals:
            del owner_goals[key]
    else:
        owner_goals[key] = message.goal
    after = with_owner_goal(state, message.person, message.campaign, owned=message.goal is not None)
    if after != state:
        owner_table[message.owner] = after
    if message.owner not in clock.goals:
        digest_clock[str(clock.partition)] = clock.derive(goals=sorted({*clock.goals, message.owner}))


async def take_leader_goal(message: OwnerGoal, clock: PartitionClock) -> None:
    leader_table[message.owner] = remember(leader_table.get(message.owner), message)
    if message.owner not in clock.goals:
        digest_clock[str(clock.partition)] = clock.derive(goals=sorted({*clock.goals, message.owner}))


async def send_leadership_digests(tick: Tick, clock: PartitionClock) -> None:
    for leader in clock.goals:
        state = leader_table.get(leader) if is_leader_key(leader) else None
        if state is None:
            continue
        state, notification = leadership_digest_for(state, tick.now, RULES, LEADERSHIP, DIRECTORY)
        if notification is not None:
            leader_table[leader] = state
            await topics.notifications.send(key=notification.key, value=notification)


async def take_tick(event: Any, clock: PartitionClock) -> None:
    tick = decode(Tick, event.value)
    if not (tick.hubspot_synced and tick.jira_synced):
        return
    for owner in clock.goals:
        state = owner_table.get(owner)
        if state is None or digest_due(state.last_slot, tick.now, RULES) is None:
            continue  # nothing due: the owner's goals are not read
        legacy = legacy_goals(state)
        entries = {campaign: owner_goals.get(owner_goal_key(owner, campaign)) for campaign in state.campaigns}
        made, notification = digest_for(with_goals(state, entries), tick.now, RULES, DIRECTORY)
        if notification is not None:
            for campaign, goal in legacy.items():
                owner_goals[owner_goal_key(owner, campaign)] = goal
            owner_table[owner] = made.derive(goals={}, campaigns=sorted({*state.campaigns, *legacy}))
            await topics.notifications.send(key=notification.key, value=notification)
    await send_leadership_digests(tick, clock)


async def take(event: Any) -> None:
    partition = event.message.partition
    clock = digest_clock.get(str(partition)) or PartitionClock(partition=partition)
    if event.message.topic == topics.digest_ticks.get_topic_name():
        await take_tick(event, clock)
    else:
        await take_owner_goal(event, clock)


@app.agent(topics.digest_inputs, name="digest")
async def digest_agent(stream: Any) -> None:
    async for event in stream.events():
        await deadletter.process(event, "digest", take)
