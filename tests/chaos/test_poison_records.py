"""Poison records on every topic a worker reads go to the dead-letter topic with their error and origin, and
the stream goes on; `tandem dlq list|show|replay` lets an operator look at them and send them back once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from streams.records import SyncCommand
from tandem.kafka_io import read_all
from tandem.worker_process import with_source_root
from tests.integration.connectors.support import jira_get, load, scenario
from tests.integration.streams.test_worker_on_kafka import CAMPAIGN, campaign_snapshot
from tests.sandbox_fixtures import Sandboxes
from tests.worker_process import Worker, produce, read_to_marker

pytestmark = [pytest.mark.integration, pytest.mark.chaos, pytest.mark.xdist_group("chaos"), pytest.mark.timeout(600)]

TANDEM = str(Path(sys.executable).with_name("tandem"))
POISON = b"{this is not json"


def dlq_command(worker: Worker, *args: str) -> subprocess.CompletedProcess[str]:
    env = with_source_root(worker.env())  # the command of this checkout
    return subprocess.run([TANDEM, "dlq", *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def ok(answer: tuple[int, Any] | None) -> Any:
    """The body of a 200 answer, else None."""
    return answer[1] if answer and answer[0] == 200 else None


def wait_for(check: Any, within: float, worker: Worker) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.3)
    raise AssertionError(f"condition not met in {within}s:\n{worker.log_tail(80)}")


async def test_a_poison_record_on_every_input_topic_is_dead_lettered_with_its_origin_and_the_stream_goes_on(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    worker = Worker(bootstrap=kafka_bootstrap, data_dir=tmp_path / "worker")
    worker.start()
    try:
        inputs = sorted(set(worker.inputs))
        assert len(inputs) >= 9, inputs
        for topic in inputs:
            await produce(kafka_bootstrap, topic, [(f"poison-{topic}", POISON)])
        await produce(kafka_bootstrap, worker.topic("campaigns"), [(CAMPAIGN, campaign_snapshot())])
        answer = wait_for(lambda: ok(worker.get(f"/api/v1/campaigns/{CAMPAIGN}")), 90, worker)
        assert answer["name"] == "Spring Launch 2027"  # the stream went on past the poison
        await worker.wait_quiet(120)
        letters = await read_to_marker(kafka_bootstrap, worker.topic("dlq"), "marker")
        listed = dlq_command(worker, "list", "--json")
    finally:
        worker.stop()
    print(f"dead-lettered: {len(letters)} letters from {len(inputs)} input topics")
    assert {letter["topic"] for letter in letters} == set(inputs)  # every input topic, none left out
    for letter in letters:
        assert letter["key"] == f"poison-{letter['topic']}" and letter["value"] == POISON.decode()
        assert letter["error_type"] and letter["error"] and letter["agent"]
        assert isinstance(letter["partition"], int) and isinstance(letter["offset"], int)
    assert listed.returncode == 0, listed.stderr
    assert sorted(item["topic"] for item in json.loads(listed.stdout)) == sorted(x["topic"] for x in letters)


async def test_a_dead_letter_replayed_after_its_cause_is_fixed_is_processed_once_and_not_replayed_twice(
    kafka_bootstrap: str, tmp_path: Path, sandboxes: Sandboxes
) -> None:
    load(sandboxes, scenario(issues=1))  # WEB-1
    worker = Worker(bootstrap=kafka_bootstrap, data_dir=tmp_path / "worker", extra_env={"TANDEM_JIRA_URL": ""})
    command = SyncCommand(
        system="jira",
        action="add_label",
        target="WEB-1",
        idempotency_key="confirm:c1:WEB-1",
        at=datetime(2027, 1, 4, 12, tzinfo=UTC),
        payload={"campaign": "c1"},
    )
    worker.start()
    try:  # the cause: the Jira connector is not configured, so the write-back cannot be carried out
        await produce(kafka_bootstrap, worker.topic("sync"), [("WEB-1", command.dumps())])
        listed = wait_for(lambda: json.loads(dlq_command(worker, "list", "--json").stdout or "[]"), 90, worker)
    finally:
        worker.stop()
    assert len(listed) == 1, [(x["agent"], x["topic"], x["error_type"], x["error"][:200]) for x in listed]
    (letter,) = listed
    assert letter["agent"] == "connectors.write_back" and letter["error_type"] == "ConnectorOff"
    shown = dlq_command(worker, "show", letter["id"])
    assert shown.returncode == 0 and json.loads(shown.stdout)["replayed"] is None

    worker.extra_env.update(  # the fix: the connector configured
        {
            "TANDEM_JIRA_URL": str(sandboxes.jira_url),
            "TANDEM_JIRA_EMAIL": sandboxes.jira_email,
            "TANDEM_JIRA_API_TOKEN": sandboxes.jira_token,
            "TANDEM_JIRA_PROJECTS": "WEB",
            "TANDEM_SYNC_JIRA_REMOTE_LINKS": "false",
            "TANDEM_SYNC_JIRA_COMMENTS": "false",
            "TANDEM_SYNC_HUBSPOT_STATUS": "false",
        }
    )
    worker.start()
    try:
        first = dlq_command(worker, "replay", letter["id"])
        second = dlq_command(worker, "replay", letter["id"])
        everything = dlq_command(worker, "replay", "--all")
        labels = wait_for(
            lambda: jira_get(sandboxes, "/rest/api/3/issue/WEB-1?fields=labels")["fields"]["labels"], 60, worker
        )
        await worker.wait_quiet(120)
    finally:
        worker.stop()
    assert first.returncode == 0 and f"replayed to {worker.topic('sync')}" in first.stdout, first.stderr
    assert second.returncode == 0 and "already replayed" in second.stdout
    assert everything.returncode == 0 and everything.stdout.strip() == "nothing to replay"
    assert labels == ["campaign-c1"]
    on_topic = [value for _, value in await read_all(kafka_bootstrap, worker.topic("sync"))]
    assert len(on_topic) == 2  # the original and one replay, not two
    _, writes = sandboxes.control("GET", "/_sandbox/writes")
    assert len([w for w in writes if w["path"] == "/rest/api/3/issue/WEB-1"]) == 1  # processed once
    assert json.loads(dlq_command(worker, "show", letter["id"]).stdout)["replayed"]["topic"] == worker.topic("sync")


def test_replay_needs_ids_or_all_and_names_an_unknown_id(kafka_bootstrap: str, tmp_path: Path) -> None:
    worker = Worker(bootstrap=kafka_bootstrap, data_dir=tmp_path / "worker")
    neither = dlq_command(worker, "replay")
    assert neither.returncode == 2 and "name the letters' IDs, or give --all" in neither.stderr
    unknown = dlq_command(worker, "show", "0123456789ab")
    assert unknown.returncode == 1 and "no dead letter with ID 0123456789ab" in unknown.stderr
