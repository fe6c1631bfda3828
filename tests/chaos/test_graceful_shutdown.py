"""SIGTERM during a busy replay, in the middle of deliveries: the worker finishes (or hands back) what it
has in flight and commits before it exits, so no delivery unit is left `sending`; the report is unchanged."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from tandem.replay.driver import Running
from tests.chaos.support import Recorder, Workers, delivery_states, differences, run_replay, seed_from_env, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.chaos,
    pytest.mark.xdist_group("chaos"),
    pytest.mark.timeout(900),
]

STOPS = 4


@dataclass
class Sigterms:
    """Right after a notification reached a receiver (other units of it still in flight), SIGTERM the worker,
    wait until it exited, read how far each delivery unit got, start it again; `STOPS` times."""

    seed: int
    after_stop: list[Counter[str]] = field(default_factory=list)
    exits: list[tuple[int | None, float]] = field(default_factory=list)
    """Each stop's exit code (-9: it did not exit on SIGTERM and was killed) and how long it took."""
    _task: asyncio.Task[None] | None = None
    _running: Running | None = None
    _stopping: bool = False

    async def start(self, running: Running) -> None:
        self._running = running
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        assert self._running is not None
        running = self._running
        rng = random.Random(self.seed)
        inbox, slack = running.receivers.inbox.messages, running.receivers.slack_posts
        for _ in range(STOPS):
            before = len(inbox) + len(slack)
            if not await wait_until(lambda b=before: self._stopping or len(inbox) + len(slack) > b, 120.0, poll=0.005):
                return
            if self._stopping:
                return
            await asyncio.sleep(rng.uniform(0.0, 0.05))
            began = time.monotonic()
            await asyncio.to_thread(running.worker.stop)  # SIGTERM, and wait until it exited (SIGKILL after 60 s)
            assert running.worker.process is not None
            self.exits.append((running.worker.process.returncode, time.monotonic() - began))
            self.after_stop.append(await delivery_states(running.settings.bootstrap_servers, running))
            await Workers(running).start(running.worker)

    async def stop(self) -> None:
        assert self._task is not None
        self._stopping = True
        await self._task


async def test_sigterm_during_a_busy_replay_leaves_no_delivery_sending(
    kafka_bootstrap: str, undisturbed: dict[str, Any]
) -> None:
    seed = seed_from_env()
    chaos = Sigterms(seed)
    report = await run_replay(kafka_bootstrap, Recorder(chaos))
    print(f"SIGTERMs: {len(chaos.after_stop)}; delivery units by state after each: {chaos.after_stop}")
    print(f"exit code and seconds to exit after each: {chaos.exits}")
    assert len(chaos.after_stop) >= 2
    assert all(code == 0 for code, _ in chaos.exits), chaos.exits  # each exited by itself, none was killed
    assert all(states.get("sending", 0) == 0 for states in chaos.after_stop)
    assert differences(report, undisturbed) == {}, f"seed {seed}"
