"""Sandboxes the suite starts through the commands are held to the vendors' descriptions too: with
`TANDEM_SANDBOX_VALIDATE` on (the suite's sandbox plugin sets it for every child process), `tandem sandbox`
and `tandem replay` exit 1 naming each response that broke `sandbox/specs/`, and say so as it happens.

The broken response is made on purpose through the control plane: a `refuse` fault answers
`GET /rest/api/3/priority` with 418, a status Atlassian's description does not list for that operation
(it lists 200 and 401), so the answer breaks the description exactly as a sandbox bug would.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from sandbox.runner import VALIDATE_ENV

pytestmark = pytest.mark.integration

TANDEM = str(Path(sys.executable).with_name("tandem"))
SCENARIO = """\
name: validated
start: "2027-01-04T09:00:00Z"
end: "2027-01-06T00:00:00Z"
hubspot:
  owners: [{id: "101", email: "maria@acme.test"}]
  campaigns:
    - id: "0b6e1b6e-6f4e-4c43-9a77-1d2a3c4b5d6e"
      properties: {hs_name: "Spring Launch 2027", hs_start_date: "2027-03-01", hs_owner: "101"}
jira:
  users: [{accountId: "u-1", displayName: "Ivan Petrov", emailAddress: "ivan@acme.test"}]
  projects: [{key: WEB, name: Website, lead: u-1}]
  issues:
    - key: WEB-1
      fields:
        issuetype: {name: Story}
        summary: "Checkout page"
        status: {name: To Do}
        labels: [campaign-0b6e1b6e-6f4e-4c43-9a77-1d2a3c4b5d6e]
"""
BROKEN = "GET /rest/api/3/priority -> 418"
ANSWER_WITHIN = 150
"""Seconds a sandbox may take to answer: `tandem replay` serves its sandboxes on the loop that waits for its
worker to be ready, so a request sent meanwhile is answered once the worker is up."""


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    return dict(os.environ, TANDEM_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1", **extra)


def control(base: str, method: str, path: str, body: object) -> None:
    request = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode(), method=method)
    with urllib.request.urlopen(request, timeout=ANSWER_WITHIN) as response:
        assert response.status == 200


def break_one_jira_response(jira_url: str) -> None:
    """Make the Jira sandbox answer one request with a status its description does not have, and send it."""
    control(jira_url, "PUT", "/_sandbox/faults/jira", {"refuse": {"GET /rest/api/3/priority$": 418}})
    request = urllib.request.Request(f"{jira_url}/rest/api/3/priority")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=ANSWER_WITHIN)
    refused.value.close()
    assert refused.value.code == 418


def wait_for_line(stream: IO[str], pattern: str, seen: list[str]) -> re.Match[str]:
    for line in stream:
        seen.append(line.rstrip())
        match = re.search(pattern, line)
        if match:
            return match
    raise AssertionError("the command ended before printing " + pattern + ":\n" + "\n".join(seen))


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "validated.yaml"
    path.write_text(SCENARIO)
    return path


@pytest.fixture
def sandbox_command(tmp_path: Path, scenario_file: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [TANDEM, "sandbox", "--scenario", str(scenario_file), "--hubspot-port", "0", "--jira-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(tmp_path, **{VALIDATE_ENV: "true"}),
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_the_suite_turns_validation_on_for_the_commands_it_starts() -> None:
    assert os.environ[VALIDATE_ENV] == "true"


def test_tandem_sandbox_exits_1_naming_the_response_that_broke_the_description(
    sandbox_command: subprocess.Popen[str],
) -> None:
    assert sandbox_command.stdout is not None
    seen: list[str] = []
    jira = wait_for_line(sandbox_command.stdout, r"Jira sandbox:\s+(http://127\.0\.0\.1:\d+)", seen).group(1)
    wait_for_line(sandbox_command.stdout, r"^Press Ctrl-C", seen)
    break_one_jira_response(jira)
    sandbox_command.send_signal(signal.SIGINT)
    out, err = sandbox_command.communicate(timeout=30)
    assert sandbox_command.returncode == 1, err
    assert "the Jira sandbox sent a response that breaks Jira's description" in err  # said when it was sent
    assert "Error: 1 sandbox response(s) broke the vendors' descriptions" in err
    assert f"[jira] {BROKEN}" in err
    assert "Sandboxes stopped." not in out


def test_tandem_sandbox_exits_0_when_every_response_conformed(sandbox_command: subprocess.Popen[str]) -> None:
    assert sandbox_command.stdout is not None
    seen: list[str] = []
    hubspot = wait_for_line(sandbox_command.stdout, r"HubSpot sandbox: (http://127\.0\.0\.1:\d+)", seen).group(1)
    wait_for_line(sandbox_command.stdout, r"^Press Ctrl-C", seen)
    request = urllib.request.Request(
        f"{hubspot}/marketing/v3/campaigns?properties=hs_name",
        headers={"Authorization": "Bearer sandbox-hubspot-token"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read())["total"] == 1
    sandbox_command.send_signal(signal.SIGINT)
    out, err = sandbox_command.communicate(timeout=30)
    assert sandbox_command.returncode == 0, err
    assert "Sandboxes stopped." in out and "broke" not in err


def test_a_bad_switch_value_is_one_line_naming_the_variable(tmp_path: Path, scenario_file: Path) -> None:
    result = subprocess.run(
        [TANDEM, "sandbox", "--scenario", str(scenario_file), "--hubspot-port", "0", "--jira-port", "0"],
        capture_output=True,
        text=True,
        env=environment(tmp_path, **{VALIDATE_ENV: "sometimes"}),
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {VALIDATE_ENV} must be true or false (1/0, yes/no, on/off), got 'sometimes'"
    ]


def test_tandem_replay_writes_its_report_and_exits_1_when_a_sandbox_response_broke_the_description(
    tmp_path: Path, scenario_file: Path, kafka_bootstrap: str
) -> None:
    report = tmp_path / "report.json"
    process = subprocess.Popen(
        [TANDEM, "replay", str(scenario_file), "--report", str(report)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment(tmp_path, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap, **{VALIDATE_ENV: "true"}),
    )
    try:
        assert process.stdout is not None
        seen: list[str] = []
        jira = wait_for_line(process.stdout, r"sandboxes: HubSpot \S+, Jira (http://127\.0\.0\.1:\d+)", seen).group(1)
        break_one_jira_response(jira)  # the replay has yet to start its worker: it is still running
        rest, _ = process.communicate(timeout=240)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    output = "\n".join(seen) + "\n" + rest
    assert process.returncode == 1, output
    assert f"[jira] {BROKEN}" in output and "Error: 1 sandbox response(s) broke" in output
    assert "replayed validated" in output  # the replay itself ran to its end
    assert json.loads(report.read_text())["scenario"] == "validated"
