"""The `tandem` command: Faust's CLI with Tandem's commands, settings checked before anything runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tandem.cli import with_log_level

TANDEM = str(Path(sys.executable).with_name("tandem"))


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TANDEM, *args], capture_output=True, text=True, timeout=120, env=env, check=False)


def test_worker_gets_the_log_level_from_the_settings() -> None:
    assert with_log_level(["tandem", "worker"], "warning") == ["tandem", "worker", "--loglevel=warn"]


def test_an_explicit_log_level_on_the_command_line_wins() -> None:
    assert with_log_level(["tandem", "worker", "-l", "debug"], "info") == ["tandem", "worker", "-l", "debug"]


def test_other_commands_are_left_alone() -> None:
    assert with_log_level(["tandem", "kafka", "status"], "info") == ["tandem", "kafka", "status"]


def test_the_command_lists_fausts_worker_and_tandems_kafka_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "worker" in result.stdout and "kafka" in result.stdout


def test_a_bad_setting_stops_the_command_with_one_line_naming_it(tmp_path: Path) -> None:
    import os

    env = dict(os.environ, TANDEM_WEB_PORT="not-a-port", TANDEM_DATA_DIR=str(tmp_path))
    result = run("kafka", "status", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "tandem: invalid configuration: TANDEM_WEB_PORT: Input should be a valid integer, unable to parse string "
        "as an integer"
    ]
