"""Scenarios through the whole pipeline: `tandem replay` on a real broker, real sandboxes and a real worker,
its report checked against the scenario's expectations (docs/scenarios.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.scenarios.check_report import check

pytestmark = pytest.mark.integration

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SHARED = Path(__file__).resolve().parents[3] / "shared"
TANDEM = str(Path(sys.executable).with_name("tandem"))
# Sections each scenario's report must satisfy (None: every section its expectations name).
CHECKED = {
    "spring-launch": None,
    "drift-rules": None,
    "suggestions": None,
    "notifications": None,
    "leadership": None,
    "goal-truths": None,
    "forecast-odds": None,
}
UNKNOWN_CAMPAIGNS = ("c9999999-9999-4999-8999-999999999999", "d8888888-8888-4888-8888-888888888888")


def replay(name: str, bootstrap: str, report: Path) -> subprocess.CompletedProcess[str]:
    """Run `tandem replay`; its output also goes to `<report>.log` (kept when something fails)."""
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=bootstrap)
    log = report.with_suffix(".log")
    with open(log, "w") as out:
        process = subprocess.run(
            [TANDEM, "replay", str(SCENARIOS / f"{name}.yaml"), "--report", str(report)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
            check=False,
        )
    return subprocess.CompletedProcess(process.args, process.returncode, log.read_text(), "")


@pytest.fixture(scope="module")
def reports(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("reports")
    found = {}
    for name in CHECKED:
        result = replay(name, kafka_bootstrap, out / f"{name}.json")
        assert result.returncode == 0, result.stdout[-3000:]
        found[name] = json.loads((out / f"{name}.json").read_text())
    return found


@pytest.mark.parametrize("name", sorted(CHECKED))
def test_the_replay_reports_what_the_scenario_expects(name: str, reports: dict[str, Any]) -> None:
    expect = yaml.safe_load((SCENARIOS / f"{name}.expect.yaml").read_text())
    assert check(expect, reports[name], CHECKED[name]) == []


def test_work_naming_a_campaign_hubspot_never_had_makes_no_goal(reports: dict[str, Any]) -> None:
    """goal-truths D: the reference is orphan_work and nothing else (the checker's goals are not an exact set)."""
    report = reports["goal-truths"]
    assert not {goal["campaign"] for goal in report["goals"]} & set(UNKNOWN_CAMPAIGNS)
    assert not {link["campaign"] for link in report["links"]} & set(UNKNOWN_CAMPAIGNS)


def test_the_odds_behind_a_p85_warning_are_consistent(reports: dict[str, Any]) -> None:
    """forecast-odds P: the straight line is well inside the buffer, the simulation's 85 % date is not."""
    (goal,) = [g for g in reports["forecast-odds"]["goals"] if g["campaign"].startswith("a5")]
    odds = goal["odds"]
    assert odds["p50"] <= odds["p85"] <= odds["p95"]
    assert goal["forecast"] < "2027-02-03" <= odds["p85"] and odds["p50"] < "2027-02-05"
    assert 0 < odds["on_time"] < 1 and odds["words"].startswith("About a ")


def test_a_replay_run_twice_gives_the_same_report(
    kafka_bootstrap: str, reports: dict[str, Any], tmp_path: Path
) -> None:
    result = replay("spring-launch", kafka_bootstrap, tmp_path / "again.json")
    assert result.returncode == 0, result.stdout[-3000:]
    assert json.loads((tmp_path / "again.json").read_text()) == reports["spring-launch"]


def test_a_bad_scenario_is_an_error_naming_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'name: bad\nstart: "2027-01-04T09:00:00Z"\nend: "2027-01-05T00:00:00Z"\ntimeline:\n'
        '  - at: "2027-01-04T10:00:00Z"\n    jira: {update: "WEB-1", feilds: {}}\n'
    )
    result = subprocess.run(
        [TANDEM, "replay", str(bad), "--report", str(tmp_path / "r.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert f"{bad}:6:" in result.stderr and "feilds" in result.stderr
    assert not (tmp_path / "r.json").exists()


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not next to this checkout")
@pytest.mark.parametrize("name", ["spring-launch.yaml", "spring-launch.expect.yaml", "../tools/check_report.py"])
def test_the_shared_scenario_and_checker_are_copied_unchanged(name: str) -> None:
    copy = SCENARIOS / Path(name).name
    assert copy.read_bytes() == (SHARED / "scenarios" / name).read_bytes()
