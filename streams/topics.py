"""The topics of docs/architecture.md, each declared with its partitions, key and record type.

Agents consume the raw (`*_in`) declarations and decode inside `deadletter.process`, so a record that
cannot even be decoded reaches the dead-letter topic instead of crashing the agent. Producers use the
typed declarations.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import faust

from streams.app import app, settings
from streams.records import (
    TICK_TOPICS,
    CampaignSnapshot,
    DeadLetter,
    DeliveryOutcome,
    GoalMessage,
    GoalSummary,
    HistoryPoint,
    ItemMessage,
    LinkEvent,
    Notification,
    OwnerGoal,
    SignalRecord,
    SyncCommand,
    Tick,
    WorkItemSnapshot,
)

KEPT = timedelta(days=400)
"""How long the dashboard's history topics keep a record: more than a year of daily points."""


def declare(name: str, value_type: type[faust.Record] | None = None, **options: Any) -> Any:
    """A Tandem topic with the configured partitions: typed when `value_type` is given, else raw bytes."""
    if value_type is None:
        return app.topic(
            settings.topic(name), key_type=str, value_serializer="raw", partitions=settings.partitions, **options
        )
    return app.topic(
        settings.topic(name), key_type=str, value_type=value_type, partitions=settings.partitions, **options
    )


def raw_channel(*topics: Any) -> Any:
    """One raw-bytes channel over several co-partitioned topics, for an agent that joins them."""
    names = [topic.get_topic_name() for topic in topics]
    return app.topic(*names, key_type=str, value_serializer="raw", partitions=settings.partitions)


campaigns = declare("campaigns", CampaignSnapshot)
"""Key: campaign id. Normalised campaign snapshots from the HubSpot source."""
workitems = declare("workitems", WorkItemSnapshot)
"""Key: issue key. Normalised work item snapshots from the Jira source."""
links = declare("links", LinkEvent)
"""Key: campaign id. Links added, removed or suggested."""
signals = declare("signals", SignalRecord)
"""Key: campaign id. Drift signals opened, escalated, reminded, closed; and wins."""
notifications = declare("notifications", Notification)
"""Key: idempotency key. Messages to deliver: alerts, wins, digests."""
sync = declare("sync", SyncCommand)
"""Key: target object. Write-back commands for the sinks."""
goals = declare("goals", GoalSummary, compacting=True)
"""Key: campaign id. The shared goal of each campaign as it stands (compacted: latest wins)."""
goals_raw = declare("goals", compacting=True)
"""The same topic, raw: for tombstones (a campaign whose goal is gone)."""
item_events = declare("item-events", ItemMessage)
"""Key: work item key. Claims, parent/child registrations and inheritance: the streaming join."""
goal_events = declare("goal-events", GoalMessage)
"""Key: campaign id. Links with item facts, suggestions, and people's commands, for the goal agent."""
owner_goals = declare("owner-goals", OwnerGoal)
"""Key: an owner's identity. The goals each person owns, for their weekly digest."""
CLOCK = tuple(declare(name, Tick) for name in TICK_TOPICS)
"""Key: partition. The clock; every tick goes to each, one topic per agent that reads it (`TICK_TOPICS` says
why): `ticks` for the goal agent, `delivery-ticks` for the delivery agent (quiet hours), `digest-ticks` for the
digest agent (digests due)."""
ticks, delivery_ticks, digest_ticks = CLOCK
dlq = declare("dlq", DeadLetter)
"""Key: the original key. What could not be processed, with its error and origin."""
goal_history = declare("goal-history", HistoryPoint, compacting=True, retention=KEPT)
"""Key: `<campaign>|<day>`. Each goal as it stood at the end of each day (compacted: the day's last wins;
kept for `KEPT`)."""
deliveries = declare("deliveries", DeliveryOutcome, compacting=True, retention=KEPT)
"""Key: `<notification key>|<unit>`. How far each delivery unit got (compacted: the latest state wins; kept
for `KEPT`)."""
health = declare("health", compacting=True)
"""Key: `source:<system>` or `webhooks:<worker>`. What each connector and webhook receiver last reported."""

ALL = (
    campaigns,
    workitems,
    links,
    signals,
    notifications,
    sync,
    ticks,
    delivery_ticks,
    digest_ticks,
    dlq,
    goals,
    item_events,
    goal_events,
    owner_goals,
    goal_history,
    deliveries,
    health,
)

item_inputs = raw_channel(workitems, item_events)
"""What the work item agent reads, keyed by work item key."""
goal_inputs = raw_channel(campaigns, goal_events, ticks)
"""What the goal agent reads, keyed by campaign id (ticks: by partition)."""
signals_in = raw_channel(signals)
"""What the notifier reads."""
delivery_inputs = raw_channel(notifications, delivery_ticks)
"""What the delivery agent reads: notifications, and ticks to release what waited for quiet hours."""
digest_inputs = raw_channel(owner_goals, digest_ticks)
"""What the digest agent reads: each owner's goals, and ticks to know when a digest is due."""
