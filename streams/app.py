"""The one Faust application of Tandem.

Configured from `tandem.settings` at import; `autodiscover` names every module that declares agents,
timers, views or commands, so `tandem worker` loads exactly these.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import faust
from aiohttp import web

from tandem import log_repeats
from tandem.private import private_dir
from tandem.settings import Settings, SettingsError, get_settings

log = logging.getLogger(__name__)
log_repeats.install()

AUTODISCOVER = [
    "streams.items",
    "streams.goals",
    "streams.clock",
    "streams.notifier",
    "streams.digest",
    "connectors.notify.agent",
    "streams.web.tables",
    "connectors.polling",
    "connectors.webhooks.views",
    "connectors.webhooks.agent",
    "connectors.sync.agent",
    "streams.stalls",
]


def broker_urls(bootstrap_servers: str) -> list[str]:
    """`host:port,host:port` → Faust's `kafka://host:port` URLs."""
    return [f"kafka://{server.strip()}" for server in bootstrap_servers.split(",") if server.strip()]


def prepare_datadir(settings: Settings) -> Path:
    """The worker's table directory, created now so an unusable TANDEM_DATA_DIR fails at start; it and the
    directories above it up to TANDEM_DATA_DIR are private (0700, `tandem.private`)."""
    datadir = settings.data_dir / "faust" / settings.app_id
    try:
        for directory in (settings.data_dir, settings.data_dir / "faust", datadir):
            private_dir(directory)
    except OSError as exc:
        raise SettingsError(f"TANDEM_DATA_DIR: cannot create {datadir}: {exc.strerror}") from None
    return datadir


class TandemWorker(faust.Worker):
    """Faust's worker without its terminal spinner. At log level warning or above Faust adds a spinner
    handler and sets the root logger to DEBUG for the worker's whole life, so every debug call of aiokafka
    and Faust builds a record (through the redacting record factory) only for the handlers to drop it: a
    tenth of a busy worker's CPU (py-spy, the latency benchmark)."""

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        self.spinner = None

    async def on_startup_finished(self) -> None:
        await super().on_startup_finished()
        cast(TandemApp, self.app).startup_finished = True


class TandemApp(faust.App):
    """The Faust app, which first makes sure every Tandem topic exists with its declared partitions, and
    serves Tandem's web server (`streams.web.server`) instead of Faust's own pages."""

    startup_finished = False
    """Set once the worker has started everything: tables recovered, timers running, the connectors started
    (cursors and the webhook ledger loaded). Faust starts its web server before the connectors."""

    def _new_consumer(self) -> Any:
        from streams.stalls import handing_on

        consumer = super()._new_consumer()
        consumer.callback = handing_on(consumer.callback)  # type: ignore[attr-defined]
        return consumer

    def _new_web(self) -> Any:
        from streams.web.server import TandemWeb

        return TandemWeb(self)

    def on_webserver_init(self, web: Any) -> None:
        from streams.web.server import install

        install(web.web_app, get_settings())

    async def on_first_start(self) -> None:
        from streams.topic_admin import ensure_topics
        from streams.topics import ALL

        await super().on_first_start()
        tandem = get_settings()
        await wait_for_broker(tandem)
        wanted = {topic.get_topic_name(): topic.partitions for topic in ALL}
        wanted.update(
            {name: partitions for name, partitions in self.agent_topics(tandem.partitions) if name not in wanted}
        )
        configs = {topic.get_topic_name(): topic_config(topic) for topic in ALL if topic.compacting}
        for name, partitions in self.changelog_topics(tandem.partitions):
            wanted.setdefault(name, partitions)
            configs.setdefault(name, {"cleanup.policy": "compact"})
        if not self.conf.topic_disable_leader:
            wanted.setdefault(self.leader_topic_name(), 1)
        await ensure_topics(tandem.bootstrap_servers, wanted, tandem.replication_factor, configs)

    def leader_topic_name(self) -> str:
        """The topic whose one partition makes its holder the leader (Faust's `LeaderAssignor`). Made here, before
        the consumer joins: Faust creates it while it starts, and a consumer that subscribed before the broker's
        metadata showed it ("Ignoring missing topic") was assigned no leader partition, so no worker ran the
        leader timers — no polls, no ticks — until a metadata refresh minutes later (a fresh demo showed no goal)."""
        return f"{self.conf.id}-__assignor-__leader"

    def changelog_topics(self, partitions: int) -> list[tuple[str, int]]:
        """Every table's changelog topic. Made here, before the consumer joins: otherwise Faust creates them
        while it starts, and a worker that joins a running group (a rebalance) could take records before it
        saw them and dead-letter them as `PartitionsMismatch` (the chaos tests found it, with 2 workers)."""
        found = []
        for table in self.tables.values():
            topic = table.changelog_topic
            found.append((topic.get_topic_name(), getattr(table, "partitions", None) or partitions))
        return found

    def agent_topics(self, partitions: int) -> list[tuple[str, int]]:
        """Every topic an agent reads (the connectors' `jira-events` among them), so that each exists before
        the consumer subscribes: a topic created later is seen only at the next metadata refresh, minutes on."""
        found = []
        for agent in self.agents.values():
            channel = agent.channel
            for name in getattr(channel, "topics", ()):
                found.append((name, getattr(channel, "partitions", None) or partitions))
        return found


BROKER_RETRY_SECONDS = 5.0


async def wait_for_broker(settings: Settings) -> None:
    """Return once the broker answers. Until then: one log line saying so, a retry every few seconds, and
    `/api/health` (on the worker's web port, before the worker's own web server starts) answering
    `ready: false` with the reason."""
    from tandem.kafka.launcher import broker_answers

    bootstrap = settings.bootstrap_servers
    if await asyncio.to_thread(broker_answers, bootstrap):
        return
    reason = f"cannot reach the Kafka broker at {bootstrap}"
    log.warning("%s; retrying every %.0f s", reason, BROKER_RETRY_SECONDS)
    runner = await _health_while_waiting(settings, reason)
    try:
        while True:
            await asyncio.sleep(BROKER_RETRY_SECONDS)
            if await asyncio.to_thread(broker_answers, bootstrap):
                break
    finally:
        if runner is not None:
            await runner.cleanup()
    log.warning("reached the Kafka broker at %s; starting", bootstrap)


async def _health_while_waiting(settings: Settings, reason: str) -> web.AppRunner | None:
    async def health(request: web.Request) -> web.Response:
        body = {"status": "starting", "ready": False, "reason": reason, "app": settings.app_id, "inputs": []}
        return web.json_response(body)

    aio = web.Application()
    aio.router.add_get("/api/health", health)
    runner = web.AppRunner(aio, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.web_bind, settings.web_port).start()
    except OSError as exc:  # the port is taken: the worker's own web server will say so when it starts
        log.warning("health while waiting for the broker: cannot listen on port %s: %s", settings.web_port, exc)
        await runner.cleanup()
        return None
    return runner


def topic_config(topic: Any) -> dict[str, str]:
    """Kafka config of a compacted topic: compacted, and also deleted after its retention when it has one."""
    if topic.retention is None:
        return {"cleanup.policy": "compact"}
    seconds = topic.retention.total_seconds() if isinstance(topic.retention, timedelta) else float(topic.retention)
    return {"cleanup.policy": "compact,delete", "retention.ms": str(int(seconds * 1000))}


def create_app(settings: Settings) -> TandemApp:
    return TandemApp(
        settings.app_id,
        broker=broker_urls(settings.bootstrap_servers),
        store="rocksdb://" if settings.table_store == "rocksdb" else "memory://",
        datadir=str(prepare_datadir(settings)),
        autodiscover=AUTODISCOVER,
        origin="streams",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=True,
        producer_acks=-1,  # a record counts as sent only once every in-sync replica has it
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=settings.commit_interval,
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=min(3.0, settings.session_timeout / 3),
        web_enabled=True,
        web_port=settings.web_port,
        web_bind=settings.web_bind,
        web_host=settings.advertised_host,
        canonical_url=f"http://{settings.advertised_host}:{settings.web_port}",
        web_in_thread=False,
        Worker=TandemWorker,
    )


settings = get_settings()
app = create_app(settings)
