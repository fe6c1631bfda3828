"""The foundation, proven on a real Kafka broker: snapshots reach tables, agents emit downstream, state
survives a killed worker through the changelog, and poison records go to the dead-letter topic."""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams.records import CampaignSnapshot, Person, WorkItemSnapshot
from tests.worker_process import Worker, produce, read_to_marker, read_topic

pytestmark = pytest.mark.integration

CAMPAIGN = "0b6e1b6e-6f4e-4c43-9a77-1d2a3c4b5d6e"
OTHER_CAMPAIGN = "5f0c9a54-7a42-4a9e-8d7e-0c1f2e3d4c5b"
AT = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def campaign_snapshot(
    campaign: str = CAMPAIGN, name: str = "Spring Launch 2027", notes: str = "Tracked in WEB-1."
) -> bytes:
    return CampaignSnapshot(
        id=campaign,
        name=name,
        source_updated_at=AT,
        start_date="2027-03-01",
        status="planned",
        owner=Person(id="101", email="maria@acme.test"),
        notes=notes,
    ).dumps()


def work_item_snapshot(labels: list[str], at: datetime = AT, key: str = "WEB-2", parent: str | None = "WEB-1") -> bytes:
    return WorkItemSnapshot(
        key=key,
        project="WEB",
        source_updated_at=at,
        summary=f"Work on {key}",
        labels=labels,
        status="To Do",
        status_category="new",
        parent=parent,
    ).dumps()


def epic_snapshot() -> bytes:
    return work_item_snapshot([], key="WEB-1", parent=None)


def wait_for(worker: Worker, path: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = worker.get(path)
        if answer and answer[0] == 200:
            return answer[1]
        time.sleep(0.3)
    raise AssertionError(f"{path} never answered 200:\n{worker.log_tail()}")


@pytest.fixture
def worker(kafka_bootstrap: str, tmp_path: Path):
    worker = Worker(bootstrap=kafka_bootstrap, data_dir=tmp_path / "worker")
    worker.start()
    yield worker
    worker.stop()


async def test_snapshots_update_tables_emit_links_and_survive_a_killed_worker(worker: Worker) -> None:
    # Both campaigns exist in HubSpot: a label naming a campaign HubSpot never had links nothing (orphan work).
    other = campaign_snapshot(OTHER_CAMPAIGN, "Summer Webinar", notes="")
    await produce(
        worker.bootstrap, worker.topic("campaigns"), [(CAMPAIGN, campaign_snapshot()), (OTHER_CAMPAIGN, other)]
    )
    await produce(
        worker.bootstrap, worker.topic("workitems"), [("WEB-1", epic_snapshot()), ("WEB-2", work_item_snapshot([]))]
    )

    stored = wait_for(worker, f"/api/v1/campaigns/{CAMPAIGN}")
    assert stored["name"] == "Spring Launch 2027" and stored["owner"]["email"] == "maria@acme.test"
    links = await read_topic(worker.bootstrap, worker.topic("links"), expect=2)
    assert sorted((link["work_item"], link["kind"], link["source"], link["action"]) for link in links) == [
        ("WEB-1", "explicit", "campaign_notes", "added"),  # the campaign's notes name the epic
        ("WEB-2", "inherited", "parent", "added"),  # its story inherits the link through `parent`
    ]

    # Kafka processing is at least once: a record whose offset was not yet committed is processed again after a
    # crash. This test is about state recovered from the changelog, so it kills the worker once it committed.
    await worker.wait_quiet()
    worker.kill()
    shutil.rmtree(worker.data_dir / "faust")  # local table files gone: only the changelog can restore them
    worker.start()

    assert wait_for(worker, f"/api/v1/campaigns/{CAMPAIGN}")["name"] == "Spring Launch 2027"
    assert wait_for(worker, "/api/v1/work-items/WEB-2")["parent"] == "WEB-1"
    # The recovered join state is what the agents diff against: moving the story out of the epic and onto
    # another campaign yields exactly one removal and one addition.
    later = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    moved = work_item_snapshot([f"campaign-{OTHER_CAMPAIGN}"], later, parent=None)
    await produce(worker.bootstrap, worker.topic("workitems"), [("WEB-2", moved)])
    links = await read_topic(worker.bootstrap, worker.topic("links"), expect=4)
    assert sorted((link["campaign"], link["work_item"], link["action"]) for link in links[2:]) == sorted(
        [
            (CAMPAIGN, "WEB-2", "removed"),
            (OTHER_CAMPAIGN, "WEB-2", "added"),
        ]
    )
    await worker.wait_quiet()  # every link the worker will make is on the topic: a marker after them ends the count
    assert len(await read_to_marker(worker.bootstrap, worker.topic("links"), OTHER_CAMPAIGN)) == 4


async def test_poison_record_goes_to_the_dead_letter_topic_and_the_stream_goes_on(worker: Worker) -> None:
    await produce(worker.bootstrap, worker.topic("workitems"), [("WEB-9", b"{this is not json")])
    await produce(worker.bootstrap, worker.topic("workitems"), [("WEB-2", work_item_snapshot([]))])

    letters = await read_topic(worker.bootstrap, worker.topic("dlq"), expect=1)
    assert len(letters) == 1
    letter = letters[0]
    assert letter["topic"] == worker.topic("workitems") and letter["agent"] == "items"
    assert letter["key"] == "WEB-9" and letter["value"] == "{this is not json"
    assert letter["error_type"] == "RecordError" and "not JSON" in letter["error"]
    assert isinstance(letter["offset"], int) and isinstance(letter["partition"], int)
    assert wait_for(worker, "/api/v1/work-items/WEB-2")["summary"] == "Work on WEB-2"


async def test_a_record_keyed_by_something_else_is_dead_lettered(worker: Worker) -> None:
    await produce(worker.bootstrap, worker.topic("campaigns"), [("wrong-key", campaign_snapshot())])

    letters = await read_topic(worker.bootstrap, worker.topic("dlq"), expect=1)
    assert letters[0]["key"] == "wrong-key" and "producers must key by id" in letters[0]["error"]
    assert json.loads(letters[0]["value"])["id"] == CAMPAIGN
