"""A worker's local table files deleted (its RocksDB directory gone) and the worker restarted: the tables
rebuild from their changelogs and hold what they held; a wipe mid-run leaves the report unchanged."""

from __future__ import annotations

import asyncio
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tandem.replay.driver import Running
from tandem.replay.quiet import PipelineWatch
from tests.chaos.support import Recorder, Workers, differences, run_replay, seed_from_env

pytestmark = [pytest.mark.integration, pytest.mark.chaos, pytest.mark.timeout(900)]

CAMPAIGN = "70000000-0000-4000-8000-000000000007"
TABLE_VIEWS = (f"/api/v1/campaigns/{CAMPAIGN}", "/api/v1/work-items/WEB-70")
"""What the worker answers from its tables (the campaign's goal state and the work item's)."""


def table_dir(running: Running) -> Path:
    return running.settings.data_dir / "faust" / running.settings.app_id


@dataclass
class WipeTables:
    """Once mid-run and once at the end: SIGKILL the worker, delete its table directory, start it again.
    At the end, with the pipeline quiet, what the tables answer is read before and after."""

    seed: int
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    wipes: int = 0
    _task: asyncio.Task[None] | None = None
    _running: Running | None = None

    async def start(self, running: Running) -> None:
        self._running = running
        self._task = asyncio.create_task(self._mid_run())

    async def _mid_run(self) -> None:
        await asyncio.sleep(random.Random(self.seed).uniform(3.0, 12.0))
        await self._wipe()

    async def _wipe(self) -> None:
        assert self._running is not None
        files = table_dir(self._running)
        assert any(files.rglob("*")), f"no table files in {files} to delete"
        self._running.worker.kill()
        shutil.rmtree(files)
        await Workers(self._running).start(self._running.worker)
        self.wipes += 1

    def _read(self) -> dict[str, Any]:
        assert self._running is not None
        return {path: self._running.worker.get(path) for path in TABLE_VIEWS}

    async def stop(self) -> None:
        assert self._task is not None and self._running is not None
        await self._task
        watch = PipelineWatch(
            self._running.settings.bootstrap_servers, self._running.settings.app_id, self._running.watch.topics
        )
        await watch.start()
        try:
            await watch.wait_quiet(300)
            self.before = await asyncio.to_thread(self._read)
            await self._wipe()
            await watch.wait_quiet(300)
            self.after = await asyncio.to_thread(self._read)
        finally:
            await watch.stop()


async def test_tables_rebuilt_from_their_changelogs_after_a_wipe_hold_what_they_held(
    kafka_bootstrap: str, undisturbed: dict[str, Any]
) -> None:
    seed = seed_from_env()
    chaos = WipeTables(seed)
    report = await run_replay(kafka_bootstrap, Recorder(chaos), overrides={"table_store": "rocksdb"})
    print(f"table directory wiped {chaos.wipes} times")
    assert chaos.wipes == 2
    assert all(answer and answer[0] == 200 for answer in chaos.before.values()), chaos.before
    assert chaos.after == chaos.before
    assert differences(report, undisturbed) == {}, f"seed {seed}"
