"""The goal agent's side of the leadership digest (docs/rules.md, Alerts): every goal it publishes goes, in
brief, to each leader in `TANDEM_LEADERS` (on `owner-goals`, keyed `leader:<email>`), and a goal that is gone
is taken back from those told of it. Nothing is sent while there are no leaders or the digest is off.
What to send is `streams.rules.leadership.leader_update`'s decision."""

from __future__ import annotations

from datetime import datetime

from streams import topics
from streams.app import settings
from streams.records import GoalSummary
from streams.rules.config import RuleConfig
from streams.rules.leadership import LeadershipConfig, leader_update
from streams.state import GoalState, PartitionClock

RULES = RuleConfig.from_settings(settings)
LEADERSHIP = LeadershipConfig.from_settings(settings)


async def tell_leaders(
    state: GoalState, summary: GoalSummary | None, now: datetime, clock: PartitionClock
) -> GoalState:
    """Tell the leaders of the goal evaluated at `now` (`summary`: its new summary, if it changed)."""
    if not LEADERSHIP.keys and not state.leaders:
        return state
    messages, told = leader_update(state, summary, now, LEADERSHIP, RULES, hubspot_synced=clock.hubspot_synced)
    for message in messages:
        await topics.owner_goals.send(key=message.owner, value=message)
    return state.derive(leaders=told) if told != state.leaders else state
