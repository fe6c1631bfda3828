"""The weekly digest (docs/rules.md): each owner's goals, their status and progress, and what changed since
the owner's last digest — as pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from streams.records import GoalSummary, Notification, Person, identity
from streams.rules.alerts import digest_due, digest_key, digest_week
from streams.rules.audience import audience
from streams.rules.config import RuleConfig
from streams.rules.forecast import spoken_date, whole_percent
from streams.state import GoalBrief, OwnerState
from tandem.people import Directory


def owner_goal_key(owner: str, campaign: str) -> str:
    """The key of one owner's goal in the digest agent's `owner-goals` table."""
    return f"{owner}\n{campaign}"


def with_owner_goal(state: OwnerState, person: Person, campaign: str, owned: bool) -> OwnerState:
    """The owner's state once told a goal is (`owned`) or is no longer theirs: only the list of campaigns
    changes (the goal itself goes to its own entry); the goals of a state written before the split move out
    of it (`legacy_goals`)."""
    campaigns = {*state.campaigns, *state.goals}
    if owned:
        campaigns.add(campaign)
    else:
        campaigns.discard(campaign)
    return state.derive(person=person, goals={}, campaigns=sorted(campaigns))


def legacy_goals(state: OwnerState) -> dict[str, GoalSummary]:
    """Goals held in the state itself (written before the per-goal entries): to be moved to their entries."""
    return dict(state.goals)


def with_goals(state: OwnerState, entries: Mapping[str, GoalSummary | None]) -> OwnerState:
    """The owner's state with their goals filled in from their entries (campaign → summary; a missing
    entry is left out), as `digest_for` reads it; goals still in a state written before the split count too."""
    goals = dict(state.goals)
    for campaign in state.campaigns:
        goal = entries.get(campaign)
        if goal is not None:
            goals[campaign] = goal
    return state.derive(goals=goals)


def goal_owners(goal: GoalSummary) -> dict[str, Person]:
    """identity → person: the campaign owner and the owners of the goal's top-level items."""
    people = [goal.owner, *(item.owner for item in goal.items if item.top_level)]
    return {key: person for person in people if person is not None and (key := identity(person))}


def brief(goal: GoalSummary) -> GoalBrief:
    progress = goal.progress
    return GoalBrief(
        name=goal.name or goal.campaign,
        status=goal.status,
        items_done=progress.items_done if progress else 0,
        items_total=progress.items_total if progress else 0,
        forecast=goal.forecast,
        likely_by=goal.odds.p85 if goal.odds else None,
        on_time=goal.odds.on_time if goal.odds else None,
        open_signals=sorted(goal.open_signals),
    )


def _day(value: str | None) -> str:
    return spoken_date(date.fromisoformat(value)) if value else "—"


def _percent(chance: float | None) -> str:
    return "—" if chance is None else f"{whole_percent(chance)} %"


def _words(status: str) -> str:
    return status.replace("_", " ")


def changes(last: dict[str, GoalBrief], goals: dict[str, GoalSummary]) -> list[str]:
    """Plain sentences on what changed between the last digest and now."""
    found = []
    for campaign, goal in sorted(goals.items()):
        now, before = brief(goal), last.get(campaign)
        if before is None:
            found.append(f"{now.name}: new goal, {_words(now.status)}")
            continue
        if now.status != before.status:
            found.append(f"{now.name}: {_words(before.status)} → {_words(now.status)}")
        if (now.items_done, now.items_total) != (before.items_done, before.items_total):
            found.append(
                f"{now.name}: {before.items_done}/{before.items_total} → {now.items_done}/{now.items_total} items done"
            )
        if now.likely_by is not None or before.likely_by is not None:
            if now.likely_by != before.likely_by:
                found.append(f"{now.name}: 85 % likely by {_day(before.likely_by)} → {_day(now.likely_by)}")
            if _percent(now.on_time) != _percent(before.on_time):
                found.append(
                    f"{now.name}: chance of being ready for launch {_percent(before.on_time)} → {_percent(now.on_time)}"
                )
        elif now.forecast != before.forecast:
            found.append(f"{now.name}: forecast {before.forecast or '—'} → {now.forecast or '—'}")
        for rule in sorted(set(now.open_signals) - set(before.open_signals)):
            found.append(f"{now.name}: {rule.replace('_', ' ')} opened")
        for rule in sorted(set(before.open_signals) - set(now.open_signals)):
            found.append(f"{now.name}: {rule.replace('_', ' ')} resolved")
    for campaign in sorted(set(last) - set(goals)):
        found.append(f"{last[campaign].name}: no longer one of your goals")
    return found


def digest_for(
    state: OwnerState, now: datetime, config: RuleConfig, directory: Directory
) -> tuple[OwnerState, Notification | None]:
    """The owner's digest when one is due at `now` (and they own at least one goal), and the new state."""
    slot = digest_due(state.last_slot, now, config)
    if slot is None or not state.goals:
        return state, None
    recipients, unreachable = audience([state.person], directory)
    goals = [state.goals[key] for key in sorted(state.goals)]
    notification = Notification(
        key=digest_key(state.owner, digest_week(slot, config)),
        kind="digest",
        at=now,
        recipients=recipients,
        unreachable=unreachable,
        goals=goals,
        changes=changes(state.last_sent, state.goals),
    )
    return state.derive(last_slot=slot, last_sent={key: brief(goal) for key, goal in state.goals.items()}), notification
