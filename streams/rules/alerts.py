"""When alerts are due (docs/rules.md, Alerts): wins, the weekly digest, and every alert's idempotency key.
Who hears of them is `streams.rules.audience`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from streams.rules.config import RuleConfig
from streams.rules.goals import require_aware
from streams.rules.model import GoalFacts, GoalView, ItemView


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


def win_key(campaign: str) -> str:
    """Idempotency key of a goal's win (sent once per goal)."""
    return f"win:{campaign}"


def digest_key(owner: str, week_start: date) -> str:
    """Idempotency key of an owner's weekly digest."""
    return f"digest:{owner}:{week_start.isoformat()}"


def leadership_key(leader: str, period_start: date) -> str:
    """Idempotency key of a leader's leadership digest (one per leader identity and period)."""
    return f"leadership:{leader}:{period_start.isoformat()}"
