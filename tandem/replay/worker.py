"""Runs `tandem worker` as a real subprocess for integration tests, and reads what it produced."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from tests.kafka_fixtures import free_port

TANDEM = str(Path(sys.executable).with_name("tandem"))


@dataclass
class Worker:
    """One `tandem worker` process with its own app id, topic prefix, data dir and web port."""

    bootstrap: str
    data_dir: Path
    app_id: str = field(default_factory=lambda: f"t-{uuid.uuid4().hex[:8]}")
    partitions: int = 4
    web_port: int = field(default_factory=free_port)
    api_token: str = "test-token"
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def prefix(self) -> str:
        return f"{self.app_id}."

    def topic(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
                "TANDEM_APP_ID": self.app_id,
                "TANDEM_TOPIC_PREFIX": self.prefix,
                "TANDEM_PARTITIONS": str(self.partitions),
                "TANDEM_DATA_DIR": str(self.data_dir),
                "TANDEM_WEB_PORT": str(self.web_port),
                "TANDEM_TABLE_STORE": "rocksdb",
                "TANDEM_API_TOKENS": self.api_token,
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 90.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir / f"worker-{int(time.time() * 1000)}.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [TANDEM, "worker", "-l", "info"],
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited with {self.process.returncode}:\n{self.log_tail()}")
            health = self.get("/api/health", authorized=False)
            if health and health[0] == 200 and health[1].get("ready"):
                return
            time.sleep(0.5)
        raise AssertionError(f"worker not ready within {timeout}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no final commit or flush."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def get(self, path: str, *, authorized: bool = True) -> tuple[int, Any] | None:
        request = urllib.request.Request(f"http://127.0.0.1:{self.web_port}{path}")
        if authorized:
            request.add_header("Authorization", f"Bearer {self.api_token}")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None


async def produce(bootstrap: str, topic: str, records: Iterable[tuple[str | None, bytes]]) -> None:
    """Produce raw (key, value) records with acks=all."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, key=key.encode() if key is not None else None, value=value)
    finally:
        await producer.stop()


async def read_topic(bootstrap: str, topic: str, *, expect: int, wait_seconds: float = 60.0) -> list[Any]:
    """Read a topic from the start until `expect` records arrived (or `wait_seconds` passed), values JSON-decoded."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        deadline = time.monotonic() + wait_seconds
        while not partitions and time.monotonic() < deadline:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
            await asyncio.sleep(0.2)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        found: list[Any] = []
        while len(found) < expect and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for messages in batches.values():
                found.extend(json.loads(m.value) if m.value else None for m in messages)
        return found
    finally:
        await consumer.stop()
