"""Fault injection: seeded, so the same seed and request sequence give the same faults."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from sandbox.core import FaultConfig, Faults, SandboxClock

START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def request() -> web.Request:
    return make_mocked_request("GET", "/rest/api/3/myself")


async def statuses(faults: Faults, system: str, count: int) -> list[int | None]:
    out: list[int | None] = []
    for _ in range(count):
        response = await faults.intercept(system, request())
        out.append(None if response is None else response.status)
    return out


async def test_without_a_config_every_request_goes_through() -> None:
    assert await statuses(Faults(SandboxClock(START)), "jira", 20) == [None] * 20


async def test_the_same_seed_gives_the_same_faults() -> None:
    config = FaultConfig(error_rate=0.3, storm_rate=0.3, seed=42)
    runs = []
    for _ in range(2):
        faults = Faults(SandboxClock(START))
        faults.configure("jira", config)
        runs.append(await statuses(faults, "jira", 200))
    assert runs[0] == runs[1]
    assert {500, 502, 503, 429, None} == set(runs[0])


async def test_a_different_seed_gives_different_faults() -> None:
    results = []
    for seed in (1, 2):
        faults = Faults(SandboxClock(START))
        faults.configure("jira", FaultConfig(error_rate=0.5, seed=seed))
        results.append(await statuses(faults, "jira", 100))
    assert results[0] != results[1]


async def test_configuring_again_restarts_the_sequence_from_the_seed() -> None:
    faults = Faults(SandboxClock(START))
    faults.configure("jira", FaultConfig(error_rate=0.5, seed=7))
    first = await statuses(faults, "jira", 50)
    faults.configure("jira", FaultConfig(error_rate=0.5, seed=7))
    assert await statuses(faults, "jira", 50) == first


async def test_error_rate_share_of_requests_get_a_5xx() -> None:
    faults = Faults(SandboxClock(START))
    faults.configure("hubspot", FaultConfig(error_rate=0.25, seed=3))
    seen = await statuses(faults, "hubspot", 2000)
    errors = [s for s in seen if s is not None]
    assert set(errors) <= {500, 502, 503}
    assert 0.2 < len(errors) / len(seen) < 0.3
    assert faults.injected[("hubspot", 500)] + faults.injected[("hubspot", 502)] + faults.injected[
        ("hubspot", 503)
    ] == len(errors)


async def test_storm_429s_carry_retry_after_unless_switched_off() -> None:
    faults = Faults(SandboxClock(START))
    faults.configure("jira", FaultConfig(storm_rate=1.0))
    response = await faults.intercept("jira", request())
    assert response is not None and response.status == 429
    assert response.headers["Retry-After"] == "1"
    faults.configure("jira", FaultConfig(storm_rate=1.0, storm_retry_after=False))
    response = await faults.intercept("jira", request())
    assert response is not None and "Retry-After" not in response.headers


async def test_errors_are_worded_by_the_registered_vendor_body() -> None:
    faults = Faults(SandboxClock(START))
    faults.register_error_body("jira", lambda status: ({"errorMessages": [f"boom {status}"]}, {"X-Seen": "1"}))
    faults.configure("jira", FaultConfig(storm_rate=1.0))
    response = await faults.intercept("jira", request())
    assert isinstance(response, web.Response) and response.body == b'{"errorMessages": ["boom 429"]}'
    assert response.headers["X-Seen"] == "1" and response.content_type == "application/json"


async def test_outage_windows_follow_the_sandbox_clock() -> None:
    clock = SandboxClock(START)
    faults = Faults(clock)
    window = (START + timedelta(hours=1), START + timedelta(hours=2))
    faults.configure("hubspot", FaultConfig(outages=[window]))
    assert await statuses(faults, "hubspot", 1) == [None]
    clock.set(START + timedelta(hours=1))
    assert await statuses(faults, "hubspot", 3) == [503, 503, 503]
    clock.set(START + timedelta(hours=2))
    assert await statuses(faults, "hubspot", 1) == [None]


async def test_latency_delays_the_request() -> None:
    faults = Faults(SandboxClock(START))
    faults.configure("jira", FaultConfig(latency_ms=60, latency_jitter_ms=20))
    began = time.monotonic()
    assert await faults.intercept("jira", request()) is None
    assert 0.055 <= time.monotonic() - began < 0.5


async def test_a_held_write_reply_waits_after_the_write_and_only_where_configured() -> None:
    faults = Faults(SandboxClock(START))
    faults.configure("jira", FaultConfig(write_reply_delay_ms=60))
    began = time.monotonic()
    await faults.hold_write_reply("jira")
    assert 0.055 <= time.monotonic() - began < 0.5
    began = time.monotonic()
    await faults.hold_write_reply("hubspot")
    assert time.monotonic() - began < 0.05


async def test_clear_switches_faults_off_per_system_or_all() -> None:
    faults = Faults(SandboxClock(START))
    for system in ("jira", "hubspot"):
        faults.configure(system, FaultConfig(error_rate=1.0))
    faults.clear("jira")
    assert await statuses(faults, "jira", 1) == [None]
    assert (await statuses(faults, "hubspot", 1))[0] in (500, 502, 503)
    faults.clear()
    assert await statuses(faults, "hubspot", 1) == [None]


def test_fault_config_parses_the_control_plane_json() -> None:
    config = FaultConfig.from_json(
        {
            "error_rate": 0.1,
            "latency_ms": 5,
            "outages": [["2027-01-04T10:00:00Z", "2027-01-04T11:00:00Z"]],
            "write_reply_delay_ms": 250,
            "seed": 9,
        }
    )
    assert config.error_rate == 0.1 and config.latency_ms == 5 and config.seed == 9
    assert config.write_reply_delay_ms == 250
    assert config.outages == [(START + timedelta(hours=1), START + timedelta(hours=2))]
    assert FaultConfig.from_json(config.to_json()) == config


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"eror_rate": 0.1}, "unknown fault setting"),
        ({"error_rate": 2}, "between 0 and 1"),
        ({"latency_ms": "slow"}, "must be an integer"),
        ({"write_reply_delay_ms": -1}, "must be >= 0"),
        ({"outages": [["2027-01-04T11:00:00Z", "2027-01-04T10:00:00Z"]]}, "ends before it starts"),
        ({"outages": [["2027-01-04T10:00:00", "2027-01-04T11:00:00"]]}, "timezone-aware"),
        ([], "JSON object"),
    ],
)
def test_fault_config_rejects_bad_json(data: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        FaultConfig.from_json(data)


def test_a_refuse_rule_must_name_a_method_a_path_pattern_and_a_4xx() -> None:
    assert FaultConfig.from_json({"refuse": {"post /remotelink$": 403}}).refuse == {"POST /remotelink$": 403}
    for bad in ({"/remotelink": 403}, {"POST /x": 500}, {"POST (": 403}):
        with pytest.raises(ValueError, match="refuse rule"):
            FaultConfig.from_json({"refuse": bad})
