"""Webhook deliveries already accepted, so a redelivery is dropped even after a restart.

Accepted ids live in the compacted topic `<prefix>webhook-deliveries` (key: `<system>:<delivery id>`,
deleted after `RETENTION` by time-based clean-up as well). The worker reads it at start and adds its own
acceptances as it makes them. An id is marked only after the delivery's record is acknowledged by the
broker, so a crash in between means a redelivery is accepted again (at-least-once; the Jira source's
re-read is idempotent), never that a delivery is lost.
"""

from __future__ import annotations

import asyncio
import json
import time

from connectors.state.cursors import read_compacted
from connectors.state.producer import KafkaSink
from streams.topic_admin import ensure_topics

TOPIC = "webhook-deliveries"
RETENTION_MS = 7 * 24 * 3600 * 1000
CONFIG = {"cleanup.policy": "compact,delete", "retention.ms": str(RETENTION_MS), "segment.ms": "3600000"}


class DeliveryLedger:
    def __init__(self, sink: KafkaSink, *, replication_factor: int = 1) -> None:
        self.sink = sink
        self.replication_factor = replication_factor
        self._ids: set[str] | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        async with self._lock:
            if self._ids is not None:
                return
            topic = self.sink.topic(TOPIC)
            await ensure_topics(self.sink.bootstrap_servers, {topic: 1}, self.replication_factor, {topic: CONFIG})
            self._ids = {
                key for key, value in (await read_compacted(self.sink.bootstrap_servers, topic)).items() if value
            }

    async def seen(self, system: str, delivery: str) -> bool:
        await self.start()
        assert self._ids is not None
        return f"{system}:{delivery}" in self._ids

    async def mark(self, system: str, delivery: str) -> None:
        await self.start()
        assert self._ids is not None
        key = f"{system}:{delivery}"
        await self.sink.send_raw(TOPIC, key, json.dumps({"accepted_ms": int(time.time() * 1000)}).encode())
        self._ids.add(key)


__all__ = ["TOPIC", "DeliveryLedger"]
