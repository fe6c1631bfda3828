"""Produces connector records to Kafka and returns only once the broker has them (`acks=all`,
idempotent producer), so a cursor saved afterwards never covers a record that could still be lost."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaProducer

from streams.records import TandemRecord

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 4 * 1024 * 1024


def encode(record: TandemRecord | None) -> bytes | None:
    """A record as the JSON bytes every Tandem topic carries; None stays None (a Kafka tombstone)."""
    if record is None:
        return None
    data: bytes = record.dumps()
    return data


class KafkaSink:
    """An aiokafka producer for Tandem topics named without their prefix (`campaigns`)."""

    def __init__(self, bootstrap_servers: str, topic_prefix: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topic_prefix = topic_prefix
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()
        self.sent = 0

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    async def start(self) -> None:
        async with self._lock:
            if self._producer is not None:
                return
            producer = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap_servers,
                acks="all",
                enable_idempotence=True,
                linger_ms=5,
                max_request_size=MAX_REQUEST_BYTES,
                compression_type="gzip",
                request_timeout_ms=30000,
            )
            await producer.start()
            self._producer = producer

    async def stop(self) -> None:
        async with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    async def _ready(self) -> AIOKafkaProducer:
        if self._producer is None:
            await self.start()
        assert self._producer is not None
        return self._producer

    async def send(self, topic: str, key: str, record: TandemRecord | None) -> None:
        """Produce one record (None: a tombstone) and wait for the broker's acknowledgement."""
        await self.send_raw(topic, key, encode(record))

    async def send_raw(self, topic: str, key: str, value: bytes | None) -> None:
        producer = await self._ready()
        await producer.send_and_wait(self.topic(topic), key=key.encode("utf-8"), value=value)
        self.sent += 1

    async def send_many(self, topic: str, items: list[tuple[str, TandemRecord | None]]) -> None:
        """Produce many records pipelined; return once every one is acknowledged (raise if any failed)."""
        if not items:
            return
        producer = await self._ready()
        name = self.topic(topic)
        pending = [await producer.send(name, key=key.encode("utf-8"), value=encode(record)) for key, record in items]
        await asyncio.gather(*pending)
        self.sent += len(items)


__all__ = ["KafkaSink", "encode"]
