"""`tandem kafka start|stop|status` against a real broker: harmless twice, clean stop, nothing left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tandem.kafka.launcher import broker_answers
from tandem.settings import load_settings
from tandem.worker_process import free_port

pytestmark = pytest.mark.integration

TANDEM = str(Path(sys.executable).with_name("tandem"))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = dict(os.environ)
    environment.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    environment.update(
        {
            "TANDEM_DATA_DIR": str(tmp_path / "data"),
            "TANDEM_CACHE_DIR": str(load_settings().cache_dir),
            "TANDEM_KAFKA_PORT": str(free_port()),
            "TANDEM_KAFKA_CONTROLLER_PORT": str(free_port()),
        }
    )
    return environment


def running(pid: int) -> bool:
    """True while the process exists and is not a zombie (an exited child its parent has not reaped yet;
    an orphaned broker's parent is this machine's init, which may reap late)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def tandem(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TANDEM, "kafka", *args], env=env, capture_output=True, text=True, timeout=300, check=False)


def test_start_twice_is_harmless_and_stop_leaves_no_process(env: dict[str, str]) -> None:
    bootstrap = f"127.0.0.1:{env['TANDEM_KAFKA_PORT']}"
    try:
        first = tandem(env, "start")
        assert first.returncode == 0, first.stderr
        assert broker_answers(bootstrap)
        pid = int((Path(env["TANDEM_DATA_DIR"]) / "kafka" / "broker.pid").read_text())

        second = tandem(env, "start")
        assert second.returncode == 0, second.stderr
        assert f"already running (pid {pid})" in second.stdout

        status = tandem(env, "status")
        assert status.returncode == 0 and f"pid {pid}" in status.stdout
    finally:
        stopped = tandem(env, "stop")
    assert stopped.returncode == 0 and "Kafka stopped" in stopped.stdout
    assert not running(pid)
    assert not broker_answers(bootstrap, timeout=2.0)
    assert tandem(env, "status").returncode == 1


def test_a_restarted_broker_keeps_its_formatted_log_dir(env: dict[str, str]) -> None:
    try:
        assert tandem(env, "start").returncode == 0
        meta = Path(env["TANDEM_DATA_DIR"]) / "kafka" / "data" / "meta.properties"
        formatted = meta.read_text()
        assert tandem(env, "stop").returncode == 0
        restarted = tandem(env, "start")
        assert restarted.returncode == 0, restarted.stderr
        assert meta.read_text() == formatted
    finally:
        tandem(env, "stop")


def test_an_occupied_port_fails_start_with_one_line(env: dict[str, str]) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", int(env["TANDEM_KAFKA_PORT"])))
        busy.listen()
        result = tandem(env, "start")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: port {env['TANDEM_KAFKA_PORT']} on 127.0.0.1 is already in use by another process: stop it, or "
        "set TANDEM_KAFKA_PORT to a free port (KAFKA_BOOTSTRAP_SERVERS uses an existing broker instead)"
    ]
