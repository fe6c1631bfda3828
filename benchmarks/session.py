"""A worker with a company loaded into its tables, shared by the pipeline, incremental-cost and memory
benchmarks: started once, grown from a small company to a large one, measured at each size."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import BenchWorker, last_write_ms, topic_names, wait_quiet, writer
from benchmarks.workload import START, Workload
from streams.records import TICK_TOPICS

INPUT_TOPICS = ("campaigns", "workitems", "item-events", "goal-events", *TICK_TOPICS, "signals", "owner-goals")
OUTPUT_EXCLUDED = ("health", "campaigns", "workitems", *TICK_TOPICS)


@dataclass
class Batch:
    """What one timed batch of records took through the pipeline."""

    records: int
    seconds: float  # from the first record sent to the pipeline's last write
    sent_seconds: float  # how long producing the batch took

    def as_json(self) -> dict[str, Any]:
        return {"records": self.records, "seconds": round(self.seconds, 3), "sent_seconds": round(self.sent_seconds, 3)}


@dataclass
class Session:
    bootstrap: str
    workdir: Path
    partitions: int = 8
    profile: Path | None = None
    workload: Workload = field(default_factory=lambda: Workload(goals=0))
    worker: BenchWorker | None = None
    ticked: bool = False

    receivers: Any = None
    extra_env: dict[str, str] = field(default_factory=dict)
    others: list[BenchWorker] = field(default_factory=list)

    async def start(self) -> None:
        """The local mail server (the notifications the pipeline sends must be delivered, as in a replay),
        then the worker."""
        from tandem.receivers import Receivers

        self.receivers = Receivers()
        await self.receivers.start()
        self.worker = BenchWorker(
            bootstrap=self.bootstrap,
            data_dir=self.workdir / "worker",
            partitions=self.partitions,
            profile=self.profile,
            extra_env={
                "TANDEM_COMMIT_INTERVAL": "0.5",
                "TANDEM_SMTP_HOST": "127.0.0.1",
                "TANDEM_SMTP_PORT": str(self.receivers.smtp_port),
                "TANDEM_SMTP_SECURITY": "none",
                # no connectors here: no background write-back (its commands would be dead-lettered)
                "TANDEM_SYNC_JIRA_REMOTE_LINKS": "false",
                "TANDEM_SYNC_JIRA_COMMENTS": "false",
                "TANDEM_SYNC_HUBSPOT_STATUS": "false",
                **self.extra_env,
            },
        )
        await asyncio.to_thread(self.worker.start)

    async def add_worker(self) -> BenchWorker:
        """A second worker in the same consumer group (same app id and topics, its own data directory):
        the partitions are shared between the two once it is ready."""
        other = BenchWorker(
            bootstrap=self.bootstrap,
            data_dir=self.workdir / f"worker-{len(self.others) + 2}",
            partitions=self.partitions,
            app_id=self.w.app_id,
            api_token=self.w.api_token,
            extra_env=dict(self.w.extra_env),
        )
        self.others.append(other)
        await asyncio.to_thread(other.start)
        return other

    async def stop(self) -> None:
        for other in self.others:
            await asyncio.to_thread(other.stop)
        if self.worker is not None:
            await asyncio.to_thread(self.worker.stop)
        if self.receivers is not None:
            await self.receivers.stop()

    @property
    def w(self) -> BenchWorker:
        assert self.worker is not None, "start() first"
        return self.worker

    async def outputs(self) -> list[str]:
        """Every topic the worker writes: its outputs and its tables' changelogs."""
        names = await topic_names(self.bootstrap)
        excluded = {self.w.topic(name) for name in OUTPUT_EXCLUDED}
        return [name for name in names if name.startswith(self.w.app_id) and name not in excluded]

    async def send_timed(self, records: list[tuple[str, str, bytes]], say: Any = None) -> Batch:
        """Send `records` (topic name, key, value) at once and wait until the pipeline processed them (telling
        `say` how it goes on long batches); the time runs from the first send to the last record the pipeline
        wrote in consequence."""
        topics = self.w.inputs or [self.w.topic(name) for name in INPUT_TOPICS]
        async with writer(self.bootstrap) as out:
            began_wall = time.time()
            began = time.monotonic()
            await out.send_all((self.w.topic(topic), key, value, None) for topic, key, value in records)
            sent = time.monotonic() - began
        await wait_quiet(self.bootstrap, self.w.app_id, topics, say=say)
        last = await last_write_ms(self.bootstrap, await self.outputs(), int(began_wall * 1000))
        seconds = (last / 1000 - began_wall) if last is not None else time.monotonic() - began
        return Batch(records=len(records), seconds=max(seconds, sent), sent_seconds=sent)

    async def tick(self) -> None:
        """One tick per partition, both sources synced: from now on the rules judge."""
        from streams.records import Tick

        async with writer(self.bootstrap) as out:
            await out.send_all(
                (
                    self.w.topic(name),
                    str(p),
                    Tick(now=START, partition=p, hubspot_synced=True, jira_synced=True).dumps(),
                    p,
                )
                for p in range(self.partitions)
                for name in TICK_TOPICS
            )
        self.ticked = True

    async def grow(self, goals: int, say: Any = None) -> Batch:
        """Load the company up to `goals` goals (their campaigns and work) and wait until it is all in."""
        records = list(self.workload.grow(goals))
        if not self.ticked:
            await self.tick()
        return await self.send_timed(records, say=say)
