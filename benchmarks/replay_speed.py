"""Replay speed: wall seconds for `tandem replay` of a generated 90-day, 200-step scenario (`replay_90d_s`,
target < 30 s) and per scenario day (`replay_s_per_day`). `--quick` replays 10 days and 20 steps and
reports the same keys, `replay_90d_s` then being the start-up plus the per-day driving time × 90 (marked
in `replay_sizes`).

The scenario: 10 campaigns (one launch moving now and then), each with an epic of 4 stories in Jira; the
steps move stories through their statuses, change due dates and sizes, and move launches — one step at a
time, spread evenly over the days (each step its own instant: the replay settles after each).
The time runs from the start of the replay (broker given; sandboxes, worker and all) to its report;
`replay_s_per_day` is the driving time after the worker is ready, per scenario day.

    .venv/bin/python -m benchmarks.replay_speed [--quick]
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from benchmarks.common import ROOT, standalone

START = datetime(2027, 1, 4, 9, tzinfo=UTC)
CAMPAIGNS = 10
STORIES = 4
STATUSES = (("To Do", "new"), ("In Progress", "indeterminate"), ("Done", "done"))


def campaign_uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n + 1:012d}"


def scenario_text(days: int, steps: int, seed: int = 2027) -> str:
    """A scenario of `days` days with `steps` timeline steps (YAML, as `sandbox.scenario` reads it)."""
    rng = random.Random(seed)
    campaigns: list[dict[str, Any]] = []
    issues: list[dict[str, Any]] = []
    for n in range(CAMPAIGNS):
        launch = (START + timedelta(days=days + 10 + 3 * n)).date().isoformat()
        epic = f"WEB-{n * (STORIES + 1) + 1}"
        campaigns.append(
            {
                "id": campaign_uuid(n),
                "properties": {
                    "hs_name": f"Campaign {n} launch",
                    "hs_start_date": launch,
                    "hs_campaign_status": "planned",
                    "hs_owner": "101",
                    "hs_notes": f"Tracked in {epic}.",
                },
            }
        )
        issues.append(
            {
                "key": epic,
                "fields": {
                    "issuetype": {"name": "Epic"},
                    "summary": f"Engineering for campaign {n}",
                    "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
                    "assignee": {"accountId": "u-1"},
                    "duedate": launch,
                },
            }
        )
        for s in range(STORIES):
            issues.append(
                {
                    "key": f"WEB-{n * (STORIES + 1) + 2 + s}",
                    "fields": {
                        "issuetype": {"name": "Story"},
                        "parent": {"key": epic},
                        "summary": f"Story {s} of campaign {n}",
                        "status": {"name": "To Do", "statusCategory": {"key": "new"}},
                        "assignee": {"accountId": f"u-{1 + s % 2}"},
                        "customfield_10016": rng.choice((1, 2, 3, 5)),
                    },
                }
            )
    stories = [issue["key"] for issue in issues if issue["fields"]["issuetype"]["name"] == "Story"]
    timeline: list[dict[str, Any]] = []
    span = (days * 86400 - 3600) / steps
    for index in range(steps):
        at = (START + timedelta(seconds=3600 + int(index * span))).strftime("%Y-%m-%dT%H:%M:%SZ")
        kind = rng.random()
        if kind < 0.1:
            n = rng.randrange(CAMPAIGNS)
            launch = (START + timedelta(days=days + rng.randrange(-20, 40))).date().isoformat()
            timeline.append(
                {"at": at, "hubspot": {"update": campaign_uuid(n), "properties": {"hs_start_date": launch}}}
            )
        elif kind < 0.25:
            due = (START + timedelta(days=rng.randrange(days + 30))).date().isoformat()
            timeline.append({"at": at, "jira": {"update": rng.choice(stories), "fields": {"duedate": due}}})
        elif kind < 0.35:
            size = rng.choice((1, 2, 3, 5, 8))
            timeline.append({"at": at, "jira": {"update": rng.choice(stories), "fields": {"customfield_10016": size}}})
        else:
            name, category = rng.choice(STATUSES)
            timeline.append(
                {
                    "at": at,
                    "jira": {
                        "update": rng.choice(stories),
                        "fields": {"status": {"name": name, "statusCategory": {"key": category}}},
                    },
                }
            )
    document = {
        "name": f"bench-{days}d-{steps}-steps",
        "start": START.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (START + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "hubspot": {
            "portal_id": 4242,
            "owners": [{"id": "101", "email": "maria@acme.test", "firstName": "Maria", "lastName": "Lopez"}],
            "campaigns": campaigns,
        },
        "jira": {
            "users": [
                {"accountId": "u-1", "displayName": "Ivan Petrov", "emailAddress": "ivan@acme.test"},
                {"accountId": "u-2", "displayName": "Olga Smirnova", "emailAddress": "olga@acme.test"},
            ],
            "projects": [{"key": "WEB", "name": "Website", "lead": "u-1"}],
            "issues": issues,
        },
        "timeline": timeline,
    }
    return yaml.safe_dump(document, sort_keys=False)


def figures(seconds: float, ready_s: float, days: int, steps: int) -> dict[str, Any]:
    """`seconds` for the whole replay of `days` days, of which `ready_s` went to starting it (sandboxes and
    worker up): a shorter replay is scaled to 90 days by its driving time only."""
    driving = seconds - ready_s
    per_day = driving / days
    return {
        "replay_90d_s": round(ready_s + per_day * 90, 1),
        "replay_s_per_day": round(per_day, 3),
        "replay_sizes": {
            "days": days,
            "steps": steps,
            "measured_s": round(seconds, 1),
            "start_s": round(ready_s, 1),
            "scaled_to_90d": days != 90,
        },
    }


async def measure(bootstrap: str, days: int, steps: int, say: Any) -> dict[str, Any]:
    import os

    from sandbox.scenario import parse_scenario
    from tandem.replay.driver import Replay

    scenario = parse_scenario(scenario_text(days, steps), "benchmark scenario")
    os.environ["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap  # the replay uses the given broker
    # and its worker runs this checkout (the installed package may be another one)
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    began = time.monotonic()
    ready: list[float] = []

    def heard(line: str) -> None:
        if line.startswith("worker ready"):
            ready.append(time.monotonic() - began)

    report = await Replay(scenario, say=heard).run()
    seconds = time.monotonic() - began
    start = ready[0] if ready else 0.0
    say(f"  replayed {days} days, {steps} steps in {seconds:.1f}s, {start:.1f}s of it starting up")
    if len(report["goals"]) != CAMPAIGNS:
        raise RuntimeError(f"the replay ended with {len(report['goals'])} goals, not {CAMPAIGNS}")
    return figures(seconds, start, days, steps)


def run(bootstrap: str, quick: bool, say: Any = print) -> dict[str, Any]:
    days, steps = (10, 20) if quick else (90, 200)
    return asyncio.run(measure(bootstrap, days, steps, say))


def main() -> None:
    standalone(run, __doc__)


if __name__ == "__main__":
    main()
