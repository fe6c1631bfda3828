"""The work item agent: one work item per key, joined to the campaigns it serves (docs/architecture.md).

Reads Jira snapshots and join messages (claims from campaigns, children registering, parents passing
down their campaigns), keeps each item's `ItemState`, and sends what `streams.rules.join.reconcile` decides:
messages to parents and children, link and fact updates to the goals. Unlinked items get fuzzy-name
suggestions against the campaign names every worker holds in a global table.
"""

from __future__ import annotations

from typing import Any

from streams import deadletter, topics
from streams.app import app, settings
from streams.records import ItemMessage, WorkItemSnapshot, decode
from streams.rules.join import links_of, reconcile, with_message, with_snapshot
from streams.rules.references import LinkingConfig
from streams.rules.snapshots import check_key, supersedes
from streams.rules.suggest import matches
from streams.state import ItemState

LINKING = LinkingConfig.from_settings(settings)

item_table = app.Table(
    "items",
    key_type=str,
    value_type=ItemState,
    partitions=settings.partitions,
    help="Each Jira work item's snapshot and place in the streaming join, by issue key.",
)
campaign_names = app.GlobalTable(
    "campaign-names",
    key_type=str,
    value_type=str,
    partitions=settings.partitions,
    help="Name of every live campaign, by id, on every worker: what suggestions match against.",
)
unlinked_items = app.GlobalTable(
    "unlinked-items",
    key_type=str,
    value_type=str,
    partitions=settings.partitions,
    help="Summary of every work item linked to nothing, by key: what a new campaign name is matched against.",
)


def suggestions_for(state: ItemState) -> dict[str, float]:
    """Campaigns whose names the item's summary reads like — only for a live item linked to nothing (the
    scan over every campaign name is skipped for the rest)."""
    snapshot = state.snapshot
    if snapshot is None or snapshot.deleted or not snapshot.summary or links_of(state, LINKING):
        return {}
    return matches(snapshot.summary, dict(campaign_names.items()), settings.suggestion_threshold)


async def take(event: Any) -> None:
    if event.message.topic == topics.workitems.get_topic_name():
        snapshot = decode(WorkItemSnapshot, event.value)
        check_key(event.key, snapshot.key)
        before = item_table.get(snapshot.key) or ItemState(key=snapshot.key)
        if not supersedes(before.snapshot, snapshot):
            return
        after = with_snapshot(before, snapshot)
        seen_at = snapshot.source_updated_at
    else:
        message = decode(ItemMessage, event.value)
        check_key(event.key, message.target)
        before = item_table.get(message.target) or ItemState(key=message.target)
        after = with_message(before, message)
        seen_at = message.seen_at
    final, out = reconcile(before, after, seen_at, LINKING, suggestions_for(after))
    if final != before:
        item_table[final.key] = final
    live = final.snapshot is not None and not final.snapshot.deleted
    if live and not final.announced and final.snapshot is not None:
        if unlinked_items.get(final.key) != final.snapshot.summary:
            unlinked_items[final.key] = final.snapshot.summary
    elif final.key in unlinked_items:
        del unlinked_items[final.key]
    for message in out.items:
        await topics.item_events.send(key=message.target, value=message)
    for goal_message in out.goals:
        await topics.goal_events.send(key=goal_message.campaign, value=goal_message)


@app.agent(topics.item_inputs, name="items")
async def item_agent(stream: Any) -> None:
    async for event in stream.events():
        await deadletter.process(event, "items", take)
