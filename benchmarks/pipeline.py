"""Pipeline throughput, incremental cost and memory: one worker (`benchmarks.session`) grown from a small
company to a large one on the real broker.

- **incremental_cost**: the same number of changes at the small size (100 goals) and at the large one
  (10,000 goals, 100,000 work items): time per change at each, `cost_ratio_100x_goals` = large ÷ small.
- **pipeline_throughput**: change events per second through linking, goals and drift at the large size,
  against a bare `aiokafka` consume-transform-produce loop over the same events on the same broker
  (`raw_events_per_s`): `pipeline_vs_raw`.
- **memory**: the worker's peak resident size (VmHWM) holding the large company: `worker_rss_mib`.

    .venv/bin/python -m benchmarks.pipeline [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import broker, per_second, ratio, writer
from benchmarks.session import Session


@dataclass(frozen=True)
class Sizes:
    small_goals: int
    large_goals: int
    changes: int  # per incremental-cost measurement
    throughput_changes: int  # the pipeline and raw throughput runs

    @property
    def items(self) -> int:
        return self.large_goals * 10


WARM_UP = 20  # changes sent (and waited for) before each timed batch

FULL = Sizes(small_goals=100, large_goals=10_000, changes=1_000, throughput_changes=5_000)
QUICK = Sizes(small_goals=20, large_goals=200, changes=100, throughput_changes=300)


def figures(
    sizes: Sizes,
    small_seconds: float,
    large_seconds: float,
    pipeline_seconds: float,
    raw_seconds: float,
    peak_rss_mib: float,
) -> dict[str, Any]:
    """The JSON figures from the measured times (seconds for `sizes.changes` changes at each size, and for
    `sizes.throughput_changes` through the pipeline and the raw loop)."""
    per_change_small = small_seconds / sizes.changes * 1000
    per_change_large = large_seconds / sizes.changes * 1000
    pipeline = per_second(sizes.throughput_changes, pipeline_seconds)
    raw = per_second(sizes.throughput_changes, raw_seconds)
    return {
        "pipeline_events_per_s": pipeline,
        "raw_events_per_s": raw,
        "pipeline_vs_raw": ratio(pipeline, raw),
        "ms_per_change_small": round(per_change_small, 3),
        "ms_per_change_large": round(per_change_large, 3),
        "cost_ratio_100x_goals": ratio(per_change_large, per_change_small),
        "worker_rss_mib": peak_rss_mib,
        "pipeline_sizes": {
            "small_goals": sizes.small_goals,
            "large_goals": sizes.large_goals,
            "work_items": sizes.items,
            "changes": sizes.changes,
            "throughput_changes": sizes.throughput_changes,
        },
    }


async def raw_loop(bootstrap: str, records: list[tuple[str, str, bytes]]) -> float:
    """The baseline: the same events on a topic of their own (8 partitions), read by a bare aiokafka
    consume-transform-produce loop (decode the JSON, re-encode it, produce it keyed, commit), timed from the
    first record produced to the last transformed record acknowledged."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    run = f"bench-raw-{uuid.uuid4().hex[:8]}"
    source, sink = f"{run}.in", f"{run}.out"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 8, 1) for name in (source, sink)])
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(
        source, bootstrap_servers=bootstrap, group_id=run, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await consumer.start()
    await producer.start()
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=200)
        began = time.monotonic()
        async with writer(bootstrap) as out:
            outgoing = [(source, key, value, None) for _, key, value in records]
            sending = asyncio.create_task(out.send_all(outgoing))
            done = 0
            pending = []
            while done < len(records):
                batches = await consumer.getmany(timeout_ms=200, max_records=500)
                for messages in batches.values():
                    for message in messages:
                        transformed = json.dumps(json.loads(message.value)).encode()
                        pending.append(await producer.send(sink, key=message.key, value=transformed))
                        done += 1
                await consumer.commit()
            for future in pending:
                await future
            await sending
        return time.monotonic() - began
    finally:
        await producer.stop()
        await consumer.stop()


async def measure(session: Session, sizes: Sizes, say: Any) -> dict[str, Any]:
    loaded = await session.grow(sizes.small_goals)
    say(f"  loaded {sizes.small_goals} goals: {loaded.records} records in {loaded.seconds:.1f}s")
    changes = [(t, k, v) for t, k, v, _ in session.workload.changes(WARM_UP + sizes.changes, seed=1)]
    await session.send_timed(changes[:WARM_UP])
    small = await session.send_timed(changes[WARM_UP:])
    loads = [round(os.getloadavg()[0], 1)]
    say(f"  {sizes.changes} changes at {sizes.small_goals} goals: {small.seconds:.2f}s")
    loaded = await session.grow(sizes.large_goals, say=say)
    say(f"  loaded {sizes.large_goals} goals: {loaded.records} records in {loaded.seconds:.1f}s")
    # the same kinds of change over the small company's goals: only the size of the tables differs
    changes = [
        (t, k, v) for t, k, v, _ in session.workload.changes(WARM_UP + sizes.changes, seed=1, goals=sizes.small_goals)
    ]
    await session.send_timed(changes[:WARM_UP])
    large = await session.send_timed(changes[WARM_UP:])
    loads.append(round(os.getloadavg()[0], 1))
    say(f"  {sizes.changes} changes at {sizes.large_goals} goals: {large.seconds:.2f}s")
    stream = [(t, k, v) for t, k, v, _ in session.workload.changes(sizes.throughput_changes, seed=2)]
    pipeline = await session.send_timed(stream, say=say)
    loads.append(round(os.getloadavg()[0], 1))
    say(f"  {sizes.throughput_changes} changes over all goals: {pipeline.seconds:.2f}s")
    raw = await raw_loop(session.bootstrap, stream)
    say(f"  raw consume-transform-produce of the same: {raw:.2f}s")
    peak = session.w.memory()["peak_rss_mib"]
    found = figures(sizes, small.seconds, large.seconds, pipeline.seconds, raw, peak)
    found["pipeline_load_1min"] = loads  # the machine's load at each timed batch: small, large, throughput
    return found


async def _run(bootstrap: str, sizes: Sizes, say: Any, profile: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tandem-bench-pipeline-") as workdir:
        session = Session(bootstrap=bootstrap, workdir=Path(workdir), profile=profile)
        try:
            await session.start()
            return await measure(session, sizes, say)
        finally:
            await session.stop()


def run(bootstrap: str, quick: bool, say: Any = print, profile: Path | None = None) -> dict[str, Any]:
    return asyncio.run(_run(bootstrap, QUICK if quick else FULL, say, profile))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--profile", type=Path, help="write a pyinstrument HTML profile of the worker here")
    args = parser.parse_args()
    with broker() as bootstrap:
        print(json.dumps(run(bootstrap, args.quick, profile=args.profile), indent=2))


if __name__ == "__main__":
    main()
