"""A worker's local table files deleted (its RocksDB directory gone) and the worker restarted: the tables
rebuild from their changelogs and answer what they answered before, for every campaign and work item."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.streams.test_worker_on_kafka import campaign_snapshot, work_item_snapshot
from tests.worker_process import Worker, produce

pytestmark = [pytest.mark.integration, pytest.mark.chaos, pytest.mark.xdist_group("chaos"), pytest.mark.timeout(600)]

CAMPAIGNS = [f"{n:08d}-0000-4000-8000-000000000000" for n in range(1, 9)]
ITEMS = [f"WEB-{n}" for n in range(1, 25)]


def table_views(worker: Worker) -> dict[str, Any]:
    """What the worker answers from its tables: each campaign's goal state and each work item's."""
    paths = [f"/api/v1/campaigns/{c}" for c in CAMPAIGNS] + [f"/api/v1/work-items/{k}" for k in ITEMS]
    return {path: worker.get(path) for path in paths}


async def test_tables_rebuilt_from_their_changelogs_after_the_table_files_are_deleted_answer_as_before(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    worker = Worker(bootstrap=kafka_bootstrap, data_dir=tmp_path / "worker")  # RocksDB tables
    worker.start()
    try:
        at = datetime(2027, 1, 4, 9, tzinfo=UTC)
        campaigns = [(c, campaign_snapshot(c, f"Campaign {i}", notes="")) for i, c in enumerate(CAMPAIGNS)]
        await produce(kafka_bootstrap, worker.topic("campaigns"), campaigns)
        items = [
            (
                key,
                work_item_snapshot([f"campaign-{CAMPAIGNS[i % len(CAMPAIGNS)]}"], at + timedelta(minutes=i), key, None),
            )
            for i, key in enumerate(ITEMS)
        ]
        await produce(kafka_bootstrap, worker.topic("workitems"), items)
        await worker.wait_quiet(180)
        before = table_views(worker)
        assert all(answer is not None and answer[0] == 200 for answer in before.values()), before
        files = tmp_path / "worker" / "faust" / worker.app_id
        assert any(files.rglob("*.sst")) or any(files.rglob("CURRENT")), f"no RocksDB files under {files}"
        worker.kill()
        shutil.rmtree(files)
        worker.start()
        await worker.wait_quiet(180)
        after = table_views(worker)
    finally:
        worker.stop()
    print(f"table directory wiped; {len(before)} table answers compared")
    assert after == before
