"""What the benchmarks share: a broker, worker processes running this checkout, fast Kafka writes and reads,
the machine's load, and the arithmetic of ratios and percentiles (pure, unit-tested).

Every figure a benchmark reports is a ratio against a baseline measured in the same run, or a time with the
load of the machine beside it: the machine is shared, so absolute times drift.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PAGE_MIB = 1024 * 1024


# --- arithmetic (pure) ------------------------------------------------------------------------------------


def ratio(value: float, baseline: float, digits: int = 3) -> float | None:
    """`value ÷ baseline`, rounded; None when the baseline is zero or missing."""
    if not baseline or value is None:
        return None
    return round(value / baseline, digits)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by the nearest-rank method: the smallest value with at least q % of the
    values at or below it."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def per_second(count: int, seconds: float) -> float:
    """Events per second, rounded to one decimal."""
    if seconds <= 0:
        raise ValueError(f"a duration must be positive, got {seconds}")
    return round(count / seconds, 1)


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def mib(kib: int) -> float:
    """KiB (as /proc reports them) → MiB, one decimal."""
    return round(kib / 1024, 1)


# --- the machine ------------------------------------------------------------------------------------------


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def machine() -> dict[str, Any]:
    """The machine as RESULTS.md describes it, with its load now."""
    memory_kib = 0
    with contextlib.suppress(OSError), open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    cpu = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in load_average()],
    }


def proc_status(pid: int) -> dict[str, int]:
    """The KiB figures of /proc/<pid>/status (VmRSS: resident now, VmHWM: the peak resident size)."""
    found: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, rest = line.partition(":")
            parts = rest.split()
            if len(parts) == 2 and parts[1] == "kB":
                found[name] = int(parts[0])
    return found


# --- a broker ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def broker() -> Iterator[str]:
    """`KAFKA_BOOTSTRAP_SERVERS`, or a single-node Kafka 4 broker of our own (the project's launcher) that is
    stopped at the end."""
    given = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if given:
        yield given
        return
    from tandem.kafka.launcher import LocalKafka
    from tandem.settings import load_settings
    from tandem.worker_process import free_port

    home = Path(tempfile.mkdtemp(prefix="tandem-bench-kafka-"))
    local = LocalKafka(
        home=home,
        cache_dir=load_settings().cache_dir,
        port=free_port(),
        controller_port=free_port(),
        heap="1g",
        say=lambda line: None,
    )
    local.start()
    try:
        yield local.bootstrap
    finally:
        local.stop()
        shutil.rmtree(home, ignore_errors=True)


# --- workers ----------------------------------------------------------------------------------------------


@dataclass
class BenchWorker:
    """A `tandem worker` process running THIS checkout's code (PYTHONPATH first: the installed package may be
    another checkout), with its own app id, topics, data directory and web port."""

    bootstrap: str
    data_dir: Path
    partitions: int = 8
    mode: str = "replay"
    store: str = "rocksdb"
    app_id: str = field(default_factory=lambda: f"bench-{uuid.uuid4().hex[:8]}")
    extra_env: dict[str, str] = field(default_factory=dict)
    profile: Path | None = None  # write a pyinstrument profile of the worker here (HTML)
    process: Any = None
    inputs: list[str] = field(default_factory=list)
    web_port: int = 0
    api_token: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def prefix(self) -> str:
        return f"{self.app_id}."

    def topic(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def env(self) -> dict[str, str]:
        from tandem.worker_process import free_port

        if not self.web_port:
            self.web_port = free_port()
        env = dict(os.environ)
        env.update(
            {
                "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
                "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
                "TANDEM_APP_ID": self.app_id,
                "TANDEM_TOPIC_PREFIX": self.prefix,
                "TANDEM_PARTITIONS": str(self.partitions),
                "TANDEM_DATA_DIR": str(self.data_dir),
                "TANDEM_WEB_PORT": str(self.web_port),
                "TANDEM_TABLE_STORE": self.store,
                "TANDEM_API_TOKENS": self.api_token,
                "TANDEM_MODE": self.mode,
                "TANDEM_LOG_LEVEL": "warning",
                "TANDEM_ALLOW_INSECURE_URLS": "true",  # the sandboxes speak http on loopback
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 180.0) -> None:
        from tandem.worker_process import WorkerProcess

        process = WorkerProcess(self.env(), web_port=self.web_port, api_token=self.api_token, log_dir=self.data_dir)
        if self.profile is not None:
            process = _profiled(process, self.profile)
        self.process = process
        self.inputs = list(process.start(timeout).get("inputs") or [])

    @property
    def pid(self) -> int:
        return int(self.process.process.pid)

    def memory(self) -> dict[str, float]:
        """Resident MiB now and at the peak (VmHWM) of the worker process."""
        status = proc_status(self.pid)
        return {"rss_mib": mib(status.get("VmRSS", 0)), "peak_rss_mib": mib(status.get("VmHWM", 0))}

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(timeout=120.0)

    def log_tail(self, lines: int = 40) -> str:
        return self.process.log_tail(lines) if self.process is not None else ""


def standalone(run: Callable[[str, bool], dict[str, Any]], doc: str | None) -> None:
    """One benchmark module run on its own (`python -m benchmarks.<name> [--quick]`): a broker of its own,
    the figures printed as JSON."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    with broker() as bootstrap:
        print(json.dumps(run(bootstrap, args.quick), indent=2))


def _profiled(process: Any, output: Path) -> Any:
    """The worker process started under pyinstrument (its report is written when the worker stops)."""
    import subprocess

    from tandem import worker_process

    class Profiled(worker_process.WorkerProcess):
        def start(self, timeout: float = 120.0) -> dict[str, Any]:
            original = subprocess.Popen

            def popen(args: list[str], **kwargs: Any) -> Any:
                command = [sys.executable, "-m", "pyinstrument", "-r", "html", "-o", str(output), *args]
                return original(command, **kwargs)

            subprocess.Popen = popen  # type: ignore[misc,assignment]
            try:
                return super().start(timeout)
            finally:
                subprocess.Popen = original  # type: ignore[misc]

    return Profiled(process.env, web_port=process.web_port, api_token=process.api_token, log_dir=process.log_dir)


# --- Kafka writes and reads -------------------------------------------------------------------------------


class Writer:
    """A pipelined acks=all producer: `send_all` keeps every record in flight and returns once all are
    acknowledged; records are keyed as Tandem's producers key them (the default murmur2 partitioner)."""

    def __init__(self, bootstrap: str) -> None:
        from aiokafka import AIOKafkaProducer

        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=512 * 1024
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def send_all(self, records: Iterable[tuple[str, str | None, bytes | None, int | None]]) -> int:
        futures = []
        for topic, key, value, partition in records:
            futures.append(
                await self._producer.send(
                    topic, key=None if key is None else key.encode(), value=value, partition=partition
                )
            )
        for future in futures:
            await future
        return len(futures)


@contextlib.asynccontextmanager
async def writer(bootstrap: str) -> AsyncIterator[Writer]:
    found = Writer(bootstrap)
    await found.start()
    try:
        yield found
    finally:
        await found.stop()


async def wait_quiet(
    bootstrap: str,
    group: str,
    topics: Iterable[str],
    *,
    stalled_after: float = 300.0,
    say: Callable[[str], None] | None = None,
    every: float = 30.0,
) -> float:
    """Wait until `group` committed every record of `topics` (tandem.replay.quiet); the monotonic time then.

    However long the work is (loading a large company takes tens of minutes), it waits while the group keeps
    committing, telling `say` the backlog every `every` seconds; `TimeoutError` once nothing was committed for
    `stalled_after` seconds. (The backlog alone is no measure of progress: the records the pipeline writes to
    its own topics can keep it from shrinking for minutes.)"""
    from tandem.replay.quiet import PipelineWatch

    watch = PipelineWatch(bootstrap, group, topics)
    await watch.start()
    try:
        began = told = moved = time.monotonic()
        done = -1
        while True:
            backlog, committed = await watch.progress()
            now = time.monotonic()
            if committed > done:
                done, moved = committed, now
            if backlog == 0:
                await watch.wait_quiet(stalled_after, poll=0.05)  # and stays so, twice in a row
                return time.monotonic()
            if now - moved > stalled_after:
                raise TimeoutError(f"nothing was committed for {stalled_after:.0f}s ({backlog} records to process)")
            if say is not None and now - told >= every:
                say(f"    {backlog:,} records still to process after {now - began:.0f}s ({committed:,} committed)")
                told = now
            await asyncio.sleep(0.05)
    finally:
        await watch.stop()


async def topic_names(bootstrap: str) -> list[str]:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return sorted(await admin.list_topics())
    finally:
        await admin.close()


async def last_write_ms(bootstrap: str, topics: Iterable[str], since_ms: int) -> int | None:
    """The latest record timestamp (ms since the epoch, the producer's clock: this machine's) on any partition
    of `topics`, if any record is newer than `since_ms`: when the pipeline wrote its last output."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, p) for topic in topics for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [
                TopicPartition(topic, p) for topic in topics for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
        ends = await consumer.end_offsets(partitions)
        latest: int | None = None
        wanted = [tp for tp in partitions if ends[tp] > 0]
        if not wanted:
            return None
        consumer.assign(wanted)
        for tp in wanted:
            consumer.seek(tp, max(0, ends[tp] - 3))  # the last few: control records may end a partition
        pending = set(wanted)
        deadline = time.monotonic() + 30
        while pending and time.monotonic() < deadline:
            batches = await consumer.getmany(*pending, timeout_ms=500)
            for tp, messages in batches.items():
                for message in messages:
                    if message.timestamp > since_ms:
                        latest = message.timestamp if latest is None else max(latest, message.timestamp)
                    if message.offset >= ends[tp] - 1:
                        pending.discard(tp)
            for tp in list(pending):
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
        return latest
    finally:
        await consumer.stop()


def run(coro: Any) -> Any:
    return asyncio.run(coro)
