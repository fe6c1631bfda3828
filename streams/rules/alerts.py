"""Who hears of what, and when (design §4, Alerts): pure decisions and idempotency keys, no delivery.

People are ids here (HubSpot owner ids, Jira account ids); delivery resolves them to addresses.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from streams.rules.config import RuleConfig
from streams.rules.goals import require_aware
from streams.rules.model import GoalFacts, GoalView, ItemView, SignalEvent

AlertKind = Literal["opened", "escalated", "reminder", "resolved"]
ALERT_KINDS: dict[str, AlertKind] = {
    "opened": "opened",
    "escalated": "escalated",
    "reminder": "reminder",
    "closed": "resolved",
}  # deescalated and superseded signals are recorded, not announced


def alert_kind(event: SignalEvent) -> AlertKind | None:
    """The notification a signal event sends, or None (a lowered severity or a supersession sends none)."""
    return ALERT_KINDS.get(event.action)


def _people(*groups: Iterable[str | None]) -> list[str]:
    return sorted({person for group in groups for person in group if person})


def alert_recipients(
    event: SignalEvent,
    campaign_owner: str | None,
    top_level_owners: Iterable[str | None],
    work_item_owners: Iterable[str | None] = (),
) -> list[str]:
    """Who is told of `event`, sorted: nobody when it sends no alert.

    The campaign owner and the owners of the goal's top-level items; for `orphan_work` only the owners of
    the work items that name the unknown campaign (`work_item_owners`).
    """
    if alert_kind(event) is None:
        return []
    if event.rule == "orphan_work":
        return _people(work_item_owners)
    return _people([campaign_owner], top_level_owners)


def top_level_owners(view: GoalView, facts: GoalFacts) -> list[str]:
    """Owners (assignee, else project lead) of the goal's top-level items, sorted."""
    return _people(view.items[key].owner for key in facts.top_level)


def _finished_at(item: ItemView) -> datetime:
    return item.done_at or item.status_changed_at or item.linked_at


def win_due(view: GoalView, facts: GoalFacts, now: datetime, already_won: bool) -> bool:
    """True when the goal's win notice is due: every leaf done on or before L, not canceled, not yet sent.

    A done leaf without `done_at` counts as finished at its last status change, else when it was linked.
    """
    require_aware(now)
    launch = facts.launch_at
    if already_won or facts.canceled or launch is None or not facts.leaves or facts.open_leaves:
        return False
    return all(_finished_at(view.items[key]) <= launch for key in facts.leaves)


def win_contributors(view: GoalView, facts: GoalFacts) -> list[str]:
    """The people a win names: assignees of the leaves, sorted."""
    return _people(view.items[key].assignee for key in facts.leaves)


def win_recipients(view: GoalView, facts: GoalFacts, campaign_owner: str | None) -> list[str]:
    """Campaign owner, owners of the top-level items and assignees of the leaves, sorted."""
    return _people([campaign_owner], top_level_owners(view, facts), win_contributors(view, facts))


def scheduled_digest(now: datetime, config: RuleConfig) -> datetime:
    """The latest digest instant (digest_day at digest_hour in the configured zone) at or before `now`, in UTC."""
    require_aware(now)
    zone = config.zone
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - config.digest_day) % 7)
    slot = datetime.combine(day, time(config.digest_hour), tzinfo=zone)
    if slot > now:
        slot = datetime.combine(day - timedelta(days=7), time(config.digest_hour), tzinfo=zone)
    return slot.astimezone(UTC)


def digest_due(last_digest_at: datetime | None, now: datetime, config: RuleConfig) -> datetime | None:
    """The digest instant to send for now, if it is due and was not sent yet, else None.

    `last_digest_at` is the scheduled instant of the last digest sent (what this returned then); with none
    sent, the latest scheduled instant is due.
    """
    slot = scheduled_digest(now, config)
    if last_digest_at is not None and last_digest_at >= slot:
        return None
    return slot


def digest_week(slot: datetime, config: RuleConfig) -> date:
    """The local calendar date of a digest instant: the `week_start` of its idempotency key."""
    return slot.astimezone(config.zone).date()


def signal_alert_key(campaign: str, rule: str, episode: int, action: str, index: int = 0) -> str:
    """Idempotency key of a signal alert: one per (campaign, rule, episode, action, index).

    `index` is `SignalEvent.index`: the reminder number for reminders, the escalation number for escalations.
    """
    return f"signal:{campaign}:{rule}:{episode}:{action}:{index}"


def event_alert_key(campaign: str, event: SignalEvent) -> str:
    """`signal_alert_key` of a signal event."""
    return signal_alert_key(campaign, event.rule, event.episode, event.action, event.index)


def win_key(campaign: str) -> str:
    """Idempotency key of a goal's win (sent once per goal)."""
    return f"win:{campaign}"


def digest_key(owner: str, week_start: date) -> str:
    """Idempotency key of an owner's weekly digest."""
    return f"digest:{owner}:{week_start.isoformat()}"
