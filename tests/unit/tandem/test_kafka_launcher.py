"""The local broker launcher: its config, and the one-line errors it gives before starting anything."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tandem.kafka import launcher
from tandem.kafka.launcher import KAFKA_VERSION, KafkaLauncherError, LocalKafka


def broker(tmp_path: Path, **kwargs: object) -> LocalKafka:
    options: dict = {"home": tmp_path / "kafka", "cache_dir": tmp_path / "cache", "say": lambda line: None}
    options.update(kwargs)
    return LocalKafka(**options)


def test_the_pinned_broker_is_kafka_4() -> None:
    assert KAFKA_VERSION.split(".")[0] == "4"


def test_the_config_is_a_single_kraft_node_on_loopback(tmp_path: Path) -> None:
    local = broker(tmp_path, port=19500, controller_port=19501)
    local.configure()
    config = dict(
        line.split("=", 1) for line in local.config_file.read_text().splitlines() if line and not line.startswith("#")
    )
    assert config["process.roles"] == "broker,controller"
    assert config["listeners"] == "PLAINTEXT://127.0.0.1:19500,CONTROLLER://127.0.0.1:19501"
    assert config["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19500"
    assert config["log.dirs"] == str(tmp_path / "kafka" / "data")
    assert config["auto.create.topics.enable"] == "false"


def test_same_client_and_controller_port_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KafkaLauncherError, match="both 9092"):
        broker(tmp_path, port=9092, controller_port=9092)


def test_java_versions_are_read_from_both_version_formats() -> None:
    assert launcher._java_major('openjdk version "17.0.15" 2025-04-15') == 17
    assert launcher._java_major('java version "1.8.0_392"') == 8
    assert launcher._java_major("no version here") is None


def test_missing_java_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(KafkaLauncherError, match=r"Java 17\+ is needed .* install .*openjdk-17"):
        launcher.find_java()


def test_old_java_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "jdk" / "bin" / "java"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\necho 'java version \"1.8.0_392\"' >&2\n")
    fake.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    with pytest.raises(KafkaLauncherError, match="needs Java 17"):
        launcher.find_java()


def test_missing_maven_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(KafkaLauncherError, match=r"Maven \(mvn\) is needed .*apt-get install maven"):
        broker(tmp_path).resolve()


def test_a_resolved_cache_needs_no_maven(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local = broker(tmp_path)
    local.libs_dir.mkdir(parents=True)
    (local.libs_dir / ".complete").write_text(f"kafka_2.13-{KAFKA_VERSION}.jar\n")
    monkeypatch.setenv("PATH", str(tmp_path))  # no mvn anywhere
    assert local.resolve() == local.libs_dir


def test_an_occupied_port_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(KafkaLauncherError) as error:
            broker(tmp_path, port=port, controller_port=port + 1 if port < 65535 else port - 1).start()
    assert f"port {port} on 127.0.0.1 is already in use" in str(error.value)
    assert "TANDEM_KAFKA_PORT" in str(error.value) and "\n" not in str(error.value)


def test_an_unwritable_data_dir_is_a_one_line_error(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("in the way")
    with pytest.raises(KafkaLauncherError) as error:
        broker(tmp_path, home=not_a_dir / "kafka").configure()
    assert str(error.value).startswith(f"cannot write to {not_a_dir / 'kafka'}: ")
    assert "TANDEM_KAFKA_DIR" in str(error.value) and "\n" not in str(error.value)


def test_status_of_a_never_started_broker_is_not_running(tmp_path: Path) -> None:
    status = broker(tmp_path).status()
    assert not status.running and status.pid is None


def test_a_stale_pid_file_does_not_count_as_running(tmp_path: Path) -> None:
    local = broker(tmp_path)
    local.home.mkdir(parents=True)
    local.pid_file.write_text("1\n")  # pid 1 is alive but is not our broker
    assert local.running_pid() is None
    assert local.stop() is False
    assert not local.pid_file.exists()


def test_a_cluster_id_beginning_with_a_dash_is_passed_as_one_argument(tmp_path: Path, monkeypatch) -> None:
    local = broker(tmp_path)
    seen: list[list[str]] = []

    class Done:
        returncode = 0
        stdout = stderr = ""

    monkeypatch.setattr(launcher, "_kafka_cluster_id", lambda: "-leading-dash-00000000")
    monkeypatch.setattr(launcher.subprocess, "run", lambda command, **kwargs: seen.append(command) or Done())
    local.format("java")
    assert "--cluster-id=-leading-dash-00000000" in seen[0]
