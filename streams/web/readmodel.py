"""Keeps this worker's `Portfolio` up to date: one Kafka consumer outside the consumer group reads every
partition of the topics the dashboard shows, from the beginning and then as records arrive.

Because every worker reads everything, any worker answers for the whole portfolio and no request is ever
forwarded. The model is `ready` once it has read up to where each partition ended when it started; until
then the dashboard says it is still loading. A record it cannot read is skipped and counted (the agents
that wrote it validated it; the dead-letter topic is where broken inputs go).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import mode
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from streams.app import app, settings
from streams.records import (
    DeadLetter,
    DeliveryOutcome,
    GoalSummary,
    HistoryPoint,
    Notification,
    RecordError,
    SignalRecord,
    decode,
)
from streams.topic_admin import partition_counts
from streams.web.portfolio import Portfolio

log = logging.getLogger(__name__)

TOPICS = ("goals", "goal-history", "signals", "notifications", "deliveries", "health", "dlq")


class ReadState:
    """The one read model of this worker, and whether it has caught up."""

    def __init__(self) -> None:
        self.portfolio = Portfolio()
        self.ready = False
        self.skipped = 0


state = ReadState()


def apply(portfolio: Portfolio, topic: str, key: str | None, value: bytes | None) -> None:
    """One record of `topic` (its short name) into the portfolio."""
    if topic == "goals":
        if key is not None:
            portfolio.take_goal(key, None if value is None or value == b"null" else decode(GoalSummary, value))
        return
    if value is None:
        return
    if topic == "goal-history":
        portfolio.take_history(decode(HistoryPoint, value))
    elif topic == "signals":
        portfolio.take_signal(decode(SignalRecord, value))
    elif topic == "notifications":
        portfolio.take_notification(decode(Notification, value))
    elif topic == "deliveries":
        portfolio.take_delivery(decode(DeliveryOutcome, value))
    elif topic == "health" and key is not None:
        portfolio.take_health(key, json.loads(value))
    elif topic == "dlq":
        portfolio.take_dead_letter(decode(DeadLetter, value))


@app.service
class ReadModelService(mode.Service):
    """Runs the consumer that feeds `state.portfolio`."""

    async def on_start(self) -> None:
        self.add_future(self._keep_following())

    async def _keep_following(self) -> None:
        """Follow the topics; after a failure (the broker gone, say), start over from the beginning."""
        while not self.should_stop:
            try:
                await self._follow()
            except (KafkaError, OSError, AssertionError) as exc:
                log.warning("read model: %s: %s; reading again from the beginning in 5 s", type(exc).__name__, exc)
                state.portfolio, state.ready = Portfolio(), False
                await self.sleep(5.0)

    async def _follow(self) -> None:
        names = {settings.topic(name): name for name in TOPICS}
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.bootstrap_servers,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id=f"{settings.app_id}-read-model",
        )
        await consumer.start()
        try:
            partitions = await self._partitions(list(names))
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            while not self.should_stop:
                batches = await consumer.getmany(timeout_ms=500, max_records=2000)
                for tp, messages in batches.items():
                    for message in messages:
                        self._apply(names[tp.topic], message)
                if not state.ready and all([await consumer.position(tp) >= ends[tp] for tp in partitions]):
                    state.ready = True
                    log.info("read model ready: %d goals", len(state.portfolio.goals))
        finally:
            await consumer.stop()

    async def _partitions(self, topics: list[str]) -> list[TopicPartition]:
        """Every partition of `topics`, once they all exist (the worker creates them as it starts)."""
        while True:
            try:
                counts = await partition_counts(settings.bootstrap_servers, topics)
            except KafkaError:
                counts = {}
            if all(counts.get(topic) for topic in topics):
                return [TopicPartition(topic, p) for topic in topics for p in range(counts[topic])]
            await self.sleep(1.0)

    def _apply(self, topic: str, message: Any) -> None:
        key = message.key.decode() if message.key else None
        try:
            apply(state.portfolio, topic, key, message.value)
        except (RecordError, ValueError, TypeError, KeyError) as exc:
            state.skipped += 1
            log.warning("read model skipped %s@%s: %s", topic, message.offset, exc)


__all__ = ["ReadModelService", "apply", "state"]
