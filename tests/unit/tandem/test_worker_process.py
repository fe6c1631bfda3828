"""A worker started as a child process gets its settings through environment variables."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import SecretStr

from tandem.settings import ClockSpec, load_settings
from tandem.worker_process import env_value, worker_environment


def test_settings_values_are_spelled_as_environment_variables() -> None:
    assert env_value(["WEB", "APP"]) == "WEB,APP"
    assert env_value(SecretStr("s3cret")) == "s3cret"
    assert env_value(0.05) == "0.05"


def test_mappings_are_spelled_as_json() -> None:
    assert env_value({"marketing": SecretStr("http://hook")}) == '{"marketing": "http://hook"}'


def test_a_scenario_clock_reaches_the_worker_as_the_settings_read_it(monkeypatch) -> None:
    clock = ClockSpec(start=datetime(2027, 3, 1, 9, tzinfo=UTC), origin=1000.0, speed=4320.0)
    env = worker_environment({"clock": clock, "smtp_password": None})
    monkeypatch.setenv("TANDEM_CLOCK", env["TANDEM_CLOCK"])
    assert "TANDEM_SMTP_PASSWORD" not in env
    assert load_settings().clock == clock


def test_a_port_chosen_for_a_later_server_lies_below_the_kernels_ephemeral_range() -> None:
    """A port from the ephemeral range can be handed out again (a bind to port 0, an outgoing connection's
    local port) before the server binds it: a demo's worker found its web port taken by its own sandbox."""
    import socket

    from tandem.worker_process import LOWEST_CHOSEN, ephemeral_range, free_port

    low, _ = ephemeral_range()
    ports = {free_port() for _ in range(20)}
    assert all(LOWEST_CHOSEN <= port < low for port in ports)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", ports.pop()))  # and free to bind
