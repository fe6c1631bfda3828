"""Shared parts of the chaos tests: a replay of a busy scenario (real broker, sandboxes, worker processes)
with a disturbance acting on its workers, and what its topics say afterwards."""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from sandbox.scenario import load_scenario
from streams.records import DeliveryOutcome, decode
from tandem.kafka_io import read_all
from tandem.replay.driver import Replay, Running
from tandem.worker_process import WorkerProcess, free_port

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BUSY = "notifications"
"""The busiest short scenario: goals, signals, every notification channel and write-back (12 writes)."""
OVERRIDES: dict[str, Any] = {"session_timeout": 6.0}
"""A killed worker's partitions come back after 6 s (the default, 60 s, would make every kill a minute)."""
QUIET_WITHIN = 600.0


def seed_from_env(name: str = "TANDEM_CHAOS_SEED") -> int:
    """The seed given in the environment, or a fresh one; printed so a failing run can be repeated."""
    seed = int(os.environ.get(name) or random.SystemRandom().randrange(1_000_000))
    print(f"chaos seed: {seed} (repeat with {name}={seed})")
    return seed


async def run_replay(
    bootstrap: str, disturbance: Any = None, scenario: str = BUSY, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    recorder = disturbance if isinstance(disturbance, Recorder) else Recorder(disturbance)
    replay = Replay(
        load_scenario(SCENARIOS / f"{scenario}.yaml"),
        say=print,
        disturbance=recorder,
        overrides={**OVERRIDES, **(overrides or {})},
        bootstrap=bootstrap,
        quiet_within=QUIET_WITHIN,
        start_within=300.0,  # the machine may be busy
        keep_dir=True,  # the workers' logs, for a failure
    )
    report = await replay.run()
    assert recorder.running is not None
    for _, value in await read_all(bootstrap, recorder.running.settings.topic("dlq")):
        print(f"dead letter: {value[:600] if value else value!r}")
    return report


async def delivery_states(bootstrap: str, running: Running) -> Counter[str]:
    """How many delivery units ended in each state (`sent`, `unknown`, ...), from the `deliveries` topic."""
    latest: dict[str, str] = {}
    for key, value in await read_all(bootstrap, running.settings.topic("deliveries")):
        if key is not None and value:
            latest[key] = decode(DeliveryOutcome, value).state
    return Counter(latest.values())


async def delivery_units(bootstrap: str, running: Running) -> dict[str, DeliveryOutcome]:
    """How far each delivery unit got, by `<notification key>|<unit>`, from the `deliveries` topic."""
    latest: dict[str, DeliveryOutcome] = {}
    for key, value in await read_all(bootstrap, running.settings.topic("deliveries")):
        if key is not None and value:
            latest[key] = decode(DeliveryOutcome, value)
    return latest


def lost_slack_posts(
    undisturbed: dict[str, Any], report: dict[str, Any], units: dict[str, DeliveryOutcome]
) -> list[dict[str, Any]]:
    """The Slack posts of the undisturbed run missing from `report` whose unit was left `unknown` (an
    interrupted send that had not arrived: at most once for Slack)."""
    unknown = {
        (o.kind, o.campaign, o.unit.split(":", 1)[1], o.at.astimezone(UTC).isoformat().replace("+00:00", "Z"))
        for o in units.values()
        if o.state == "unknown" and o.unit.startswith("slack:")
    }
    return [
        row
        for row in undisturbed["notifications"]
        if row["channel"] == "slack"
        and row not in report["notifications"]
        and (row["kind"], row.get("campaign"), row["to"][0], row["at"]) in unknown
    ]


def duplicates(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows that occur more often than once."""
    seen = Counter(repr(sorted(row.items())) for row in rows)
    return [row for row in rows if seen[repr(sorted(row.items()))] > 1]


@dataclass
class Workers:
    """The replay's first worker and any the disturbance adds, with the same settings (one consumer group)."""

    running: Running
    extra: list[WorkerProcess] = field(default_factory=list)

    def add(self) -> WorkerProcess:
        port = free_port()
        env = dict(self.running.env, TANDEM_WEB_PORT=str(port))
        worker = WorkerProcess(
            env, web_port=port, api_token=self.running.worker.api_token, log_dir=self.running.workdir / "logs"
        )
        self.extra.append(worker)
        return worker

    async def start(self, worker: WorkerProcess) -> None:
        await asyncio.to_thread(worker.start, 300.0)

    async def stop_all_extra(self) -> None:
        for worker in self.extra:
            await asyncio.to_thread(worker.stop)
        self.extra.clear()


async def wait_until(check: Any, within: float, poll: float = 0.02) -> bool:
    """Poll `check()` until true or `within` seconds passed; whether it became true."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(poll)
    return False


@dataclass
class Recorder:
    """Wraps a disturbance to keep the running replay (to read its topics afterwards)."""

    inner: Any = None
    running: Running | None = None

    async def start(self, running: Running) -> None:
        self.running = running
        if self.inner is not None:
            await self.inner.start(running)

    async def stop(self) -> None:
        if self.inner is not None:
            await self.inner.stop()


SECTIONS = ("links", "goals", "signals", "notifications", "writes")


def differences(report: dict[str, Any], undisturbed: dict[str, Any]) -> dict[str, Any]:
    """Per report section that differs from the undisturbed run's: rows missing, extra and duplicated."""
    found = {
        section: {
            "missing": [row for row in undisturbed[section] if row not in report[section]],
            "extra": [row for row in report[section] if row not in undisturbed[section]],
            "duplicated": duplicates(report[section]),
        }
        for section in SECTIONS
        if report[section] != undisturbed[section]
    }
    print(f"differences from the undisturbed run: {json.dumps(found, indent=1)}")
    return found
