"""The built-in example workspace (`sandbox/workspaces/example.yaml`, what `tandem demo` plays) through the whole
pipeline: `tandem replay` on a real broker, real sandboxes and a real worker, its report checked against
`tests/scenarios/example-workspace.expect.yaml` — every drift rule, a win, weekly digests and suggestions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from sandbox.scenario import load_scenario
from tests.scenarios.check_report import check

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = ROOT / "sandbox" / "workspaces" / "example.yaml"
EXPECT = ROOT / "tests" / "scenarios" / "example-workspace.expect.yaml"
TANDEM = str(Path(sys.executable).with_name("tandem"))
RULES = {"schedule_risk", "missed_launch", "scope_creep", "stalled", "date_conflict", "canceled_work", "orphan_work"}


@pytest.fixture(scope="module")
def report(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The replay's report; its output goes to `example.log` next to it (kept when something fails)."""
    out = tmp_path_factory.mktemp("example-workspace")
    path, log = out / "example.json", out / "example.log"
    with open(log, "w") as sink:
        process = subprocess.run(
            [TANDEM, "replay", str(WORKSPACE), "--report", str(path)],
            env=dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap),
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=600,
            check=False,
        )
    assert process.returncode == 0, log.read_text()[-3000:]
    return json.loads(path.read_text())


def test_the_workspace_is_a_believable_size() -> None:
    scenario = load_scenario(WORKSPACE)
    assert scenario.jira is not None and scenario.hubspot is not None
    assert 40 <= len(scenario.jira.issues) <= 80
    assert len(scenario.hubspot.campaigns) >= 4
    created = [step for step in scenario.timeline if step.system == "jira" and step.action == "create"]
    assert len(scenario.jira.issues) + len(created) <= 80


def test_the_workspace_starts_on_a_monday_morning_and_spans_two_digests() -> None:
    scenario = load_scenario(WORKSPACE)
    assert scenario.start.weekday() == 0 and scenario.start.hour == 9
    assert 30 <= (scenario.end - scenario.start).days <= 35


def test_the_replay_reports_what_the_workspace_expects(report: dict[str, Any]) -> None:
    expect = yaml.safe_load(EXPECT.read_text())
    assert check(expect, report) == []


def test_the_replay_shows_every_rule_a_win_digests_and_a_pending_suggestion(report: dict[str, Any]) -> None:
    assert {signal["rule"] for signal in report["signals"]} == RULES
    assert any(signal["closed_at"] and not signal.get("superseded") for signal in report["signals"])
    kinds = [note["kind"] for note in report["notifications"]]
    assert "win" in kinds
    assert len({note["at"] for note in report["notifications"] if note["kind"] == "digest"}) >= 2
    assert any(s["state"] == "pending" for s in report["suggestions"])
