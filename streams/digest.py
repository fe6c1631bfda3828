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
from streams.records import OwnerGoal, Tick, decode
from streams.rules.config import RuleConfig
from streams.rules.digest import digest_for
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
    goals = dict(state.goals)
    if message.goal is None:
        goals.pop(message.campaign, None)
    else:
        goals[message.campaign] = message.goal
    owner_table[message.owner] = state.derive(person=message.person, goals=goals)
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
        if state is None:
            continue
        state, notification = digest_for(state, tick.now, RULES, DIRECTORY)
        if notification is not None:
            owner_table[owner] = state
            await topics.notifications.send(key=notification.key, value=notification)
    await send_leadership_digests(tick, clock)


async def take(event: Any) -> None:
    partition = event.message.partition
    clock = digest_clock.get(str(partition)) or PartitionClock(partition=partition)
    if event.message.topic == topics.ticks.get_topic_name():
        await take_tick(event, clock)
    else:
        await take_owner_goal(event, clock)


@app.agent(topics.digest_inputs, name="digest")
async def digest_agent(stream: Any) -> None:
    async for event in stream.events():
        await deadletter.process(event, "digest", take)
