"""The topics of design §2, each declared with its partitions, key and record type.

Agents consume the raw (`*_in`) declarations and decode inside `deadletter.process`, so a record that
cannot even be decoded reaches the dead-letter topic instead of crashing the agent. Producers use the
typed declarations.
"""

from __future__ import annotations

from typing import Any

import faust

from streams.app import app, settings
from streams.records import CampaignSnapshot, DeadLetter, LinkEvent, Tick, WorkItemSnapshot


def declare(name: str, value_type: type[faust.Record] | None = None) -> Any:
    """A Tandem topic with the configured partitions: typed when `value_type` is given, else raw bytes."""
    if value_type is None:
        return app.topic(settings.topic(name), key_type=str, value_serializer="raw", partitions=settings.partitions)
    return app.topic(settings.topic(name), key_type=str, value_type=value_type, partitions=settings.partitions)


campaigns = declare("campaigns", CampaignSnapshot)
"""Key: campaign id. Normalised campaign snapshots from the HubSpot source."""
workitems = declare("workitems", WorkItemSnapshot)
"""Key: issue key. Normalised work item snapshots from the Jira source."""
links = declare("links", LinkEvent)
"""Key: campaign id. Links added, removed or suggested."""
signals = declare("signals")
"""Key: campaign id. Drift signals opened, changed, closed (records arrive with the streams core)."""
notifications = declare("notifications")
"""Key: idempotency key. Messages to deliver (records arrive with notifications)."""
sync = declare("sync")
"""Key: target object. Write-back commands (records arrive with the background sync)."""
ticks = declare("ticks", Tick)
"""Key: partition. The clock."""
dlq = declare("dlq", DeadLetter)
"""Key: the original key. What could not be processed, with its error and origin."""

campaigns_in = declare("campaigns")
workitems_in = declare("workitems")

ALL = (campaigns, workitems, links, signals, notifications, sync, ticks, dlq)
