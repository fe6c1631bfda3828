"""Integration-test helpers: a `tandem worker` subprocess with its own ids, and Kafka reads and writes."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from tandem.replay.quiet import PipelineWatch
from tandem.worker_process import WorkerProcess, free_port


@dataclass
class Worker:
    """One `tandem worker` process with its own app id, topic prefix, data dir and web port."""

    bootstrap: str
    data_dir: Path
    app_id: str = field(default_factory=lambda: f"t-{uuid.uuid4().hex[:8]}")
    partitions: int = 4
    web_port: int = field(default_factory=free_port)
    api_token: str = "test-token-0123456789"
    extra_env: dict[str, str] = field(default_factory=dict)
    process: WorkerProcess | None = None
    inputs: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"{self.app_id}."

    def topic(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
                "TANDEM_APP_ID": self.app_id,
                "TANDEM_TOPIC_PREFIX": self.prefix,
                "TANDEM_PARTITIONS": str(self.partitions),
                "TANDEM_DATA_DIR": str(self.data_dir),
                "TANDEM_WEB_PORT": str(self.web_port),
                "TANDEM_TABLE_STORE": "rocksdb",
                "TANDEM_API_TOKENS": self.api_token,
                "TANDEM_MODE": "replay",  # no pollers, no wall-clock ticks: the test drives the inputs
                "TANDEM_SESSION_TIMEOUT": "10",  # a killed worker's partitions come back quickly
                "TANDEM_ALLOW_INSECURE_URLS": "true",  # the sandboxes and the test receivers speak http
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 90.0) -> None:
        self.process = WorkerProcess(
            self.env(), web_port=self.web_port, api_token=self.api_token, log_dir=self.data_dir / "logs"
        )
        try:
            self.inputs = list(self.process.start(timeout).get("inputs") or [])
        except (RuntimeError, TimeoutError) as exc:
            raise AssertionError(f"{exc}\n{self.log_tail()}") from None

    async def wait_quiet(self, within: float = 60.0) -> None:
        """Wait until the worker committed every record on the topics it reads (the replay's quiet test)."""
        watch = PipelineWatch(self.bootstrap, self.app_id, self.inputs)
        await watch.start()
        try:
            await watch.wait_quiet(within)
        finally:
            await watch.stop()

    def kill(self) -> None:
        if self.process:
            self.process.kill()

    def stop(self) -> None:
        if self.process:
            self.process.stop()

    def log_tail(self, lines: int = 60) -> str:
        return self.process.log_tail(lines) if self.process else ""

    def get(self, path: str, *, authorized: bool = True) -> tuple[int, Any] | None:
        return self.process.get(path, authorized=authorized) if self.process else None


async def produce(bootstrap: str, topic: str, records: Iterable[tuple[str | None, bytes]]) -> None:
    """Produce raw (key, value) records with acks=all."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, key=key.encode() if key is not None else None, value=value)
    finally:
        await producer.stop()


async def topic_partitions(consumer: AIOKafkaConsumer, topic: str, wait_seconds: float) -> set[int]:
    """The partitions of `topic`; `AssertionError` when the broker names none within `wait_seconds` (a read
    that found no partitions proves nothing, so it fails instead of returning nothing)."""
    partitions = consumer.partitions_for_topic(topic) or set()
    deadline = time.monotonic() + wait_seconds
    while not partitions and time.monotonic() < deadline:
        await consumer._client.force_metadata_update()
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await asyncio.sleep(0.2)
    if not partitions:
        raise AssertionError(f"topic {topic} has no partitions after {wait_seconds:.0f}s: nothing could be read")
    return set(partitions)


async def read_topic(bootstrap: str, topic: str, *, expect: int, wait_seconds: float = 60.0) -> list[Any]:
    """Read a topic from the start until `expect` records arrived (or `wait_seconds` passed), values JSON-decoded.

    Fails when the topic has no partitions in time. To prove that nothing *more* arrived, use `read_to_marker`.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        deadline = time.monotonic() + wait_seconds
        partitions = await topic_partitions(consumer, topic, wait_seconds)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        found: list[Any] = []
        while len(found) < expect and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for messages in batches.values():
                found.extend(json.loads(m.value) if m.value else None for m in messages)
        return found
    finally:
        await consumer.stop()


MARKER = "tandem-test-marker"


async def read_to_marker(bootstrap: str, topic: str, key: str, *, wait_seconds: float = 60.0) -> list[Any]:
    """Every record of `topic` up to a marker sent now on `key`, values JSON-decoded, the marker left out.

    A record (a possible duplicate) that was in the topic before the marker is in the marker's partition
    ahead of it, so once the marker is read the count is final: no fixed wait. Use it after what could have
    produced the duplicate is done (a request answered, or `Worker.wait_quiet()` for a worker's outputs).
    `AssertionError` when the marker does not come back within `wait_seconds`.
    """
    token = uuid.uuid4().hex
    await produce(bootstrap, topic, [(key, json.dumps({MARKER: token}).encode())])
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        deadline = time.monotonic() + wait_seconds
        partitions = await topic_partitions(consumer, topic, wait_seconds)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)  # the marker is below its partition's end: read every partition so far
        found: list[Any] = []
        seen_marker = False
        done = {tp for tp in tps if ends[tp] == 0}
        while not (seen_marker and len(done) == len(tps)):
            if time.monotonic() > deadline:
                raise AssertionError(f"the marker on {topic} (key {key}) did not come back within {wait_seconds:.0f}s")
            batches = await consumer.getmany(timeout_ms=500)
            for tp, messages in batches.items():
                for m in messages:
                    value = json.loads(m.value) if m.value else None
                    if isinstance(value, dict) and value.get(MARKER) == token:
                        seen_marker = True
                    elif not (isinstance(value, dict) and MARKER in value):
                        found.append(value)
                    if m.offset + 1 >= ends[tp]:
                        done.add(tp)
        return found
    finally:
        await consumer.stop()
