"""`tandem sandbox --scenario FILE`: both sandboxes in one process, until Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from sandbox.cli import sandbox

pytestmark = pytest.mark.integration
TANDEM = str(Path(sys.executable).with_name("tandem"))
SCENARIO = """\
name: cli
start: "2027-01-04T09:00:00Z"
end: "2027-01-20T00:00:00Z"
hubspot:
  owners: [{id: "101", email: "maria@acme.test"}]
  campaigns:
    - id: "0b6e1b6e-6f4e-4c43-9a77-1d2a3c4b5d6e"
      properties: {hs_name: "Spring Launch 2027"}
"""


def test_a_bad_scenario_stops_the_command_with_one_line_and_exit_code_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SCENARIO.replace("start:", "begin:"))
    result = CliRunner().invoke(sandbox, ["--scenario", str(path)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"tandem sandbox: {path}:1: missing key 'start' in the top level"]


def test_a_missing_scenario_file_is_the_same_kind_of_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(sandbox, ["--scenario", str(tmp_path / "absent.yaml")])
    assert result.exit_code == 2 and "absent.yaml:1: cannot read the file" in result.output


def test_tandem_sandbox_serves_prints_urls_and_credentials_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    path = tmp_path / "cli.yaml"
    path.write_text(SCENARIO)
    env = dict(os.environ, TANDEM_DATA_DIR=str(tmp_path / "data"))
    process = subprocess.Popen(
        [
            TANDEM,
            "sandbox",
            "--scenario",
            str(path),
            "--hubspot-port",
            "0",
            "--jira-port",
            "0",
            "--hubspot-token",
            "tok-1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line.rstrip())
            if line.startswith("Press Ctrl-C"):
                break
        text = "\n".join(lines)
        assert "Bearer tok-1" in text and "Scenario:        cli" in text and "2027-01-04T09:00:00Z" in text
        match = re.search(r"HubSpot sandbox: (http://127\.0\.0\.1:\d+)", text)
        assert match, text
        request = urllib.request.Request(
            f"{match.group(1)}/marketing/v3/campaigns?properties=hs_name", headers={"Authorization": "Bearer tok-1"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["results"][0]["properties"]["hs_name"] == "Spring Launch 2027"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert "Sandboxes stopped." in out
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
