"""The seven drift rules of docs/rules.md: which conditions hold for a goal at `now`, how badly, and why.

`evaluate` only judges; `signals.transition` turns the answer into openings, changes and closings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from streams.rules.config import RuleConfig
from streams.rules.forecast import plain_words, schedule_risk_by_p85
from streams.rules.goals import require_aware
from streams.rules.model import GoalFacts, GoalView, Severity

Finding = tuple[Severity, str]
SHOWN_KEYS = 10


def _keys(keys: Iterable[str]) -> str:
    ordered = sorted(keys)
    shown = ", ".join(ordered[:SHOWN_KEYS])
    more = len(ordered) - SHOWN_KEYS
    return f"{shown} and {more} more" if more > 0 else shown


def _days(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    return f"{days:.0f}" if days == int(days) else f"{days:.1f}"


def _points(value: float) -> str:
    return f"{value:g}"


def _exceeds(value: float, limit: float) -> bool:
    """value > limit, ignoring float noise (3 * 1.2 is 3.5999999999999996)."""
    return value - limit > 1e-9 * max(1.0, abs(limit))


def schedule_risk(view: GoalView, facts: GoalFacts, now: datetime, config: RuleConfig) -> Finding | None:
    launch = facts.launch_at
    if launch is None or view.first_linked_at is None or not facts.open_leaves:
        return None
    if not now < launch or launch - now > timedelta(days=config.risk_horizon_days):
        return None
    if now - view.first_linked_at < timedelta(days=config.velocity_window_days):
        return None
    pace = (
        f"{_points(facts.throughput_per_day * config.velocity_window_days)} points finished in the last "
        f"{config.velocity_window_days} days"
    )
    open_work = f"{_points(facts.remaining)} points still open ({_keys(facts.open_leaves)})"
    if facts.forecast_never:
        return "critical", (
            f"Nothing was finished in the last {config.velocity_window_days} days, so the {open_work} have no "
            f"finish date in sight; launch is {launch.date().isoformat()}."
        )
    odds = facts.odds
    if config.schedule_risk_basis == "p85" and odds is not None:
        severity = schedule_risk_by_p85(odds, launch.date(), config.buffer_days)
        if severity is None:
            return None
        words = plain_words(odds, launch.date(), config.velocity_window_days)
        return severity, f"{words} At the current pace ({pace}), {open_work}."
    forecast = facts.forecast
    if forecast is None or not forecast > launch - timedelta(days=config.buffer_days):
        return None
    when = f"the forecast finish {forecast.date().isoformat()}"
    odds_words = "" if odds is None else " " + plain_words(odds, launch.date(), config.velocity_window_days)
    if forecast > launch:
        return "critical", (
            f"At the current pace ({pace}) {when} is after the launch on {launch.date().isoformat()}; "
            f"{open_work}.{odds_words}"
        )
    return "warning", (
        f"At the current pace ({pace}) {when} leaves less than {config.buffer_days} days before the launch on "
        f"{launch.date().isoformat()}; {open_work}.{odds_words}"
    )


def missed_launch(view: GoalView, facts: GoalFacts, now: datetime, config: RuleConfig) -> Finding | None:
    if not facts.open_leaves:
        return None
    launch = facts.launch_at
    open_work = f"{len(facts.open_leaves)} work items still open ({_keys(facts.open_leaves)})"
    if launch is not None and now >= launch:
        return "critical", f"The launch date {launch.date().isoformat()} has come with {open_work}."
    if facts.live:
        return "critical", f"The campaign is live (status {view.campaign.status!r}) with {open_work}."
    return None


def scope_creep(view: GoalView, facts: GoalFacts, now: datetime, config: RuleConfig) -> Finding | None:
    baseline = view.baseline
    if baseline is None:
        return None
    total = facts.progress.size_total
    warn_at = baseline * (1 + config.scope_creep_pct / 100)
    critical_at = baseline * (1 + 2 * config.scope_creep_pct / 100)
    if not _exceeds(total, warn_at):
        return None
    growth = f"+{(total - baseline) / baseline * 100:.0f}%" if baseline > 0 else "from nothing"
    detail = (
        f"The work grew from the agreed baseline of {_points(baseline)} points to {_points(total)} ({growth}); "
        f"the limit is +{config.scope_creep_pct:g}% ({_points(warn_at)} points), "
        f"critical above +{2 * config.scope_creep_pct:g}% ({_points(critical_at)} points)."
    )
    return ("critical" if _exceeds(total, critical_at) else "warning"), detail


def stalled(view: GoalView, facts: GoalFacts, now: datetime, config: RuleConfig) -> Finding | None:
    launch = facts.launch_at
    if launch is None or not facts.open_leaves or not view.items:
        return None
    if launch - now > timedelta(days=config.stalled_horizon_days):
        return None
    last = max(max(item.linked_at, item.status_changed_at or item.linked_at) for item in view.items.values())
    quiet = now - last
    if quiet < timedelta(days=config.stalled_days):
        return None
    return "warning", (
        f"No linked work item changed status for {_days(quiet)} days (since {last.date().isoformat()}; the limit "
        f"is {config.stalled_days}) and the launch on {launch.date().isoformat()} is "
        f"{_days(launch - now)} days away; open: {_keys(facts.open_leaves)}."
    )


def date_conflict(view: GoalView, facts: GoalFacts, now: datetime, config: RuleConfig) -> Finding | None:
    launch = facts.launch_at
    if launch is None:
        return None
    launch_day = launch.date()
    late = {
        key: due
        for key in facts.open_leaves | facts.open_containers
        if (due := view.items[key].due_date) is not None and due > launch_day
    }
    if not late:
        return None
    dues = "; ".join(f"{key} is due {late[key].isoformat()}" for key in sorted(late))
    severity: Severity = "critical" if launch - now <= timedelta(days=config.date_conflict_critical_days) else "warning"
    return severity, f"{dues}, after the launch on {launch_day.isoformat()}."


def canceled_work(view: GoalView, facts: GoalFacts, now: datetime, config: RuleConfig) -> Finding | None:
    if not facts.canceled or not facts.open_leaves:
        return None
    why = "was deleted in HubSpot" if view.campaign.deleted else f"is {view.campaign.status}"
    return "warning", (
        f"The campaign {why}, but {len(facts.open_leaves)} work items are still open "
        f"({_keys(facts.open_leaves)}): stop, or link them elsewhere."
    )


def orphan_work(view: GoalView, facts: GoalFacts, now: datetime, config: RuleConfig) -> Finding | None:
    if view.campaign.known or not view.orphan_refs:
        return None
    return "warning", (
        f"{_keys(view.orphan_refs)} name campaign {view.campaign.id}, which HubSpot has never had: "
        f"fix the reference or create the campaign."
    )


Rule = Callable[[GoalView, GoalFacts, datetime, RuleConfig], "Finding | None"]
CHECKS: dict[str, Rule] = {
    "schedule_risk": schedule_risk,
    "missed_launch": missed_launch,
    "scope_creep": scope_creep,
    "stalled": stalled,
    "date_conflict": date_conflict,
    "canceled_work": canceled_work,
    "orphan_work": orphan_work,
}


def evaluate(
    view: GoalView,
    facts: GoalFacts,
    now: datetime,
    config: RuleConfig,
    *,
    ready: bool,
    hubspot_synced: bool,
) -> dict[str, Finding]:
    """The rules whose condition holds at `now`, each with its severity and why.

    `ready`: both sources finished their first full sync. Until then nothing is judged and the answer is
    empty; callers must then skip `signals.transition` (an empty answer would close what is open).
    `hubspot_synced`: the HubSpot source finished a full sync; `orphan_work` is judged only then.
    A canceled (or deleted) campaign's goal is judged by `canceled_work` alone: the schedule of a launch
    that will not happen is no one's concern.
    """
    require_aware(now)
    if not ready:
        return {}
    found: dict[str, Finding] = {}
    for rule, check in CHECKS.items():
        if facts.canceled and rule != "canceled_work":
            continue
        if rule == "orphan_work" and not hubspot_synced:
            continue
        finding = check(view, facts, now, config)
        if finding is not None:
            found[rule] = finding
    return found
