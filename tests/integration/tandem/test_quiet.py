"""`tandem.replay.quiet.PipelineWatch` against a real broker: what a consumer group has left and has done."""

from __future__ import annotations

import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from streams.topic_admin import ensure_topics
from tandem.replay.quiet import PipelineWatch

pytestmark = pytest.mark.integration


async def commit_first(bootstrap: str, topic: str, group: str, count: int) -> None:
    """Produce five records to partition 0 and commit the first `count` for `group`."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for n in range(5):
            await producer.send_and_wait(topic, value=str(n).encode(), partition=0)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        await consumer.commit({TopicPartition(topic, 0): OffsetAndMetadata(count, "")})
    finally:
        await consumer.stop()


async def test_the_watch_counts_what_the_group_committed_and_what_it_has_left(kafka_bootstrap: str) -> None:
    """A long batch's progress is what the group commits (the benchmarks wait on it); its backlog is the rest."""
    topic, group = f"quiet-{uuid.uuid4().hex[:8]}", f"group-{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap, {topic: 2})
    await commit_first(kafka_bootstrap, topic, group, 2)
    watch = PipelineWatch(kafka_bootstrap, group, [topic])
    await watch.start()
    try:
        assert await watch.progress() == (3, 2)
        assert await watch.backlogs() == {f"{topic}[0]": 3}
    finally:
        await watch.stop()
