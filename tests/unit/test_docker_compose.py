"""docker-compose.yml (the Docker path) agrees with the settings class and the pinned broker.

There is no Docker engine on CI machines, so the file is checked by reading it; `docker compose config`
runs too where the Docker client has the compose plugin.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tandem.kafka.launcher import KAFKA_VERSION
from tandem.settings import Settings, env_name
from tandem.settings_doc import is_secret

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SETTINGS_ENV = {env_name(field) for field in Settings.model_fields}


def test_kafka_is_the_official_image_at_the_pinned_version_in_kraft_mode() -> None:
    kafka = COMPOSE["services"]["kafka"]
    assert kafka["image"] == f"apache/kafka:{KAFKA_VERSION}"
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "ZOOKEEPER" not in " ".join(kafka["environment"])


def test_the_worker_is_built_from_the_dockerfile_and_runs_tandem_worker() -> None:
    worker = COMPOSE["services"]["worker"]
    assert worker["build"] == "."
    assert 'CMD ["tandem", "worker"]' in (ROOT / "Dockerfile").read_text()


def test_every_worker_variable_is_a_setting() -> None:
    assert set(COMPOSE["services"]["worker"]["environment"]) <= SETTINGS_ENV


def test_every_setting_reaches_the_worker_through_the_env_file() -> None:
    """No hand-picked list: every line of tandem.env is handed to the worker, and tandem.env.example (what
    a user copies it from) names every setting."""
    assert COMPOSE["services"]["worker"]["env_file"] == [{"path": "tandem.env", "required": False}]
    example = (ROOT / "tandem.env.example").read_text()
    assert sorted(name for name in SETTINGS_ENV if f"# {name}=" not in example) == []
    assert "tandem.env" in (ROOT / ".gitignore").read_text().split()


def test_the_worker_reaches_kafka_on_an_advertised_listener() -> None:
    bootstrap = COMPOSE["services"]["worker"]["environment"]["KAFKA_BOOTSTRAP_SERVERS"]
    advertised = COMPOSE["services"]["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert bootstrap in [listener.split("://", 1)[1] for listener in advertised.split(",")]


def test_the_web_port_is_published_and_bound_for_a_container() -> None:
    environment = COMPOSE["services"]["worker"]["environment"]
    port = environment["TANDEM_WEB_PORT"]
    assert environment["TANDEM_WEB_BIND"] == "0.0.0.0"
    assert f"127.0.0.1:{port}:{port}" in COMPOSE["services"]["worker"]["ports"]
    Settings(web_port=int(port))  # a valid value for the settings class


def test_no_secret_is_written_in_the_file() -> None:
    secrets = {env_name(field) for field in Settings.model_fields if is_secret(field)}
    assert secrets and secrets.isdisjoint(COMPOSE["services"]["worker"]["environment"])


def _compose_plugin() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True, check=False).returncode == 0


@pytest.mark.skipif(not _compose_plugin(), reason="the Docker client here has no compose plugin")
def test_docker_compose_accepts_the_file() -> None:
    result = subprocess.run(
        ["docker", "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
