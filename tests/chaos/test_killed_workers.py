"""Workers killed (SIGKILL) at seeded random moments during a busy replay — in the middle of deliveries and
write-back among them — and restarted each time: the final report equals an undisturbed run's."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from tandem.replay.driver import Running
from tests.chaos.support import (
    Recorder,
    Workers,
    delivery_units,
    differences,
    lost_slack_posts,
    run_replay,
    seed_from_env,
    wait_until,
)

pytestmark = [pytest.mark.integration, pytest.mark.chaos, pytest.mark.xdist_group("chaos"), pytest.mark.timeout(1200)]

KILLS = 20
MODES = ("anytime", "delivery", "write-back", "recovering")
WEIGHTS = (2, 2, 2, 3)
"""A kill while the worker starts lets the replay make no progress, so 20 kills fit in one busy replay."""


@dataclass
class KillingWorker:
    """Kills the replay's worker again and again (SIGKILL, no clean shutdown), restarting it each time.

    Each round waits until the restarted worker is ready, then kills it: at a random moment within a few
    seconds (`anytime`), or right after a notification reached a receiver (`delivery`: sent, not yet
    recorded), or right after a write reached a sandbox (`write-back`: written, not yet recorded done); or
    kills it while it starts, before it is ready (`recovering`: joining the group, restoring its tables).
    """

    seed: int
    kills: Counter[str] = field(default_factory=Counter)
    rng: random.Random = field(init=False)
    _task: asyncio.Task[None] | None = None
    _stopping: bool = False
    _running: Running | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    async def start(self, running: Running) -> None:
        self._running = running
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """Once the scenario is played: the kills not made yet are made now, while the pipeline settles (a
        quick replay must not end the test with fewer than `KILLS`), then the worker is left to finish."""
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), 600)
        self._stopping = True
        if self._task is not None:
            await self._task
        assert self._running is not None
        worker = self._running.worker
        if worker.process is None or worker.process.poll() is not None:
            await Workers(self._running).start(worker)

    async def _loop(self) -> None:
        assert self._running is not None
        running = self._running
        workers = Workers(running)
        while not self._stopping and self.total < KILLS:  # then the replay runs on undisturbed to its end
            mode = self.rng.choices(MODES, weights=WEIGHTS)[0]
            if mode == "recovering":
                running.worker.kill()
                starting = asyncio.create_task(workers.start(running.worker))
                await asyncio.sleep(self.rng.uniform(0.5, 6.0))
                running.worker.kill()  # start() sees the process gone and raises
                with contextlib.suppress(AssertionError, RuntimeError, TimeoutError):
                    await starting
                self._count(mode, "killed while starting")
            else:
                await self._moment(mode, running)
                if self._stopping:
                    return
                running.worker.kill()
                self._count(mode, "")
            await workers.start(running.worker)

    def _count(self, mode: str, note: str) -> None:
        self.kills[mode] += 1
        print(f"kill {self.total} ({mode}) {note}".rstrip())

    async def _moment(self, mode: str, running: Running) -> None:
        """Wait for the moment to kill (at most a few seconds for `anytime`, a little longer for the others)."""
        if mode == "anytime":
            await wait_until(lambda: self._stopping, self.rng.uniform(0.1, 2.0))
            return
        if mode == "delivery":
            inbox, slack = running.receivers.inbox.messages, running.receivers.slack_posts
            before = len(inbox) + len(slack)
            await wait_until(lambda: self._stopping or len(inbox) + len(slack) > before, 3.0, poll=0.005)
            return
        writes = running.sandboxes.world.writes
        before = len(writes)
        await wait_until(lambda: self._stopping or len(writes) > before, 3.0, poll=0.005)

    @property
    def total(self) -> int:
        return sum(self.kills.values())


async def test_a_worker_killed_again_and_again_ends_with_the_undisturbed_report(
    kafka_bootstrap: str, undisturbed: dict[str, Any]
) -> None:
    seed = seed_from_env()
    chaos = KillingWorker(seed)
    recorder = Recorder(chaos)
    report = await run_replay(kafka_bootstrap, recorder)
    assert recorder.running is not None
    units = await delivery_units(kafka_bootstrap, recorder.running)
    states = Counter(outcome.state for outcome in units.values())
    repeated = recorder.running.receivers.repeated_emails()
    print(
        f"kills survived: {chaos.total} {dict(chaos.kills)}; delivery units by state: {dict(states)}; "
        f"emails sent again after an interrupted send (folded by Message-ID): {repeated}"
    )
    lost = lost_slack_posts(undisturbed, report, units)
    print(f"Slack posts lost to an interrupted send (at most once, units `unknown`): {len(lost)}")
    found = differences(report, undisturbed)
    if lost:  # the documented policy for Slack (connectors.notify.resend); every other row must be equal
        missing = [row for row in found["notifications"]["missing"] if row not in lost]
        found["notifications"]["missing"] = missing
        if found["notifications"] == {"missing": [], "extra": [], "duplicated": []}:
            del found["notifications"]
    # HubSpot tasks are sent again after an interrupted send and found by their marker: none lost, none twice.
    assert [o.unit for o in units.values() if o.state == "unknown" and o.unit.startswith("hubspot_task:")] == []
    assert found == {}, f"seed {seed}"
    assert states.get("sending", 0) == 0  # nothing left half-done
    assert chaos.total == KILLS, f"only {chaos.total} kills happened before the replay ended (seed {seed})"
    assert chaos.kills["delivery"] and chaos.kills["write-back"] and chaos.kills["recovering"]
