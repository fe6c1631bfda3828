"""`tandem demo` and `tandem replay` run as a new user runs them: as commands, with no
KAFKA_BOOTSTRAP_SERVERS, once with no broker at all and once with `tandem kafka start` already running.
Each test has its own data directory and ports, so it touches nothing of the user's."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tandem.worker_process import free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
TANDEM = str(Path(sys.executable).with_name("tandem"))
SPRING = ROOT / "tests" / "scenarios" / "spring-launch.yaml"
NUL = bytes(1)


@dataclass
class NewUser:
    """A user's environment: no broker address given, a data directory and ports of their own."""

    home: Path
    env: dict[str, str]
    web_port: int
    kafka_port: int

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [TANDEM, *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def start(self, *args: str, log: str) -> subprocess.Popen[str]:
        with (self.home / log).open("w") as out:  # the child keeps its own copy of the file
            return subprocess.Popen([TANDEM, *args], env=self.env, stdout=out, stderr=subprocess.STDOUT, text=True)

    def log(self, name: str) -> str:
        return (self.home / name).read_text(errors="replace")

    def leftovers(self) -> list[str]:
        """Processes still running that belong to this user's directory (their command line or environment)."""
        found = []
        marker = str(self.home).encode()
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            try:
                command = (proc / "cmdline").read_bytes()
                if marker in command or marker in (proc / "environ").read_bytes():
                    found.append(f"{proc.name}: {command.replace(NUL, b' ')[:160]!r}")
            except OSError:
                continue
        return found


@pytest.fixture
def user(tmp_path: Path) -> Iterator[NewUser]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("KAFKA_", "TANDEM_"))}
    web_port, kafka_port = free_port(), free_port()
    env.update(
        TANDEM_DATA_DIR=str(tmp_path / "data"),
        TANDEM_WEB_PORT=str(web_port),
        TANDEM_KAFKA_PORT=str(kafka_port),
        TANDEM_KAFKA_CONTROLLER_PORT=str(free_port()),
    )
    user = NewUser(tmp_path, env, web_port, kafka_port)
    yield user
    user.run("kafka", "stop", timeout=90)


def port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_banner(user: NewUser, log: str, process: subprocess.Popen[str], within: float = 240) -> dict[str, str]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        text = user.log(log)
        if "└" in text:
            token = re.search(r"Log in with (\S+)", text)
            kafka = re.search(r"│ Kafka\s+(\S+)", text)
            assert token and kafka, text
            return {"token": token.group(1), "kafka": kafka.group(1)}
        assert process.poll() is None, text
        time.sleep(0.5)
    raise AssertionError(f"no banner within {within:.0f}s:\n{user.log(log)}")


def api(user: NewUser, path: str, token: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{user.web_port}{path}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def until_goals(user: NewUser, token: str, within: float = 240) -> dict:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            portfolio = api(user, "/api/v1/portfolio", token)
            if portfolio["total"] >= 1:
                return portfolio
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(1)
    raise AssertionError("no goal appeared on the dashboard's API")


def stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(90)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the demo did not stop within 90 s of Ctrl-C") from None


def test_the_demo_with_no_broker_starts_one_shows_goals_and_leaves_nothing_behind(user: NewUser) -> None:
    demo = user.start("demo", "--scenario", str(SPRING), "--speed", "86400", log="demo.log")
    try:
        banner = wait_for_banner(user, "demo.log", demo)
        assert "Starting Kafka" in user.log("demo.log")
        portfolio = until_goals(user, banner["token"])
        assert portfolio["counts"] and banner["kafka"] != f"127.0.0.1:{user.kafka_port}"
        second = user.run("demo", "--scenario", str(SPRING), timeout=60)
        assert second.returncode != 0 and "a demo already runs" in second.stderr + second.stdout
    finally:
        code = stop(demo)
    assert code == 0, user.log("demo.log")[-3000:]
    assert "Demo stopped." in user.log("demo.log")
    time.sleep(1)
    assert not port_open(user.web_port)
    assert not port_open(int(banner["kafka"].rsplit(":", 1)[1]))
    assert user.leftovers() == []


def test_the_demo_uses_the_broker_tandem_kafka_start_runs_and_leaves_it_running(user: NewUser) -> None:
    started = user.run("kafka", "start", timeout=180)
    assert started.returncode == 0, started.stdout + started.stderr
    demo = user.start("demo", "--scenario", str(SPRING), "--speed", "86400", log="demo.log")
    try:
        banner = wait_for_banner(user, "demo.log", demo)
        assert banner["kafka"] == f"127.0.0.1:{user.kafka_port}" and "Starting Kafka" not in user.log("demo.log")
        until_goals(user, banner["token"])
    finally:
        code = stop(demo)
    assert code == 0, user.log("demo.log")[-3000:]
    assert user.run("kafka", "status").returncode == 0  # the user's broker is theirs: still running
    assert not port_open(user.web_port)


def test_the_readme_replay_with_no_broker_starts_one_and_reports(user: NewUser) -> None:
    result = user.run("replay", str(SPRING), "--report", str(user.home / "r.json"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Starting Kafka" in result.stdout
    report = json.loads((user.home / "r.json").read_text())
    assert report["scenario"] == "spring-launch" and report["goals"]
    assert user.leftovers() == []


def test_the_readme_replay_uses_the_broker_tandem_kafka_start_runs(user: NewUser) -> None:
    assert user.run("kafka", "start", timeout=180).returncode == 0
    result = user.run("replay", str(SPRING), "--report", str(user.home / "r.json"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Starting Kafka" not in result.stdout
    assert json.loads((user.home / "r.json").read_text())["goals"]


def test_commands_that_need_a_broker_say_so_in_one_line_when_none_runs(user: NewUser) -> None:
    for command in (["goals", "show"], ["links", "confirm", "c1", "WEB-1"], ["dlq", "list"]):
        result = user.run(*command, timeout=60)
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            f"Error: no broker at 127.0.0.1:{user.kafka_port}: start one with `tandem kafka start` or set "
            "KAFKA_BOOTSTRAP_SERVERS"
        ]
