"""Workers join and leave a busy replay — two workers, then one, then three, sharing the consumer group's
partitions — and the final report equals an undisturbed run's: this is how Tandem scales past one machine."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from tandem.replay.driver import Running
from tests.chaos.support import Recorder, Workers, delivery_states, differences, run_replay, seed_from_env

pytestmark = [pytest.mark.integration, pytest.mark.chaos, pytest.mark.xdist_group("chaos"), pytest.mark.timeout(900)]


@dataclass
class JoinAndLeave:
    """The replay's worker is joined by a second (two), one leaves (one), two more join (three); each
    change of membership is a rebalance. The pauses between them are seeded random, a few seconds."""

    seed: int
    timeline: list[str] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _workers: Workers | None = None

    async def start(self, running: Running) -> None:
        self._workers = Workers(running)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        assert self._workers is not None
        rng = random.Random(self.seed)
        workers = self._workers
        await asyncio.sleep(rng.uniform(1.0, 4.0))
        await workers.start(workers.add())
        self.timeline.append("2 workers")
        await asyncio.sleep(rng.uniform(3.0, 10.0))
        await asyncio.to_thread(workers.extra.pop().stop)  # SIGTERM: it leaves the group cleanly
        self.timeline.append("1 worker")
        await asyncio.sleep(rng.uniform(3.0, 10.0))
        await asyncio.gather(workers.start(workers.add()), workers.start(workers.add()))
        self.timeline.append("3 workers")

    async def stop(self) -> None:
        assert self._task is not None and self._workers is not None
        await self._task
        print(f"membership: {' → '.join(self.timeline)}")

    @property
    def rebalances(self) -> int:
        """Times a member joined or left the group."""
        return {"2 workers": 1, "1 worker": 2, "3 workers": 4}[self.timeline[-1]] if self.timeline else 0


async def test_two_workers_then_one_then_three_end_with_the_undisturbed_report(
    kafka_bootstrap: str, undisturbed: dict[str, Any]
) -> None:
    seed = seed_from_env()
    chaos = JoinAndLeave(seed)
    recorder = Recorder(chaos)
    try:
        report = await run_replay(kafka_bootstrap, recorder)
    finally:
        if chaos._workers is not None:
            await chaos._workers.stop_all_extra()
    assert recorder.running is not None
    states = await delivery_states(kafka_bootstrap, recorder.running)
    print(f"rebalances: {chaos.rebalances}; delivery units by state: {dict(states)}")
    assert chaos.timeline == ["2 workers", "1 worker", "3 workers"]
    assert differences(report, undisturbed) == {}, f"seed {seed}"
    assert set(states) == {"sent"}  # no unit interrupted, none left half-done
