"""A goal's facts (docs/rules.md): leaves and containers, sizes, progress, forecast, baseline and status."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from streams.rules.config import RuleConfig
from streams.rules.model import GoalFacts, GoalStatus, GoalView, ItemView, Progress, SignalState

DONE_CATEGORY = "done"


def require_aware(now: datetime) -> datetime:
    """`now` itself; a naive datetime is refused (the clock is UTC, from ticks)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must carry a timezone, got {now.isoformat()}")
    return now


def launch_instant(launch: date | None) -> datetime | None:
    """L: the launch date at 00:00 UTC."""
    return None if launch is None else datetime.combine(launch, time(0), tzinfo=UTC)


def item_is_done(status_category: str | None) -> bool:
    """Done means Jira's status category `done`, whatever the status is called ("Won't Do" too)."""
    return status_category is not None and status_category.strip().lower() == DONE_CATEGORY


def item_size(points: float | None, config: RuleConfig) -> float:
    """A work item's size: its story points when set, else `default_size`."""
    return config.default_size if points is None else float(points)


def _children(items: Mapping[str, ItemView]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for key, item in items.items():
        if item.parent is not None and item.parent != key and item.parent in items:
            children.setdefault(item.parent, []).append(key)
    return children


def _open_ancestors(items: Mapping[str, ItemView], open_leaves: frozenset[str]) -> frozenset[str]:
    """Every linked ancestor of an open leaf: the open containers."""
    found: set[str] = set()
    for leaf in open_leaves:
        parent = items[leaf].parent
        while parent is not None and parent in items and parent not in found and parent != leaf:
            found.add(parent)
            parent = items[parent].parent
    return frozenset(found)


def _forecast(now: datetime, remaining: float, throughput: float) -> tuple[datetime | None, bool]:
    if remaining <= 0:
        return None, False
    if throughput <= 0:
        return None, True
    days = remaining / throughput
    try:
        return now + timedelta(days=days), False
    except OverflowError:  # beyond year 9999: as good as never
        return None, True


def goal_facts(view: GoalView, now: datetime, config: RuleConfig) -> GoalFacts:
    """Leaves, containers, top-level items, progress and forecast of a goal at `now`."""
    require_aware(now)
    items = view.items
    children = _children(items)
    leaves = frozenset(key for key in items if key not in children)
    containers = frozenset(children)
    top_level = frozenset(
        key for key, item in items.items() if item.parent is None or item.parent == key or item.parent not in items
    )
    open_leaves = frozenset(key for key in leaves if not items[key].done)
    sizes = {key: item_size(items[key].size, config) for key in leaves}
    size_total = sum(sizes.values())
    remaining = sum(sizes[key] for key in open_leaves)
    window_start = now - timedelta(days=config.velocity_window_days)
    recent = sum(
        sizes[key]
        for key in leaves
        if items[key].done and (done_at := items[key].done_at) is not None and window_start < done_at <= now
    )
    throughput = recent / config.velocity_window_days
    forecast, never = _forecast(now, remaining, throughput)
    campaign = view.campaign
    return GoalFacts(
        leaves=leaves,
        containers=containers,
        top_level=top_level,
        open_leaves=open_leaves,
        progress=Progress(
            items_done=len(leaves) - len(open_leaves),
            items_total=len(leaves),
            size_done=size_total - remaining,
            size_total=size_total,
        ),
        remaining=remaining,
        throughput_per_day=throughput,
        forecast=forecast,
        forecast_never=never,
        launch_at=launch_instant(campaign.launch),
        open_containers=_open_ancestors(items, open_leaves),
        canceled=campaign.deleted or config.is_canceled(campaign.status),
        live=config.is_live(campaign.status),
    )


def baseline_due(view: GoalView, now: datetime, config: RuleConfig) -> float | None:
    """The baseline to record now (total leaf size), once `baseline_after_days` passed since the first link.

    None while it is too early, or when a baseline is already set (re-baselining is an explicit action).
    """
    require_aware(now)
    if view.baseline is not None or view.first_linked_at is None:
        return None
    if now < view.first_linked_at + timedelta(days=config.baseline_after_days):
        return None
    return goal_facts(view, now, config).progress.size_total


def goal_status(view: GoalView, facts: GoalFacts, open_signals: Mapping[str, SignalState]) -> GoalStatus:
    """canceled, done, off_track (a critical signal open), at_risk (a warning open) or on_track, in that order."""
    if facts.canceled:
        return "canceled"
    if facts.leaves and not facts.open_leaves:
        return "done"
    severities = {signal.severity for signal in open_signals.values()}
    if "critical" in severities:
        return "off_track"
    if "warning" in severities:
        return "at_risk"
    return "on_track"
