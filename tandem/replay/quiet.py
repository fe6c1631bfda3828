"""When is the pipeline quiet? When the worker's consumer group has committed, on every partition of
every topic it reads, the topic's end offset — and stayed so across two looks.

Faust commits an offset only after the agent finished the record and every message the agent sent while
processing it was acknowledged (Faust attaches them to the offset), so a quiet pipeline has no work in
flight anywhere downstream either.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError


class PipelineWatch:
    """Watches one consumer group over a set of topics."""

    def __init__(self, bootstrap_servers: str, group: str, topics: Iterable[str]) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.group = group
        self.topics = sorted(set(topics))
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []

    async def start(self) -> None:
        self._admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap_servers)
        await self._admin.start()
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap_servers, enable_auto_commit=False)
        await self._consumer.start()
        described = await self._admin.describe_topics(self.topics)
        self._partitions = [
            TopicPartition(topic["topic"], partition["partition"])
            for topic in described
            if topic["error_code"] == 0
            for partition in topic["partitions"]
        ]

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        if self._admin is not None:
            await self._admin.close()

    async def backlog(self) -> int:
        """Records written to the watched topics that the group has not committed yet."""
        return sum((await self.backlogs()).values())

    async def progress(self) -> tuple[int, int]:
        """The backlog, and the records the group has committed (all partitions together: it grows as long as
        the pipeline makes progress, even while the records it writes keep its backlog from shrinking)."""
        ends, done = await self._offsets()
        return sum(max(ends[tp] - done[tp], 0) for tp in self._partitions), sum(done.values())

    async def backlogs(self) -> dict[str, int]:
        """The backlog of each watched partition that has one, by `topic[partition]`."""
        ends, done = await self._offsets()
        return {f"{tp.topic}[{tp.partition}]": ends[tp] - done[tp] for tp in self._partitions if ends[tp] > done[tp]}

    async def _offsets(self) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
        """Each watched partition's end offset and the group's committed offset (0 when none)."""
        assert self._admin is not None and self._consumer is not None
        ends = await self._consumer.end_offsets(self._partitions)
        committed = await self._admin.list_consumer_group_offsets(self.group, partitions=self._partitions)
        done = {}
        for tp in self._partitions:
            offset = committed.get(tp)
            done[tp] = offset.offset if offset is not None and offset.offset >= 0 else 0
        return ends, done

    async def wait_quiet(self, within: float = 120.0, poll: float = 0.01) -> None:
        """Return once the backlog was zero twice in a row; `TimeoutError` naming the backlog otherwise. While
        the broker does not answer (a restart), it keeps looking until `within` ends."""
        deadline = time.monotonic() + within
        calm = 0
        while True:
            try:
                backlog = await self.backlog()
            except KafkaError as exc:  # the broker is away (restarting): not quiet, look again
                backlog, calm = -1, 0
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the broker did not answer within {within:.0f}s: {exc}") from None
                await asyncio.sleep(1.0)
                continue
            calm = calm + 1 if backlog == 0 else 0
            if calm >= 2:
                return
            if time.monotonic() > deadline:
                where = ", ".join(f"{name}: {n}" for name, n in (await self.backlogs()).items())
                raise TimeoutError(f"the pipeline still had {backlog} records to process after {within:.0f}s ({where})")
            await asyncio.sleep(poll)
