"""Who hears of what (docs/rules.md, Alerts), as pure functions.

A person known to both tools is one recipient: people are identified by their email when it is known,
else by the tool's own id. `TANDEM_PEOPLE` may give anyone an address or a Slack handle. People who
should hear of something but have no address are returned as unreachable, so they are reported rather
than dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable

from streams.records import GoalSummary, Notification, Person, SignalRecord, identity
from streams.rules.alerts import signal_alert_key, win_key
from tandem.people import Directory

ALERT_KINDS = {"opened": "opened", "escalated": "escalated", "reminder": "reminder", "closed": "resolved"}


def audience(people: Iterable[Person | None], directory: Directory) -> tuple[list[Person], list[Person]]:
    """(reachable, unreachable): each person once, resolved through the directory, sorted."""
    seen: dict[str, Person] = {}
    for person in people:
        if person is None:
            continue
        resolved = directory.resolve(person)
        key = identity(resolved)
        if key and key not in seen:
            seen[key] = resolved
    ordered = [seen[key] for key in sorted(seen)]
    return [p for p in ordered if p.email], [p for p in ordered if not p.email]


def _top_level_owners(goal: GoalSummary) -> list[Person | None]:
    return [item.owner for item in goal.items if item.top_level]


def signal_people(signal: SignalRecord) -> list[Person | None]:
    """The campaign owner and the owners of the goal's top-level items; for orphan work, the owners of
    the work items naming the unknown campaign."""
    goal = signal.goal
    if goal is None:
        return []
    if signal.rule == "orphan_work":
        return list(signal.people) or [item.owner for item in goal.items]
    return [goal.owner, *_top_level_owners(goal)]


def win_people(goal: GoalSummary) -> tuple[list[Person | None], list[Person | None]]:
    """(everyone told, the contributors named): campaign owner, top-level owners, assignees of the leaves."""
    contributors = [item.assignee for item in goal.items if item.leaf]
    return [goal.owner, *_top_level_owners(goal), *contributors], contributors


def notification_for(signal: SignalRecord, directory: Directory) -> Notification | None:
    """The notification a signal record sends, or None (lowered severities and supersessions send none)."""
    goal = signal.goal
    if signal.action == "win" and goal is not None:
        everyone, contributors = win_people(goal)
        recipients, unreachable = audience(everyone, directory)
        named, _ = audience(contributors, directory)
        return Notification(
            key=win_key(signal.campaign),
            kind="win",
            at=signal.at,
            campaign=signal.campaign,
            recipients=recipients,
            unreachable=unreachable,
            detail=signal.detail,
            goal=goal,
            contributors=named,
            jira_issues=_jira_issues(goal),
        )
    kind = ALERT_KINDS.get(signal.action)
    if kind is None:
        return None
    index = signal.reminder if signal.action == "reminder" else 0
    recipients, unreachable = audience(signal_people(signal), directory)
    return Notification(
        key=signal_alert_key(signal.campaign, signal.rule, signal.episode, signal.action, index),
        kind=kind,
        at=signal.at,
        campaign=signal.campaign,
        rule=signal.rule,
        severity=signal.severity,
        recipients=recipients,
        unreachable=unreachable,
        detail=signal.detail,
        goal=goal,
        jira_issues=_jira_issues(goal) if goal is not None else [],
    )


def _jira_issues(goal: GoalSummary) -> list[str]:
    return sorted(item.key for item in goal.items if item.top_level)
