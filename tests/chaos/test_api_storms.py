"""API storms against a live worker polling both sandboxes with the background sync on: 30 % 5xx, 429 storms
with and without `Retry-After`, 10 s latency spikes, then an outage of each vendor in turn, while campaigns
and issues keep changing. Afterwards the sync completes — every change reaches the other side, once —
nothing is dead-lettered or failed, no request went over a vendor's rate limit (the sandboxes count them),
and connector health shows what happened.

The outages last `TANDEM_CHAOS_OUTAGE_SECONDS` each (60 s in the suite, to keep it bounded; the README's
figures come from a run with 300). Calls give up after 3 attempts here, so a write meets the outage after
its own retries and must wait it out (`connectors.http.outage`) instead of being dead-lettered.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.chaos.support import seed_from_env
from tests.integration.connectors.support import clean, faults, guid, load, scenario, step
from tests.integration.connectors.sync.test_background_sync import (
    comments,
    health,
    remote_links,
    settled,
    until,
    worker_for,
    writes,
)
from tests.sandbox_fixtures import Sandboxes
from tests.worker_process import Worker, read_to_marker, read_topic

pytestmark = [pytest.mark.integration, pytest.mark.chaos, pytest.mark.xdist_group("chaos"), pytest.mark.timeout(1800)]

CAMPAIGNS = 3
PHASE_SECONDS = 15.0
OUTAGE_SECONDS = float(os.environ.get("TANDEM_CHAOS_OUTAGE_SECONDS") or 60)
BOTH = ("hubspot", "jira")


def storms(seed: int) -> list[tuple[str, tuple[str, ...], dict[str, Any], float]]:
    """(name, systems, fault config, wall seconds), in order."""
    return [
        ("30 % 5xx", BOTH, {"error_rate": 0.3, "seed": seed}, PHASE_SECONDS),
        ("429 storm with Retry-After", BOTH, {"storm_rate": 0.5, "seed": seed}, PHASE_SECONDS),
        (
            "429 storm without Retry-After",
            BOTH,
            {"storm_rate": 0.5, "storm_retry_after": False, "seed": seed},
            PHASE_SECONDS,
        ),
        ("10 s latency", BOTH, {"latency_ms": 10_000, "seed": seed}, PHASE_SECONDS),
        ("HubSpot outage", ("hubspot",), {"outage": True}, OUTAGE_SECONDS),
        ("Jira outage", ("jira",), {"outage": True}, OUTAGE_SECONDS),
    ]


def sandbox_now(world: Sandboxes) -> datetime:
    _, answer = world.control("GET", "/_sandbox/clock")
    return datetime.fromisoformat(answer["now"].replace("Z", "+00:00"))


def switch_on(world: Sandboxes, systems: tuple[str, ...], config: dict[str, Any]) -> None:
    if config.get("outage"):
        now = sandbox_now(world)  # the clock stands still between steps: the window lasts until cleared
        config = {"outages": [[now.isoformat(), (now + timedelta(days=30)).isoformat()]]}
    for system in systems:
        faults(world, system, **config)


def change(world: Sandboxes, phase: int) -> tuple[str, str, str, str]:
    """A launch moved and an issue renamed, during the phase: (campaign id, new launch, issue key, new summary)."""
    campaign, issue = phase % CAMPAIGNS, f"WEB-{phase % CAMPAIGNS + 1}"
    launch, summary = f"2027-03-{10 + phase:02d}", f"Work item {phase % CAMPAIGNS} (changed in phase {phase})"
    at = f"2027-01-05T{10 + phase:02d}:00:00Z"
    step(world, {"at": at, "hubspot": {"update": guid(campaign + 1), "properties": {"hs_start_date": launch}}})
    step(world, {"at": at, "jira": {"update": issue, "fields": {"summary": summary}}})
    return guid(campaign + 1), launch, issue, summary


def launch_title(launch: str) -> str:
    day = datetime.strptime(launch, "%Y-%m-%d")
    return f"launch {day.day} {day:%b %Y}"


def sandbox_health(world: Sandboxes) -> dict[str, Any]:
    _, answer = world.control("GET", "/_sandbox/health")
    return dict(answer)


def latest_by_key(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {record["key"]: record for record in records}


async def test_api_storms_and_an_outage_of_each_vendor_lose_nothing_and_stay_under_the_limits(
    sandboxes: Sandboxes, kafka_bootstrap: str, tmp_path: Path
) -> None:
    seed = seed_from_env()
    world = sandboxes
    clean(world)
    load(world, scenario(campaigns=CAMPAIGNS, issues=CAMPAIGNS))
    worker: Worker = worker_for(
        world,
        kafka_bootstrap,
        tmp_path / "worker",
        TANDEM_HTTP_TIMEOUT_SECONDS="30",  # a 10 s spike is slow, not a timeout
        TANDEM_HTTP_MAX_BACKOFF_SECONDS="10",
    )
    worker.start()
    try:
        for n in range(CAMPAIGNS):  # the first sync: a remote link on each campaign's issue
            until(lambda n=n: remote_links(world, f"WEB-{n + 1}"), worker, within=120)
        settled(world)
        final_launch: dict[str, str] = {}
        final_summary: dict[str, str] = {}
        timeline: list[tuple[str, float]] = []
        for phase, (name, systems, config, seconds) in enumerate(storms(seed)):
            began = time.monotonic()
            switch_on(world, systems, config)
            _, launch, issue, summary = change(world, phase)
            final_launch[issue], final_summary[issue] = launch, summary
            await asyncio.sleep(seconds)
            clean(world)
            timeline.append((name, round(time.monotonic() - began, 1)))
        storm_over = time.monotonic()
        print(f"storms (seed {seed}): {timeline}")

        # The sync completes: every launch move reached its issue's remote link, every rename reached Tandem.
        for issue, launch in final_launch.items():
            title = launch_title(launch)
            until(lambda i=issue, t=title: t in remote_links(world, i)[0]["object"]["title"], worker, 300)
        items = latest_by_key(
            await read_topic(kafka_bootstrap, worker.topic("workitems"), expect=1_000_000, wait_seconds=5)
        )
        assert {key: items[key]["summary"] for key in final_summary} == final_summary
        settled(world, within=300)
        recovered = time.monotonic() - storm_over
        after = health(worker)
        served = sandbox_health(world)
    finally:
        worker.stop()
        clean(world)
    print(f"recovered {recovered:.0f} s after the last storm; sandbox: {served}")
    shown = ("system", "requests", "retries", "throttled", "errors", "last_error")
    print(f"connector health: {[{k: s[k] for k in shown} for s in after['sources']]}")

    # Once each: one remote link per issue, no comment twice.
    for n in range(CAMPAIGNS):
        key = f"WEB-{n + 1}"
        assert len(remote_links(world, key)) == 1
        said = comments(world, key)
        assert [text for text, count in Counter(said).items() if count > 1] == [], said
        assert len(writes(world, method="POST", path=f"/rest/api/3/issue/{key}/remotelink")) >= 1
    # The storms happened, and Tandem kept under the limits through them.
    for system in BOTH:
        statuses = {int(status) for status in served["faults_served"][system]}
        assert {429, 503} <= statuses and statuses & {500, 502}, (system, statuses)
        assert served["delayed"][system] > 0
        assert served["over_limit"][system] == 0, (system, served["over_limit"])
    # Health shows it: retries and 429s per source, and a success after the storms.
    sources = {s["system"]: s for s in after["sources"]}
    for system in BOTH:
        assert sources[system]["retries"] > 0 and sources[system]["throttled"] > 0, sources[system]
        assert sources[system]["last_success_at"] > sources[system]["last_error_at"] or sources[system]["errors"] == 0
    # Nothing lost on the way: no dead letter, no delivery unit failed.
    assert after["dead_letters"]["total"] == 0, after["dead_letters"]
    letters = await read_to_marker(kafka_bootstrap, worker.topic("dlq"), "marker")
    assert letters == []
    outcomes = await read_topic(kafka_bootstrap, worker.topic("deliveries"), expect=1_000_000, wait_seconds=3)
    states = {(o["key"], o["unit"]): o["state"] for o in outcomes}
    assert [unit for unit, state in states.items() if state in ("failed", "sending")] == []
