"""The replayer's own Kafka reads and writes: ticks and commands into the pipeline, topics read back."""

from __future__ import annotations

import time
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from streams.records import TandemRecord
from streams.topic_admin import partition_counts


class RecordWriter:
    """Produces records with acks=all, to an explicit partition when asked (ticks go to every partition)."""

    def __init__(self, bootstrap_servers: str) -> None:
        self._producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=True)

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def send(self, topic: str, key: str, record: TandemRecord, partition: int | None = None) -> None:
        await self._producer.send_and_wait(topic, key=key.encode(), value=record.dumps(), partition=partition)

    async def send_all(self, items: Sequence[tuple[str, str, TandemRecord, int | None]]) -> None:
        """Pipelined: every record is in flight at once; returns when the broker acknowledged them all."""
        futures = [
            await self._producer.send(topic, key=key.encode(), value=record.dumps(), partition=partition)
            for topic, key, record, partition in items
        ]
        for future in futures:
            await future


async def read_all(bootstrap_servers: str, topic: str, within: float = 120.0) -> list[tuple[str | None, bytes | None]]:
    """Every record of `topic` from the beginning to its current end, in partition order.

    Done when the consumer's position reached the end offset on every partition (offsets may have gaps:
    compaction, control records), or `TimeoutError` after `within` seconds."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        count = (await partition_counts(bootstrap_servers, [topic])).get(topic, 0)
        partitions = [TopicPartition(topic, p) for p in range(count)]
        if not partitions:
            return []
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.seek_to_beginning(*partitions)
        found: list[tuple[str | None, bytes | None]] = []
        deadline = time.monotonic() + within
        while remaining := [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {topic} did not reach its end within {within:.0f}s")
            batches = await consumer.getmany(*remaining, timeout_ms=500)
            for tp, messages in batches.items():
                found.extend((m.key.decode() if m.key else None, m.value) for m in messages if m.offset < ends[tp])
        return found
    finally:
        await consumer.stop()
