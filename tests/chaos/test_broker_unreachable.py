"""A worker started while the broker is down says so in one line, retries, answers `/api/health` with
`ready: false` and the reason, and becomes ready once the broker is there — without being restarted."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tandem.kafka.launcher import LocalKafka
from tandem.settings import load_settings
from tandem.worker_process import free_port
from tests.worker_process import Worker

pytestmark = [pytest.mark.integration, pytest.mark.chaos, pytest.mark.xdist_group("chaos"), pytest.mark.timeout(600)]


async def test_a_worker_without_a_broker_says_so_once_retries_and_reports_not_ready_with_the_reason(
    tmp_path: Path,
) -> None:
    broker = LocalKafka(
        home=tmp_path / "kafka", cache_dir=load_settings().cache_dir, port=free_port(), controller_port=free_port()
    )
    worker = Worker(bootstrap=broker.bootstrap, data_dir=tmp_path / "worker")
    starting = asyncio.create_task(asyncio.to_thread(worker.start, 300.0))
    try:
        deadline = time.monotonic() + 120
        health = None
        while time.monotonic() < deadline and not (health and health[0] == 200):
            await asyncio.sleep(0.5)
            health = worker.get("/api/health", authorized=False)
        assert health is not None and health[0] == 200, worker.log_tail()
        assert health[1]["ready"] is False
        assert health[1]["reason"] == f"cannot reach the Kafka broker at {broker.bootstrap}"
        await asyncio.sleep(12)  # a few retries
        assert worker.process is not None and worker.process.process is not None
        pid = worker.process.process.pid
        await asyncio.to_thread(broker.start)
        await starting  # ready: partitions assigned, tables recovered
        assert worker.process.process.pid == pid and worker.process.process.poll() is None
        log = worker.log_tail(10_000)
        assert log.count("cannot reach the Kafka broker") == 1, log[-3000:]
        assert "Traceback" not in log
        ready = worker.get("/api/health", authorized=False)
        assert ready is not None and ready[1]["ready"] is True and "reason" not in ready[1]
    finally:
        starting.cancel()
        worker.stop()
        await asyncio.to_thread(broker.stop)
