"""The report of a replay (docs/scenarios.md), built from what actually flowed: the goal summaries and signal
records on Kafka, the messages the notification receivers got, and the sandboxes' write log.

Links, suggestions and goals are as of the end; signals, notifications and writes are the whole history.
Lists are sorted by time, then campaign, then rule or key; times are ISO-8601 UTC of the scenario clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from streams.records import GoalSummary, SignalRecord

SEVERITY_RANK = {None: 0, "warning": 1, "critical": 2}
CLOSING = ("closed", "superseded")


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def links(goals: Iterable[GoalSummary]) -> list[dict[str, Any]]:
    rows = [
        {
            "campaign": goal.campaign,
            "work_item": link.work_item,
            "kind": link.kind,
            "source": link.source,
            "confidence": link.confidence,
        }
        for goal in goals
        if goal.known  # work naming a campaign HubSpot does not have is orphan work, not a link
        for link in goal.links
    ]
    return sorted(rows, key=lambda row: (row["campaign"], row["work_item"]))


def suggestions(goals: Iterable[GoalSummary]) -> list[dict[str, Any]]:
    rows = [
        {"campaign": goal.campaign, "work_item": s.work_item, "score": s.score, "state": s.state}
        for goal in goals
        for s in goal.suggestions
    ]
    return sorted(rows, key=lambda row: (row["campaign"], row["work_item"]))


def goal_rows(goals: Iterable[GoalSummary]) -> list[dict[str, Any]]:
    rows = []
    for goal in sorted(goals, key=lambda g: g.campaign):
        if not goal.links or not goal.known:
            continue  # a campaign with suggestions only is no goal yet; one HubSpot does not have is none
        progress = goal.progress
        rows.append(
            {
                "campaign": goal.campaign,
                "status": goal.status,
                "launch": goal.launch,
                "progress": {
                    "items_done": progress.items_done if progress else 0,
                    "items_total": progress.items_total if progress else 0,
                    "size_done": _number(progress.size_done) if progress else 0,
                    "size_total": _number(progress.size_total) if progress else 0,
                },
                "forecast": goal.forecast,
                "odds": goal.odds.shown() if goal.odds else None,
                "baseline": _number(goal.baseline) if goal.baseline is not None else None,
            }
        )
    return rows


def signal_episodes(records: Iterable[SignalRecord]) -> list[dict[str, Any]]:
    """One row per signal episode: when it opened, when it closed (None while open), the highest severity."""
    episodes: dict[tuple[str, str, int], dict[str, Any]] = {}
    for record in records:
        if record.rule == "win":
            continue
        key = (record.campaign, record.rule, record.episode)
        row = episodes.setdefault(
            key,
            {"campaign": record.campaign, "rule": record.rule, "severity": None, "opened_at": None, "closed_at": None},
        )
        if record.action == "opened":
            row["opened_at"] = iso(record.at)
        if record.action in CLOSING:
            row["closed_at"] = iso(record.at)
            if record.action == "superseded":
                row["superseded"] = True
        for severity in (record.severity, record.max_severity):
            if SEVERITY_RANK.get(severity, 0) > SEVERITY_RANK.get(row["severity"], 0):
                row["severity"] = severity
    return sorted(episodes.values(), key=lambda row: (row["opened_at"] or "", row["campaign"], row["rule"]))


def write_rows(writes: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows = [{"system": w["system"], "method": w["method"], "path": w["path"], "at": w["at"]} for w in writes]
    return sorted(rows, key=lambda row: (row["at"], row["system"], row["path"]))


def _notification_order(n: Mapping[str, Any]) -> tuple[str, ...]:
    return (
        n["at"] or "",
        n.get("campaign") or "",
        n.get("rule") or "",
        n["kind"] or "",
        n["channel"],
        ",".join(n["to"]),
    )


def build_report(
    scenario: str,
    goals: Mapping[str, GoalSummary],
    signals: Iterable[SignalRecord],
    writes: Iterable[Mapping[str, Any]],
    notifications: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    finals = list(goals.values())
    return {
        "scenario": scenario,
        "links": links(finals),
        "suggestions": suggestions(finals),
        "goals": goal_rows(finals),
        "signals": signal_episodes(signals),
        "notifications": sorted(notifications, key=_notification_order),
        "writes": write_rows(writes),
    }
