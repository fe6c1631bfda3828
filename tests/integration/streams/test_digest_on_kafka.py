"""The weekly digest through a real worker: each owner's goals are kept one table entry per goal (so a goal's
change does not rewrite every goal of its owner), and the digest lists exactly the goals the owner has."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from streams.records import OwnerGoal, Tick
from tests.builders import MARIA, goal_summary
from tests.worker_process import Worker, produce, read_topic

pytestmark = pytest.mark.integration

MONDAY_NINE = datetime(2027, 1, 11, 9, tzinfo=UTC)
EARLIER = datetime(2027, 1, 8, 12, tzinfo=UTC)


async def tick_every_partition(worker: Worker, now: datetime) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=worker.bootstrap, acks="all")
    await producer.start()
    try:
        for partition in range(worker.partitions):
            tick = Tick(now=now, partition=partition, hubspot_synced=True, jira_synced=True)
            await producer.send_and_wait(
                worker.topic("digest-ticks"), key=str(partition).encode(), value=tick.dumps(), partition=partition
            )
    finally:
        await producer.stop()


@pytest.fixture
def worker(kafka_bootstrap: str, tmp_path: Path):
    worker = Worker(bootstrap=kafka_bootstrap, data_dir=tmp_path / "worker")
    worker.start()
    yield worker
    worker.stop()


async def test_the_digest_lists_the_goals_the_owner_still_has_after_each_was_told_separately(worker: Worker) -> None:
    owner = "maria@acme.test"
    told = [
        OwnerGoal(
            owner=owner, person=MARIA, campaign=campaign, at=EARLIER, goal=goal_summary().derive(campaign=campaign)
        )
        for campaign in ("c1", "c2", "c3")
    ]
    updated = goal_summary().derive(campaign="c3", name="Summer Sale 2027")
    told.append(OwnerGoal(owner=owner, person=MARIA, campaign="c3", at=EARLIER, goal=updated))  # a change to c3
    told.append(OwnerGoal(owner=owner, person=MARIA, campaign="c2", at=EARLIER, goal=None))  # no longer hers
    await produce(worker.bootstrap, worker.topic("owner-goals"), [(owner, message.dumps()) for message in told])
    await worker.wait_quiet()
    await tick_every_partition(worker, MONDAY_NINE)

    notifications = await read_topic(worker.bootstrap, worker.topic("notifications"), expect=1, wait_seconds=60)
    digests = [n for n in notifications if n and n["kind"] == "digest"]
    assert len(digests) == 1, worker.log_tail()
    assert digests[0]["key"] == f"digest:{owner}:2027-01-11"
    assert [(goal["campaign"], goal["name"]) for goal in digests[0]["goals"]] == [
        ("c1", "Spring Launch 2027"),
        ("c3", "Summer Sale 2027"),
    ]
