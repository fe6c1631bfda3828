"""Backfill benchmark: 50,000 Jira issues and 2,000 HubSpot campaigns from the sandboxes, under their
DEFAULT rate limits, into a real Kafka broker; the time is compared with the floor the limits allow.

    .venv/bin/python benchmarks/backfill.py [--issues 50000] [--campaigns 2000] [--remote-links changed|off]

The sandboxes run in a child process (as a real vendor would be elsewhere); Kafka is `KAFKA_BOOTSTRAP_SERVERS`
or a broker started here with the project's launcher. The floor of each API is requests needed ÷ allowed
rate for its busiest rate-limit bucket (Jira limits each endpoint separately; both sources run at once).
Results go to stdout as JSON; `benchmarks/RESULTS.md` records the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
HUBSPOT_LIMIT = (190, 10.0)  # sandbox/hubspot/app.py DEFAULT_RATE_LIMIT
JIRA_READ_PER_SECOND = 100.0  # sandbox/jira/ratelimit.py JiraLimits defaults
JIRA_WRITE_PER_SECOND = 50.0


def scenario_text(issues: int, campaigns: int) -> str:
    """A workspace of `issues` issues in 5 projects and `campaigns` campaigns; updates spread over 30 days,
    with runs of equal `updated` times (page boundaries land inside them)."""
    owners = [
        {"id": str(100 + i), "email": f"owner{i}@acme.test", "firstName": "Owner", "lastName": str(i)}
        for i in range(20)
    ]
    hub = [
        {
            "id": str(uuid.UUID(int=i + 1)),
            "properties": {
                "hs_name": f"Campaign {i}",
                "hs_start_date": (START + timedelta(days=30 + i % 200)).date().isoformat(),
                "hs_campaign_status": "planned",
                "hs_owner": str(100 + i % 20),
                "hs_notes": f"Tracked in WEB-{i + 1}.",
            },
        }
        for i in range(campaigns)
    ]
    users = [
        {"accountId": f"u-{i}", "displayName": f"User {i}", "emailAddress": f"user{i}@acme.test"} for i in range(50)
    ]
    projects = [{"key": key, "name": key.title(), "lead": "u-0"} for key in ("WEB", "APP", "OPS", "DATA", "MOB")]
    per_project = math.ceil(issues / len(projects))
    jira_issues = []
    for n in range(issues):
        project = projects[n // per_project]["key"]
        number = n % per_project + 1
        updated = START - timedelta(days=30) + timedelta(minutes=(n // 7))  # 7 issues share each minute
        jira_issues.append(
            {
                "key": f"{project}-{number}",
                "fields": {
                    "issuetype": {"name": "Story"},
                    "summary": f"Work item {n}",
                    "status": {"name": "To Do"},
                    "assignee": {"accountId": f"u-{n % 50}"},
                    "labels": [f"campaign-{uuid.UUID(int=n % max(campaigns, 1) + 1)}"] if n % 10 == 0 else [],
                    "customfield_10016": n % 8,
                    "created": updated.isoformat(),
                    "updated": updated.isoformat(),
                },
            }
        )
    return json.dumps(
        {
            "name": "backfill-benchmark",
            "start": START.isoformat(),
            "end": (START + timedelta(days=365)).isoformat(),
            "hubspot": {"portal_id": 4242, "owners": owners, "campaigns": hub},
            "jira": {"users": users, "projects": projects, "issues": jira_issues},
            "timeline": [],
        }
    )


def serve_sandboxes(text: str, pipe: Any) -> None:
    """Child process: load the scenario, serve both sandboxes, report (hubspot_url, jira_url), serve until killed."""
    from sandbox.runner import start_sandboxes
    from sandbox.scenario import parse_scenario

    async def main() -> None:
        scenario = parse_scenario(text, "benchmark.json")
        running = await start_sandboxes(scenario)
        pipe.send((running.hubspot_url, running.jira_url))
        await asyncio.Event().wait()

    asyncio.run(main())


async def count_keys(bootstrap: str, topic: str, expect: int) -> tuple[int, int]:
    """(records, distinct (key, source_updated_at) pairs) on `topic`."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or {0})]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records, versions = 0, set()

        async def behind() -> bool:
            return any([await consumer.position(tp) < ends[tp] for tp in tps])

        while await behind():
            for messages in (await consumer.getmany(timeout_ms=1000)).values():
                for message in messages:
                    records += 1
                    value = json.loads(message.value)
                    versions.add((message.key, value.get("source_updated_at")))
        return records, len(versions)
    finally:
        await consumer.stop()


async def run(args: argparse.Namespace, bootstrap: str, hubspot_url: str, jira_url: str) -> dict[str, Any]:
    from connectors.hubspot.source import HubSpotSource
    from connectors.jira.source import JiraSource
    from connectors.state.cursors import CursorStore
    from connectors.state.producer import KafkaSink
    from streams.topic_admin import ensure_topics
    from tandem.settings import load_settings

    prefix = f"bench-{uuid.uuid4().hex[:8]}."
    settings = load_settings(
        kafka_bootstrap_servers=bootstrap,
        topic_prefix=prefix,
        hubspot_base_url=hubspot_url,
        hubspot_token="sandbox-hubspot-token",
        hubspot_portal_id=4242,
        jira_url=jira_url,
        jira_email="tandem@sandbox.test",
        jira_api_token="sandbox-jira-token",
        jira_projects="WEB,APP,OPS,DATA,MOB",
        jira_remote_links=args.remote_links,
        allow_insecure_urls=True,  # the sandboxes speak http on loopback
    )
    await ensure_topics(bootstrap, {f"{prefix}campaigns": 4, f"{prefix}workitems": 4, f"{prefix}dlq": 1})
    sink = KafkaSink(bootstrap, prefix)
    await sink.start()
    cursors = CursorStore(sink)
    hubspot = HubSpotSource(settings, sink, cursors)
    jira = JiraSource(settings, sink, cursors)

    async def timed(source: Any) -> tuple[Any, float]:
        began = time.monotonic()
        result = await source.sync()
        return result, time.monotonic() - began

    began = time.monotonic()
    (hub_result, hub_seconds), (jira_result, jira_seconds) = await asyncio.gather(timed(hubspot), timed(jira))
    total = time.monotonic() - began
    hub_retries, jira_retries = hubspot.api.caller.retries, jira.api.caller.retries
    await hubspot.close()
    await jira.close()
    await sink.stop()
    campaigns = await count_keys(bootstrap, f"{prefix}campaigns", args.campaigns)
    issues = await count_keys(bootstrap, f"{prefix}workitems", args.issues)

    pages = math.ceil(args.issues / 100)
    jira_buckets = {
        "search/jql (GET)": (pages, JIRA_READ_PER_SECOND),
        "changelog/bulkfetch (POST)": (pages, JIRA_WRITE_PER_SECOND),
    }
    if args.remote_links == "changed":
        jira_buckets["issue/{key}/remotelink (GET)"] = (args.issues, JIRA_READ_PER_SECOND)
    jira_floor = max(count / rate for count, rate in jira_buckets.values())
    hub_requests = math.ceil(args.campaigns / 100) + 1
    hub_floor = hub_requests / (HUBSPOT_LIMIT[0] / HUBSPOT_LIMIT[1])
    floor = max(jira_floor, hub_floor)
    return {
        "issues": args.issues,
        "campaigns": args.campaigns,
        "remote_links": args.remote_links,
        "seconds": round(total, 1),
        "floor_seconds": round(floor, 1),
        "ratio_to_floor": round(total / floor, 3),
        "jira": {
            "seconds": round(jira_seconds, 1),
            "floor_seconds": round(jira_floor, 1),
            "requests": jira_result.requests,
            "retries": jira_retries,
            "produced": jira_result.produced,
            "records_on_topic": issues[0],
            "distinct_versions": issues[1],
            "buckets": {name: {"requests": c, "per_second": r} for name, (c, r) in jira_buckets.items()},
        },
        "hubspot": {
            "seconds": round(hub_seconds, 1),
            "floor_seconds": round(hub_floor, 1),
            "requests": hub_result.requests,
            "retries": hub_retries,
            "produced": hub_result.produced,
            "records_on_topic": campaigns[0],
            "distinct_versions": campaigns[1],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=50_000)
    parser.add_argument("--campaigns", type=int, default=2_000)
    parser.add_argument("--remote-links", choices=("changed", "off"), default="changed")
    args = parser.parse_args()

    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    print(f"seeding {args.issues} issues and {args.campaigns} campaigns ...", file=sys.stderr)
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server = context.Process(
        target=serve_sandboxes, args=(scenario_text(args.issues, args.campaigns), child), daemon=True
    )
    server.start()
    broker = None
    try:
        hubspot_url, jira_url = parent.recv()
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if not bootstrap:
            from tandem.kafka.launcher import LocalKafka
            from tandem.settings import load_settings
            from tests.kafka_fixtures import free_port

            broker = LocalKafka(
                home=Path(tempfile.mkdtemp(prefix="tandem-bench-kafka-")),
                cache_dir=load_settings().cache_dir,
                port=free_port(),
                controller_port=free_port(),
                say=lambda line: None,
            )
            broker.start()
            bootstrap = broker.bootstrap
        print("backfilling ...", file=sys.stderr)
        result = asyncio.run(run(args, bootstrap, hubspot_url, jira_url))
        print(json.dumps(result, indent=2))
    finally:
        server.terminate()
        server.join(10)
        if broker is not None:
            broker.stop()


if __name__ == "__main__":
    main()
