"""Signal lifecycle (docs/rules.md): open, change severity, remind, close, and supersede.

A signal is keyed (campaign, rule); `transition` works on the open signals of one campaign.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from streams.rules.config import RuleConfig
from streams.rules.goals import require_aware
from streams.rules.model import ACTIONS, SEVERITY_RANK, Severity, SignalEvent, SignalState

SUPERSEDED_BY = {"schedule_risk": "missed_launch"}  # a signal that closes silently when the other is open


def _episode_source(next_episode: Callable[[str], int] | Mapping[str, int]) -> Callable[[str], int]:
    if isinstance(next_episode, Mapping):
        mapping = next_episode
        return lambda rule: mapping.get(rule, 1)
    return next_episode


def reminder_period(opened_at: datetime, now: datetime, config: RuleConfig) -> int:
    """k: how many whole `remind_days` periods passed since opening (reminder k is due at opened + k·period)."""
    if now < opened_at:
        return 0
    return (now - opened_at) // timedelta(days=config.remind_days)


def _reminder(state: SignalState, now: datetime, config: RuleConfig) -> int:
    """The reminder number due at `now` and not yet sent, else 0."""
    k = reminder_period(state.opened_at, now, config)
    if k < 1:
        return 0
    due_at = state.opened_at + k * timedelta(days=config.remind_days)
    if state.last_reminder_at is not None and state.last_reminder_at >= due_at:
        return 0
    return k


def transition(
    open_signals: Mapping[str, SignalState],
    wanted: Mapping[str, tuple[Severity, str]],
    now: datetime,
    config: RuleConfig,
    next_episode: Callable[[str], int] | Mapping[str, int],
    *,
    canceled: bool = False,
) -> tuple[dict[str, SignalState], list[SignalEvent]]:
    """The open signals after this evaluation, and what happened to them.

    `wanted` is `drift.evaluate`'s answer. `next_episode(rule)` (or `next_episode[rule]`, default 1) is the
    episode number the next opening of that rule gets; callers count openings per (campaign, rule).
    While `missed_launch` is open, `schedule_risk` closes as `superseded` (no `resolved` alert) and stays
    closed. When the campaign is `canceled`, every open signal but `canceled_work` closes as `superseded`:
    nothing was resolved, the launch was called off. Events come sorted by rule, then action (in the order
    of `model.ACTIONS`).
    """
    require_aware(now)
    episode_for = _episode_source(next_episode)
    wanted = dict(wanted)
    for rule, by in SUPERSEDED_BY.items():
        if by in wanted:
            wanted.pop(rule, None)
    result: dict[str, SignalState] = {}
    events: list[SignalEvent] = []

    for rule in sorted(set(open_signals) | set(wanted)):
        state = open_signals.get(rule)
        if rule not in wanted:
            if state is None:
                continue
            called_off = canceled and rule != "canceled_work"
            superseded = called_off or SUPERSEDED_BY.get(rule) in wanted
            if called_off:
                detail = "The campaign was canceled."
            elif superseded:
                detail = f"Superseded by {SUPERSEDED_BY[rule]}."
            else:
                detail = "The condition no longer holds."
            events.append(
                SignalEvent(
                    rule=rule,
                    action="superseded" if superseded else "closed",
                    severity=state.severity,
                    at=now,
                    episode=state.episode,
                    detail=detail,
                )
            )
            continue
        severity, detail = wanted[rule]
        if state is None:
            episode = episode_for(rule)
            result[rule] = SignalState(rule, severity, severity, now, None, episode)
            events.append(SignalEvent(rule, "opened", severity, now, episode, detail))
            continue
        change = SEVERITY_RANK[severity] - SEVERITY_RANK[state.severity]
        if change > 0:
            state = replace(
                state,
                severity=severity,
                max_severity=severity
                if SEVERITY_RANK[severity] > SEVERITY_RANK[state.max_severity]
                else state.max_severity,
                escalations=state.escalations + 1,
            )
            events.append(SignalEvent(rule, "escalated", severity, now, state.episode, detail, state.escalations))
        elif change < 0:
            state = replace(state, severity=severity)
            events.append(SignalEvent(rule, "deescalated", severity, now, state.episode, detail))
        k = _reminder(state, now, config)
        if k:
            state = replace(state, last_reminder_at=now)
            events.append(SignalEvent(rule, "reminder", state.severity, now, state.episode, detail, k))
        result[rule] = state

    events.sort(key=lambda event: (event.rule, ACTIONS.index(event.action)))
    return result, events
