"""Item 10 through a real worker: write-back commands whose target would walk out of its REST path
(`campaigns/../../../crm/v3/objects/contacts/123`, `WEB-1/../../myself`) are dead-lettered by the write-back
agent with a `CommandError` naming the target, nothing reaches the sandboxes, and a valid command after them
is carried out."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from streams.records import SyncCommand
from tests.builders import T
from tests.integration.connectors.support import PORTAL, load, scenario
from tests.sandbox_fixtures import Sandboxes
from tests.worker_process import Worker, produce, read_topic

pytestmark = pytest.mark.integration

HOSTILE = [
    ("hubspot", "update_campaign", "campaigns/../../../crm/v3/objects/contacts/123", {"properties": {"a": "b"}}),
    ("jira", "comment", "WEB-1/../../myself", {"text": "hi"}),
    ("jira", "add_label", "WEB-1?fields=summary", {"labels": ["x"]}),
]


def writes(world: Sandboxes) -> list[dict]:
    _, found = world.control("GET", "/_sandbox/writes")
    return list(found)


async def test_commands_whose_targets_leave_their_path_are_dead_lettered_and_write_nothing(
    kafka_bootstrap: str, tmp_path: Path, sandboxes: Sandboxes
) -> None:
    load(sandboxes, scenario(issues=1))  # WEB-1
    worker = Worker(
        bootstrap=kafka_bootstrap,
        data_dir=tmp_path / "worker",
        extra_env={
            "TANDEM_HUBSPOT_BASE_URL": sandboxes.hubspot_url,
            "TANDEM_HUBSPOT_TOKEN": sandboxes.hubspot_token,
            "TANDEM_HUBSPOT_PORTAL_ID": str(PORTAL),
            "TANDEM_JIRA_URL": str(sandboxes.jira_url),
            "TANDEM_JIRA_EMAIL": sandboxes.jira_email,
            "TANDEM_JIRA_API_TOKEN": sandboxes.jira_token,
            "TANDEM_JIRA_PROJECTS": "WEB",
            "TANDEM_NOTIFY_EMAIL": "false",
        },
    )
    worker.start(timeout=150)
    before = len(writes(sandboxes))
    try:
        commands = [
            SyncCommand(system=system, action=action, target=target, idempotency_key=f"k{i}", at=T, payload=payload)
            for i, (system, action, target, payload) in enumerate(HOSTILE)
        ]
        valid = SyncCommand(
            system="jira", action="comment", target="WEB-1", idempotency_key="k-valid", at=T, payload={"text": "ok"}
        )
        await produce(kafka_bootstrap, worker.topic("sync"), [(c.target, c.dumps()) for c in [*commands, valid]])
        letters = await read_topic(kafka_bootstrap, worker.topic("dlq"), expect=len(HOSTILE), wait_seconds=90)
        for _ in range(60):
            if any(w["path"] == "/rest/api/3/issue/WEB-1/comment" for w in writes(sandboxes)[before:]):
                break
            await asyncio.sleep(1)
    finally:
        worker.stop()
    assert sorted(letter["error_type"] for letter in letters) == ["CommandError"] * len(HOSTILE)
    assert all("nothing was written" in letter["error"] for letter in letters)
    assert {letter["agent"] for letter in letters} == {"connectors.write_back"}
    made = writes(sandboxes)[before:]
    assert [w["path"] for w in made] == ["/rest/api/3/issue/WEB-1/comment"], made
