"""Hostile values end to end: `tandem replay tests/scenarios/hostile.yaml` (real broker, real worker, both
sandboxes) — campaign names, issue summaries, owner and user names that are `<script>`, `<!channel>`, a
disguised link, `*bold*`, `@here`, CR/LF, a right-to-left override and 10 kB — changes nothing of what happens:
the same signals, the same people told on every channel (no injected recipient), a Jira comment on each issue,
no traceback. And no secret shows: the run has recognisable values in the secret settings the replay keeps
from the environment, logs at debug level, and neither they nor the sandbox credentials it uses appear in its
output or its report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.scenarios.check_report import check

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "tests" / "scenarios"
TANDEM = str(Path(sys.executable).with_name("tandem"))
CANARIES = {"TANDEM_SESSION_SECRET": "CANARY-session-secret-5d1f0b7e9a3c"}
SANDBOX_CREDENTIALS = ("sandbox-hubspot-token", "sandbox-jira-token")  # what the replay's worker is given


@pytest.fixture(scope="module")
def hostile(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    out = tmp_path_factory.mktemp("hostile")
    env = {key: value for key, value in os.environ.items() if not key.startswith("TANDEM_")}
    env.update(
        {
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "PYTHONPATH": str(ROOT),  # this checkout's code, in the replay and in its worker
            "TANDEM_ALLOW_INSECURE_URLS": "true",  # the sandboxes and receivers speak http
            "TANDEM_LOG_LEVEL": "debug",  # the vendor libraries' request logs too
            **CANARIES,
        }
    )
    process = subprocess.run(
        [TANDEM, "replay", str(SCENARIOS / "hostile.yaml"), "--report", str(out / "report.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=420,
        check=False,
    )
    output = process.stdout + process.stderr
    assert process.returncode == 0, output[-3000:]
    return output, json.loads((out / "report.json").read_text())


def test_hostile_names_change_nothing_of_what_the_replay_reports(hostile: tuple[str, dict]) -> None:
    _, report = hostile
    expect = yaml.safe_load((SCENARIOS / "hostile.expect.yaml").read_text())
    assert check(expect, report) == []


def test_no_one_but_the_people_of_the_scenario_is_emailed(hostile: tuple[str, dict]) -> None:
    _, report = hostile
    emailed = {address for n in report["notifications"] if n["channel"] == "email" for address in n["to"]}
    assert emailed == {"ivan@acme.test", "maria@acme.test"}


def test_the_replay_runs_without_a_traceback(hostile: tuple[str, dict]) -> None:
    output, _ = hostile
    assert "Traceback" not in output


def test_no_secret_shows_in_the_replays_output_or_report(hostile: tuple[str, dict]) -> None:
    output, report = hostile
    text = output + json.dumps(report)
    for secret in (*CANARIES.values(), *SANDBOX_CREDENTIALS):
        assert secret not in text, secret
