"""Source cursors, durable in the compacted topic `<prefix>cursors` (key: source name, value: JSON).

A source saves its cursor only after the records it covers are acknowledged by the broker, so a restart
resumes with no gap. The topic is read once, on first use, from the beginning to its end (compaction
keeps it small); later saves update the in-memory copy as they are written.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from connectors.state.producer import KafkaSink
from streams.topic_admin import ensure_topics

log = logging.getLogger(__name__)

TOPIC = "cursors"
COMPACTED = {"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.1", "segment.ms": "3600000"}


async def read_compacted(bootstrap_servers: str, topic: str) -> dict[str, bytes | None]:
    """Every key's latest value in `topic`, read from the beginning to the end offsets as of now."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        group_id=None,
        client_id=f"tandem-read-{uuid.uuid4().hex[:8]}",
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        for _ in range(50):
            if partitions:
                break
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic)
            await asyncio.sleep(0.1)
        tps = [TopicPartition(topic, p) for p in sorted(partitions or ())]
        if not tps:
            return {}
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        latest: dict[str, bytes | None] = {}
        remaining = {tp for tp in tps if ends[tp] > 0}
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, messages in batches.items():
                for message in messages:
                    if message.key is not None:
                        latest[message.key.decode("utf-8")] = message.value
                if messages and messages[-1].offset + 1 >= ends[tp]:
                    remaining.discard(tp)
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        return latest
    finally:
        await consumer.stop()


class CursorStore:
    """Load and save each source's cursor (a JSON object) in `<prefix>cursors`."""

    def __init__(self, sink: KafkaSink, *, replication_factor: int = 1) -> None:
        self.sink = sink
        self.replication_factor = replication_factor
        self._cache: dict[str, dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    @property
    def topic(self) -> str:
        return self.sink.topic(TOPIC)

    async def _loaded(self) -> dict[str, dict[str, Any]]:
        async with self._lock:
            if self._cache is None:
                await ensure_topics(
                    self.sink.bootstrap_servers, {self.topic: 1}, self.replication_factor, {self.topic: COMPACTED}
                )
                raw = await read_compacted(self.sink.bootstrap_servers, self.topic)
                self._cache = {key: json.loads(value) for key, value in raw.items() if value is not None}
                log.info("loaded %d cursor(s) from %s", len(self._cache), self.topic)
            return self._cache

    async def load(self, source: str) -> dict[str, Any] | None:
        """The last saved cursor of `source`, or None when it never saved one."""
        cursor = (await self._loaded()).get(source)
        return None if cursor is None else json.loads(json.dumps(cursor))

    async def save(self, source: str, cursor: dict[str, Any]) -> None:
        """Store the cursor durably (acks=all). Call only after the records it covers are acknowledged."""
        cache = await self._loaded()
        data = json.dumps(cursor, separators=(",", ":"), sort_keys=True).encode("utf-8")
        await self.sink.send_raw(TOPIC, source, data)
        cache[source] = json.loads(data)

    async def forget(self, source: str) -> None:
        """Delete the cursor (a tombstone): the next sync of `source` is a full backfill."""
        cache = await self._loaded()
        await self.sink.send_raw(TOPIC, source, None)
        cache.pop(source, None)


__all__ = ["TOPIC", "CursorStore", "read_compacted"]
