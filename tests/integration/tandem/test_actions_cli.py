"""People's actions from the command line reach the goal agent through Kafka, and goals read back."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from streams.records import CampaignSnapshot, Person, WorkItemSnapshot
from tests.worker_process import Worker, produce, read_topic

pytestmark = pytest.mark.integration

TANDEM = str(Path(sys.executable).with_name("tandem"))
CAMPAIGN = "0b6e1b6e-6f4e-4c43-9a77-1d2a3c4b5d6e"
AT = datetime(2027, 1, 4, 9, tzinfo=UTC)


def tandem(worker: Worker, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TANDEM, *args], env=worker.env(), capture_output=True, text=True, timeout=120, check=False)


def shown(worker: Worker) -> list[dict[str, Any]]:
    result = tandem(worker, "goals", "show", "--json")
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout))


def wait_until(check: Any, within: float = 60.0) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("never happened")


@pytest.fixture
def worker(kafka_bootstrap: str, tmp_path: Path):
    worker = Worker(bootstrap=kafka_bootstrap, data_dir=tmp_path / "worker")
    worker.start()
    campaign = CampaignSnapshot(
        id=CAMPAIGN,
        name="Spring Launch 2027",
        source_updated_at=AT,
        start_date="2027-03-01",
        owner=Person(id="101", email="maria@acme.test"),
    )
    story = WorkItemSnapshot(
        key="WEB-2",
        project="WEB",
        source_updated_at=AT,
        summary="Hero",
        labels=[f"campaign-{CAMPAIGN}"],
        status_category="new",
        size=5.0,
    )
    unlinked = WorkItemSnapshot(
        key="APP-9", project="APP", source_updated_at=AT, summary="Spring Launch 2027 banner", status_category="new"
    )
    asyncio.run(produce(kafka_bootstrap, worker.topic("campaigns"), [(CAMPAIGN, campaign.dumps())]))
    asyncio.run(
        produce(kafka_bootstrap, worker.topic("workitems"), [("WEB-2", story.dumps()), ("APP-9", unlinked.dumps())])
    )
    yield worker
    worker.stop()


def test_goals_show_lists_the_goal_with_its_link_and_suggestion(worker: Worker) -> None:
    goals = wait_until(lambda: [g for g in shown(worker) if g["suggestions"] and g["links"]])
    goal = goals[0]
    assert goal["campaign"] == CAMPAIGN and [link["work_item"] for link in goal["links"]] == ["WEB-2"]
    assert [(s["work_item"], s["state"]) for s in goal["suggestions"]] == [("APP-9", "pending")]
    text = tandem(worker, "goals", "show", CAMPAIGN)
    assert text.returncode == 0 and "Spring Launch 2027" in text.stdout and "0/1 items" in text.stdout


def test_rebaselining_records_the_current_size_as_the_baseline(worker: Worker) -> None:
    # Re-baseline once the goal counts its story's 5 points, or the recorded baseline would be what came before.
    before = wait_until(lambda: [g for g in shown(worker) if (g["progress"] or {}).get("size_total") == 5.0])[0]
    assert before["baseline"] is None  # the automatic baseline comes only 7 days after the first link
    assert tandem(worker, "goals", "rebaseline", CAMPAIGN).returncode == 0
    goal = wait_until(lambda: [g for g in shown(worker) if g["baseline"] == 5.0])[0]
    assert goal["baseline_set_at"] is not None


def test_rejecting_a_suggestion_is_remembered(worker: Worker) -> None:
    wait_until(lambda: [g for g in shown(worker) if g["suggestions"]])
    assert tandem(worker, "links", "reject", CAMPAIGN, "APP-9").returncode == 0
    wait_until(lambda: [g for g in shown(worker) if g["suggestions"] and g["suggestions"][0]["state"] == "rejected"])


def test_confirming_a_suggestion_asks_jira_for_the_campaign_label(worker: Worker) -> None:
    wait_until(lambda: [g for g in shown(worker) if g["suggestions"]])
    assert tandem(worker, "links", "confirm", CAMPAIGN, "APP-9").returncode == 0
    commands = asyncio.run(read_topic(worker.bootstrap, worker.topic("sync"), expect=1))
    assert [(c["action"], c["target"], c["payload"]["campaign"]) for c in commands] == [
        ("add_label", "APP-9", CAMPAIGN)
    ]


def test_showing_a_campaign_without_a_goal_says_so(worker: Worker) -> None:
    result = tandem(worker, "goals", "show", "no-such-campaign")
    assert result.returncode == 1 and "no goal for campaign no-such-campaign" in result.stderr
