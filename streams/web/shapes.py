"""The read model's answers as JSON: the shapes `openapi.yaml` describes, shared by the REST API and the
dashboard's pages (which render the same dictionaries)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connectors.notify.render import rule_texts
from streams.records import DeadLetter, DeliveryOutcome, GoalSummary, HistoryPoint, ItemBrief, Person, SourceHealth
from streams.web.portfolio import Episode, Portfolio, Told, owners_of, progress_share


def when(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def person(p: Person | None) -> dict[str, Any] | None:
    return None if p is None else {"id": p.id, "name": p.name, "email": p.email}


def explanation(rule: str) -> dict[str, str]:
    """What a rule means, for marketing (`launch`) and for engineering (`work`)."""
    text = rule_texts().get(rule, {})
    return {"title": text.get("title", rule), "launch": text.get("launch", ""), "work": text.get("work", "")}


def goal_row(goal: GoalSummary) -> dict[str, Any]:
    progress = goal.progress
    return {
        "campaign": goal.campaign,
        "name": goal.name or goal.campaign,
        "status": goal.status,
        "launch": goal.launch,
        "campaign_status": goal.campaign_status,
        "campaign_url": goal.campaign_url,
        "owner": person(goal.owner),
        "owners": [person(p) for p in owners_of(goal)],
        "progress": {
            "items_done": progress.items_done if progress else 0,
            "items_total": progress.items_total if progress else 0,
            "size_done": progress.size_done if progress else 0.0,
            "size_total": progress.size_total if progress else 0.0,
            "share": round(progress_share(goal), 4),
        },
        "forecast": goal.forecast,
        "odds": goal.odds.shown() if goal.odds else None,
        "baseline": goal.baseline,
        "open_signals": dict(goal.open_signals),
        "as_of": when(goal.as_of),
        "page": f"/goals/{goal.campaign}",
    }


def point(p: HistoryPoint) -> dict[str, Any]:
    return {
        "day": p.day,
        "status": p.status,
        "items_done": p.items_done,
        "items_total": p.items_total,
        "size_done": p.size_done,
        "size_total": p.size_total,
        "baseline": p.baseline,
        "forecast": p.forecast,
        "launch": p.launch,
    }


def episode(e: Episode) -> dict[str, Any]:
    return {
        "campaign": e.campaign,
        "rule": e.rule,
        "episode": e.episode,
        "open": e.open,
        "severity": e.severity,
        "max_severity": e.max_severity,
        "opened_at": when(e.opened_at),
        "closed_at": when(e.closed_at),
        "ended": e.ended,
        "reminders": e.reminders,
        "detail": e.detail,
        "explanation": explanation(e.rule),
    }


def delivery(unit: str, outcome: DeliveryOutcome) -> dict[str, Any]:
    channel, _, target = unit.partition(":")
    return {
        "unit": unit,
        "channel": channel,
        "target": target or None,
        "state": outcome.state,
        "at": when(outcome.at),
        "attempts": outcome.attempts,
        "error": outcome.error,
    }


def told(t: Told) -> dict[str, Any]:
    return {
        "key": t.key,
        "kind": t.kind,
        "at": when(t.at),
        "campaign": t.campaign,
        "rule": t.rule,
        "severity": t.severity,
        "recipients": [person(p) for p in t.recipients],
        "unreachable": [person(p) for p in t.unreachable],
        "deliveries": [delivery(unit, outcome) for unit, outcome in sorted(t.units.items())],
    }


def person_item(item: ItemBrief) -> dict[str, Any]:
    """A work item in brief: its key, summary, link into Jira and owner."""
    return {"key": item.key, "summary": item.summary, "url": item.url, "owner": person(item.owner)}


def goal_detail(portfolio: Portfolio, goal: GoalSummary) -> dict[str, Any]:
    return {
        **goal_row(goal),
        "baseline_set_at": when(goal.baseline_set_at),
        "first_linked_at": when(goal.first_linked_at),
        "won_at": when(goal.won_at),
        "items": [
            {
                "key": item.key,
                "summary": item.summary,
                "done": item.done,
                "leaf": item.leaf,
                "top_level": item.top_level,
                "url": item.url,
                "owner": person(item.owner),
                "assignee": person(item.assignee),
                "due_date": item.due_date,
                "size": item.size,
                "parent": item.parent,
                "status": item.status,
            }
            for item in goal.items
        ],
        "links": links_of(goal),
        "suggestions": suggestions_of(goal),
        "history": [point(p) for p in portfolio.points(goal.campaign)],
        "signals": [episode(e) for e in portfolio.signals_of(goal.campaign)],
        "notifications": [told(t) for t in portfolio.notifications_of(goal.campaign)],
    }


def links_of(goal: GoalSummary) -> list[dict[str, Any]]:
    return [
        {
            "campaign": goal.campaign,
            "work_item": link.work_item,
            "kind": link.kind,
            "source": link.source,
            "seen_at": when(link.seen_at),
            "via": link.via,
            "confidence": link.confidence,
        }
        for link in goal.links
    ]


def suggestions_of(goal: GoalSummary) -> list[dict[str, Any]]:
    return [
        {
            "campaign": goal.campaign,
            "campaign_name": goal.name or goal.campaign,
            "work_item": s.work_item,
            "summary": s.summary,
            "url": s.url,
            "score": s.score,
            "state": s.state,
            "seen_at": when(s.seen_at),
        }
        for s in goal.suggestions
    ]


def portfolio_summary(portfolio: Portfolio, weeks: int = 8) -> dict[str, Any]:
    counts = portfolio.counts()
    return {
        "as_of": when(portfolio.as_of),
        "total": sum(counts.values()),
        "counts": counts,
        "trend": [{"week_ending": day, "counts": found} for day, found in portfolio.trend(weeks)],
        "unknown_campaigns": len(portfolio.unknown_campaign_work()),
    }


def source(health: SourceHealth) -> dict[str, Any]:
    return {
        "system": health.system,
        "worker": health.worker,
        "reported_at": when(health.reported_at),
        "enabled": health.enabled,
        "synced": health.synced,
        "stopped": health.stopped,
        "last_poll_at": when(health.last_poll_at),
        "last_success_at": when(health.last_success_at),
        "lag_seconds": round((health.reported_at - health.last_success_at).total_seconds(), 1)
        if health.last_success_at
        else None,
        "polls": health.polls,
        "errors": health.errors,
        "last_error": health.last_error,
        "last_error_at": when(health.last_error_at),
        "requests": health.requests,
        "retries": health.retries,
        "throttled": health.throttled,
        "headroom": health.headroom,
    }


def letter(d: DeadLetter) -> dict[str, Any]:
    return {
        "failed_at": when(d.failed_at),
        "agent": d.agent,
        "topic": d.topic,
        "partition": d.partition,
        "offset": d.offset,
        "key": d.key,
        "error_type": d.error_type,
        "error": d.error,
    }


def sync_of(portfolio: Portfolio) -> dict[str, Any]:
    """The background sync across workers: writes by kind, and each conflict and refusal once."""
    written: dict[str, int] = {}
    logged: dict[str, int] = {}
    conflicts: dict[str, str] = {}
    refusals: dict[str, str] = {}
    for report in portfolio.syncs.values():
        for total, counts in ((written, report.written), (logged, report.logged)):
            for name, count in counts.items():
                total[name] = total.get(name, 0) + count
        conflicts.update(report.conflicts)
        refusals.update(report.refusals)
    return {
        "dry_run": any(report.dry_run for report in portfolio.syncs.values()),
        "written": written,
        "logged": logged,
        "conflicts": [{"cause": cause, "detail": text} for cause, text in sorted(conflicts.items())],
        "refusals": [{"cause": cause, "detail": text} for cause, text in sorted(refusals.items())],
    }


def health(portfolio: Portfolio, ready: bool, skipped: int) -> dict[str, Any]:
    def with_limits(report: SourceHealth) -> dict[str, Any]:
        """A source with what its vendor's limits hold back: a hold of its budget, HubSpot's daily count."""
        return {
            **source(report),
            "held_until": when(report.held_until),
            "held_reason": report.held_reason,
            "daily_limit": report.daily_limit,
            "daily_remaining": report.daily_remaining,
            "daily_reserve": report.daily_reserve,
        }

    accepted: dict[str, int] = {}
    duplicates: dict[str, int] = {}
    refused: dict[str, int] = {}
    for report in portfolio.webhooks.values():
        for total, counts in ((accepted, report.accepted), (duplicates, report.duplicates), (refused, report.refused)):
            for name, count in counts.items():
                total[name] = total.get(name, 0) + count
    return {
        "sources": [with_limits(portfolio.sources[name]) for name in sorted(portfolio.sources)],
        "webhooks": {
            "accepted": accepted,
            "duplicates": duplicates,
            "refused": refused,
            "workers": sorted(portfolio.webhooks),
        },
        "sync": sync_of(portfolio),
        "dead_letters": {
            "total": portfolio.dead_letters,
            "by_agent": dict(portfolio.dead_by_agent),
            "latest": [letter(d) for d in reversed(portfolio.latest_letters)],
        },
        "read_model": {"ready": ready, "goals": len(portfolio.known_goals()), "skipped": skipped},
    }
