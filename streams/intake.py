"""Intake agents: the latest campaign and work item snapshots, and the explicit links they carry.

Each agent keeps the newest snapshot per key in a table (backed by a changelog topic), drops stale and
repeated snapshots (connectors re-send inside their lookback window), and emits the explicit link
changes a new snapshot brings to `tandem.links`. The decisions are pure functions; the agents only move
records. A record that cannot be processed goes to the dead-letter topic.
"""

from __future__ import annotations

from typing import Any

from streams import deadletter, topics
from streams.app import app, settings
from streams.records import CampaignSnapshot, RecordError, WorkItemSnapshot, decode
from streams.references import LinkingConfig, campaign_references, link_changes, work_item_references

LINKING = LinkingConfig.from_settings(settings)

campaign_table = app.Table(
    "campaigns",
    key_type=str,
    value_type=CampaignSnapshot,
    partitions=settings.partitions,
    help="Latest snapshot of each HubSpot campaign, by campaign id.",
)
work_item_table = app.Table(
    "workitems",
    key_type=str,
    value_type=WorkItemSnapshot,
    partitions=settings.partitions,
    help="Latest snapshot of each Jira work item, by issue key.",
)


def supersedes(previous: Any, incoming: Any) -> bool:
    """True when `incoming` is news: no previous snapshot, a later source time, or the same time with
    different content. Older snapshots and exact repeats are dropped."""
    if previous is None:
        return True
    if incoming.source_updated_at != previous.source_updated_at:
        return bool(incoming.source_updated_at > previous.source_updated_at)
    return bool(incoming.asdict() != previous.asdict())


def merge_campaign_tombstone(previous: CampaignSnapshot | None, incoming: CampaignSnapshot) -> CampaignSnapshot:
    """A deleted campaign keeps what was known of it (its links stay until their references go)."""
    if not incoming.deleted or previous is None:
        return incoming
    return previous.derive(deleted=True, source_updated_at=incoming.source_updated_at)


def _keyed(event: Any, expected: str) -> None:
    if event.key != expected:
        raise RecordError(f"record keyed {event.key!r} but names {expected!r}: producers must key by id")


async def take_campaign(event: Any) -> None:
    incoming = decode(CampaignSnapshot, event.value)
    _keyed(event, incoming.id)
    previous = campaign_table.get(incoming.id)
    if not supersedes(previous, incoming):
        return
    snapshot = merge_campaign_tombstone(previous, incoming)
    campaign_table[snapshot.id] = snapshot
    changes = link_changes(
        campaign_references(previous, LINKING),
        campaign_references(snapshot, LINKING),
        snapshot.source_updated_at,
    )
    for change in changes:
        await topics.links.send(key=change.campaign, value=change)


async def take_work_item(event: Any) -> None:
    incoming = decode(WorkItemSnapshot, event.value)
    _keyed(event, incoming.key)
    previous = work_item_table.get(incoming.key)
    if not supersedes(previous, incoming):
        return
    work_item_table[incoming.key] = incoming
    changes = link_changes(
        work_item_references(previous, LINKING),
        work_item_references(incoming, LINKING),
        incoming.source_updated_at,
    )
    for change in changes:
        await topics.links.send(key=change.campaign, value=change)


@app.agent(topics.campaigns_in, name="campaign-intake")
async def campaign_intake(stream: Any) -> None:
    async for event in stream.events():
        await deadletter.process(event, "campaign-intake", take_campaign)


@app.agent(topics.workitems_in, name="workitem-intake")
async def work_item_intake(stream: Any) -> None:
    async for event in stream.events():
        await deadletter.process(event, "workitem-intake", take_work_item)
