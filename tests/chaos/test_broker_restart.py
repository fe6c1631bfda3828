"""The broker stopped for 30 s in the middle of a busy replay and started again: the worker recovers without
being restarted (the same process throughout), and the report equals an undisturbed run's."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tandem.kafka.launcher import LocalKafka
from tandem.replay.driver import Running
from tandem.replay.quiet import PipelineWatch
from tandem.settings import load_settings
from tandem.worker_process import free_port
from tests.chaos.support import Recorder, differences, run_replay, seed_from_env

pytestmark = [
    pytest.mark.integration,
    pytest.mark.chaos,
    pytest.mark.xdist_group("chaos"),
    pytest.mark.timeout(900),
]

OUTAGE_SECONDS = 30.0


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[LocalKafka]:
    """A broker of this test's own (it is stopped mid-test), started by the project's launcher."""
    broker = LocalKafka(
        home=tmp_path / "kafka",
        cache_dir=load_settings().cache_dir,
        port=free_port(),
        controller_port=free_port(),
        say=print,
    )
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@dataclass
class BrokerOutage:
    """Once the worker has work in flight (a backlog on its inputs), stop the broker for 30 s, start it again."""

    broker: LocalKafka
    seed: int
    pids: list[int] = field(default_factory=list)
    outage: float = 0.0
    _task: asyncio.Task[None] | None = None
    _running: Running | None = None

    async def start(self, running: Running) -> None:
        self._running = running
        self._task = asyncio.create_task(self._run())

    def _pid(self) -> int:
        assert self._running is not None and self._running.worker.process is not None
        assert self._running.worker.process.poll() is None, "the worker exited"
        return self._running.worker.process.pid

    async def _run(self) -> None:
        assert self._running is not None
        settings = self._running.settings
        watch = PipelineWatch(settings.bootstrap_servers, settings.app_id, self._running.watch.topics)
        await watch.start()
        try:
            await asyncio.sleep(random.Random(self.seed).uniform(2.0, 8.0))
            busy = False
            deadline = time.monotonic() + 120
            while not busy and time.monotonic() < deadline:
                busy = await watch.backlog() > 0
                await asyncio.sleep(0.01)
        finally:
            await watch.stop()
        self.pids.append(self._pid())
        started = time.monotonic()
        await asyncio.to_thread(self.broker.stop)
        await asyncio.sleep(OUTAGE_SECONDS)
        await asyncio.to_thread(self.broker.start)
        self.outage = time.monotonic() - started
        self.pids.append(self._pid())

    async def stop(self) -> None:
        assert self._task is not None
        await self._task
        self.pids.append(self._pid())


async def test_a_broker_stopped_for_30_seconds_mid_run_leaves_the_worker_running_and_the_report_unchanged(
    own_broker: LocalKafka, undisturbed: dict[str, Any]
) -> None:
    seed = seed_from_env()
    chaos = BrokerOutage(own_broker, seed)
    report = await run_replay(own_broker.bootstrap, Recorder(chaos))
    print(f"broker away for {chaos.outage:.0f}s; worker pid throughout: {chaos.pids}")
    assert chaos.outage >= OUTAGE_SECONDS
    assert len(set(chaos.pids)) == 1 and len(chaos.pids) == 3  # never restarted
    assert differences(report, undisturbed) == {}, f"seed {seed}"
