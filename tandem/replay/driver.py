"""`tandem replay`: a scenario through the whole pipeline, on the scenario's clock (docs/scenarios.md).

Starts what is missing — a local broker through the launcher, both sandboxes seeded from the scenario, a
worker in replay mode with topics and consumer group of its own — then drives the clock: at each
timeline step it changes the sandboxes (or sends a person's command), lets the sources poll as they
would have, sends ticks, and waits until the pipeline is quiet; between steps it sends a tick every
`tick_seconds`. At the end it writes the report from what flowed, and stops what it started.

With `TANDEM_SANDBOX_VALIDATE` on (the test suite sets it), every response of its sandboxes is checked against
the vendors' descriptions; when one broke them, `run()` raises `SandboxConformanceError` after everything
stopped, carrying the report, and `tandem replay` writes the report and exits 1.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sandbox.runner import RunningSandboxes, SandboxConformanceError, start_sandboxes, validation_requested
from sandbox.scenario import Scenario, Step, step_groups
from streams.records import TICK_TOPICS, GoalMessage, GoalSummary, SignalRecord, Tick, decode
from tandem.kafka_io import RecordWriter, read_all
from tandem.local import broker_for_run
from tandem.receivers import Receivers
from tandem.replay.quiet import PipelineWatch
from tandem.replay.report import build_report
from tandem.settings import Settings, load_settings
from tandem.worker_process import WorkerProcess, free_port, worker_environment

log = logging.getLogger(__name__)

INPUT_TOPICS = (
    "campaigns",
    "workitems",
    "item-events",
    "goal-events",
    *TICK_TOPICS,
    "sync",
    "signals",
    "notifications",
    "owner-goals",
)
SETTLE_ROUNDS = 5
TICK_BATCH = timedelta(days=1)
"""Ticks between steps go out a scenario day at a time (what they cause is stamped within that day)."""


def tick_times(after: datetime, until: datetime, every: timedelta, origin: datetime) -> list[datetime]:
    """The tick instants `origin + k·every` in (after, until)."""
    if until <= after:
        return []
    k = (after - origin) // every + 1
    times = []
    while (at := origin + k * every) < until:
        times.append(at)
        k += 1
    return times


def tick_batches(times: list[datetime], span: timedelta) -> list[list[datetime]]:
    """Consecutive ticks grouped so that each group covers less than `span` of scenario time."""
    batches: list[list[datetime]] = []
    for at in times:
        if batches and at - batches[-1][0] < span:
            batches[-1].append(at)
        else:
            batches.append([at])
    return batches


def describe(step: Step) -> str:
    return " ".join(part for part in (step.system, step.action, step.target) if part)


@dataclass
class Running:
    """What a replay has running, for a `Disturbance` to act on."""

    settings: Settings
    env: dict[str, str]
    worker: WorkerProcess
    watch: PipelineWatch
    sandboxes: RunningSandboxes
    receivers: Receivers
    workdir: Path


class Disturbance(Protocol):
    """Something done to a running replay while it is driven (the chaos tests: killed workers, rebalances).

    `start` is called once the worker is ready, before the first step; `stop` after the last step, and must
    leave at least one worker running; the replay then waits until the pipeline is quiet and reports.
    """

    async def start(self, running: Running) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Replay:
    scenario: Scenario
    say: Callable[[str], None] = print
    partitions: int = 4
    keep_dir: bool = False
    started_at: float = field(default_factory=time.monotonic)
    validate: bool = field(default_factory=validation_requested)
    """Check every sandbox response against the vendors' descriptions (default: `TANDEM_SANDBOX_VALIDATE`)."""
    disturbance: Disturbance | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    """Settings over the scenario's own (e.g. the table store)."""
    bootstrap: str | None = None
    """A broker to use instead of the one the settings name or the replay starts."""
    quiet_within: float = 120.0
    """How long each wait for a quiet pipeline may take (longer when a disturbance kills workers)."""
    start_within: float = 120.0
    """How long the worker may take to be ready."""

    async def run(self) -> dict[str, Any]:
        sandboxes: RunningSandboxes | None = None
        async with AsyncExitStack() as stack:
            workdir = Path(tempfile.mkdtemp(prefix=f"tandem-replay-{self.scenario.name}-"))
            if not self.keep_dir:
                stack.callback(shutil.rmtree, workdir, True)
            bootstrap = self.bootstrap or await broker_for_run(load_settings(), stack, workdir / "kafka", self.say)
            sandboxes = await start_sandboxes(self.scenario, validate=self.validate)
            stack.push_async_callback(sandboxes.stop)
            self.say(f"sandboxes: HubSpot {sandboxes.hubspot_url}, Jira {sandboxes.jira_url}")
            receivers = Receivers()
            await receivers.start()
            stack.push_async_callback(receivers.stop)
            settings, env = self._settings(bootstrap, sandboxes, receivers, workdir)
            worker = WorkerProcess(
                env,
                web_port=settings.web_port,
                api_token=settings.api_tokens[0].get_secret_value(),
                log_dir=workdir / "logs",
            )
            stack.callback(worker.stop)
            health = await asyncio.to_thread(worker.start, self.start_within)  # the loop serves the sandboxes
            self.say(f"worker ready ({self._elapsed()}); consumer group {settings.app_id}; files in {workdir}")
            watch = PipelineWatch(
                bootstrap, settings.app_id, health.get("inputs") or [settings.topic(name) for name in INPUT_TOPICS]
            )
            await watch.start()
            stack.push_async_callback(watch.stop)
            writer = RecordWriter(bootstrap)
            await writer.start()
            stack.push_async_callback(writer.stop)
            pipeline = await self._pipeline(stack, settings, sandboxes, writer, watch)
            if self.disturbance is not None:
                running = Running(settings, env, worker, watch, sandboxes, receivers, workdir)
                await self.disturbance.start(running)
                try:
                    await pipeline.drive(self.scenario, self.say)
                finally:
                    await self.disturbance.stop()
                await watch.wait_quiet(self.quiet_within)
            else:
                await pipeline.drive(self.scenario, self.say)
            report = await self._report(bootstrap, settings, sandboxes, receivers)
            self.say(f"replayed {self.scenario.name} in {self._elapsed()} ({pipeline.spent()})")
        problems = sandboxes.nonconformities()  # taken once the worker and the sandboxes have stopped
        if problems:
            raise SandboxConformanceError(problems, report=report)
        return report

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self.started_at:.1f}s"

    def _settings(
        self, bootstrap: str, sandboxes: RunningSandboxes, receivers: Receivers, workdir: Path
    ) -> tuple[Settings, dict[str, str]]:
        replay_id = f"replay-{self.scenario.name}-{secrets.token_hex(3)}"
        credentials = sandboxes.credentials
        jira = self.scenario.section("jira")
        hubspot = self.scenario.section("hubspot")
        overrides: dict[str, Any] = {
            "kafka_bootstrap_servers": bootstrap,
            "app_id": replay_id,
            "topic_prefix": f"{replay_id}.",
            "partitions": self.partitions,
            "mode": "replay",
            "commit_interval": 0.02,
            "table_store": "memory",  # a replay's worker lives minutes: its tables need no disk
            "data_dir": workdir / "data",
            "web_port": free_port(),
            "api_tokens": [secrets.token_urlsafe(16)],
            "hubspot_base_url": sandboxes.hubspot_url,
            "hubspot_token": credentials.hubspot_token,
            "jira_url": sandboxes.jira_url,
            "jira_email": credentials.jira_email,
            "jira_api_token": credentials.jira_token,
            "jira_projects": [project["key"] for project in jira.get("projects", [])],
            "allow_insecure_urls": True,  # the sandboxes and the replay's Slack receiver speak http on loopback
        }
        if hubspot.get("portal_id"):
            overrides["hubspot_portal_id"] = hubspot["portal_id"]
        overrides.update(self.scenario.settings)
        overrides.update(self.overrides)
        # Notifications reach the replay's own receivers; a scenario names the Slack teams it wants.
        overrides.update(
            {
                "smtp_host": "127.0.0.1",
                "smtp_port": receivers.smtp_port,
                "smtp_security": "none",
                "smtp_username": None,
                "smtp_password": None,
            }
        )
        overrides["slack_webhooks"] = {team: receivers.slack_url(team) for team in overrides.get("slack_webhooks", {})}
        return load_settings(**overrides), worker_environment(overrides)

    async def _pipeline(
        self,
        stack: AsyncExitStack,
        settings: Settings,
        sandboxes: RunningSandboxes,
        writer: RecordWriter,
        watch: PipelineWatch,
    ) -> Pipeline:
        from connectors.hubspot.source import HubSpotSource
        from connectors.jira.source import JiraSource
        from connectors.state.cursors import CursorStore
        from connectors.state.producer import KafkaSink

        sink = KafkaSink(settings.bootstrap_servers, settings.topic_prefix)
        await sink.start()
        stack.push_async_callback(sink.stop)
        cursors = CursorStore(sink, replication_factor=settings.replication_factor)
        clock = sandboxes.world.clock.now
        hubspot = HubSpotSource(settings, sink, cursors, clock=clock)
        jira = JiraSource(settings, sink, cursors, clock=clock)
        stack.push_async_callback(hubspot.close)
        stack.push_async_callback(jira.close)
        return Pipeline(settings, sandboxes, writer, watch, hubspot, jira, self.quiet_within)

    async def _report(
        self, bootstrap: str, settings: Settings, sandboxes: RunningSandboxes, receivers: Receivers
    ) -> dict[str, Any]:
        goals: dict[str, GoalSummary] = {}
        for key, value in await read_all(bootstrap, settings.topic("goals")):
            if key is None:
                continue
            if value is None or value == b"null":
                goals.pop(key, None)
            else:
                goals[key] = decode(GoalSummary, value)
        signals = [
            decode(SignalRecord, value)
            for _, value in await read_all(bootstrap, settings.topic("signals"))
            if value is not None
        ]
        writes = [write.to_json() for write in sandboxes.world.writes.entries()]
        return build_report(self.scenario.name, goals, signals, writes, receivers.notifications())


@dataclass
class Pipeline:
    """The running pipeline as the replayer drives it."""

    settings: Settings
    sandboxes: RunningSandboxes
    writer: RecordWriter
    watch: PipelineWatch
    hubspot: Any
    jira: Any
    quiet_within: float = 120.0
    polling: float = 0.0
    """Seconds spent in the sources' syncs and reconciles."""
    waiting: float = 0.0
    """Seconds spent waiting for the pipeline to be quiet, over `waits` waits."""
    waits: int = 0

    def spent(self) -> str:
        """Where the driving time went, for the closing line."""
        waiting = f"waiting for the pipeline {self.waiting:.1f}s ({self.waits} waits)"
        return f"polling the sandboxes {self.polling:.1f}s, {waiting}"

    async def poll(self, source: Any, *, reconcile: bool = True) -> None:
        began = time.monotonic()
        await source.sync()
        if reconcile:
            await source.reconcile()
        self.polling += time.monotonic() - began

    async def wait_quiet(self) -> None:
        began = time.monotonic()
        await self.watch.wait_quiet(self.quiet_within)
        self.waiting += time.monotonic() - began
        self.waits += 1

    async def drive(self, scenario: Scenario, say: Callable[[str], None]) -> None:
        clock = self.sandboxes.world.clock
        every = timedelta(seconds=self.settings.tick_seconds)
        clock.set(scenario.start)
        await self.poll(self.hubspot, reconcile=False)  # campaigns first: work items are matched against their names
        await self.wait_quiet()
        await self.settle()
        await self.tick([scenario.start])
        now = scenario.start
        for at, steps in step_groups(scenario.timeline):
            await self.tick(tick_times(now, at, every, scenario.start))
            clock.set(at)
            for step in steps:
                await self.apply(step)
            await self.settle()
            await self.tick([at])
            say(f"  {at.isoformat()} {', '.join(describe(step) for step in steps)}")
            now = at
        await self.tick(
            [*tick_times(now, scenario.end, every, scenario.start), scenario.end] if scenario.end > now else []
        )

    async def apply(self, step: Step) -> None:
        if step.system != "tandem":
            self.sandboxes.world.apply_step(step)
            return
        answer = step.op[step.action]
        assert step.at is not None
        message = GoalMessage(
            kind=step.action,
            campaign=str(answer["campaign"]),
            work_item=str(answer["work_item"]),
            seen_at=step.at,
            requested_by="replay",
        )
        await self.writer.send(self.settings.topic("goal-events"), message.campaign, message)

    async def settle(self) -> None:
        """Let the sources see the step, and any write-back the pipeline made in reaction, until the
        pipeline has processed a round of polls without writing to the sandboxes: then they are as the
        sources last read them (each sync reads every page), and another round would bring nothing new."""
        writes = self.sandboxes.world.writes
        for _ in range(SETTLE_ROUNDS):
            written = len(writes.entries())
            for source in (self.hubspot, self.jira):
                await self.poll(source)
            await self.wait_quiet()
            if len(writes.entries()) == written:
                return

    async def tick(self, times: list[datetime]) -> None:
        """Ticks at each instant, to every partition, a scenario day at a time: the sandbox clock moves to the
        day's last tick and the pipeline settles before the next day's ticks go out."""
        clock = self.sandboxes.world.clock
        for day in tick_batches(times, TICK_BATCH):
            items = []
            for at in day:
                for partition in range(self.settings.partitions):
                    tick = Tick(
                        now=at, partition=partition, hubspot_synced=self.hubspot.synced, jira_synced=self.jira.synced
                    )
                    for name in TICK_TOPICS:
                        items.append((self.settings.topic(name), str(partition), tick, partition))
            if day[-1] > clock.now():
                clock.set(day[-1])
            await self.writer.send_all(items)
            await self.wait_quiet()


async def replay(scenario: Scenario, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Replay a scenario; its report."""
    return await Replay(scenario, say=say).run()


def write_report(report: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(report, indent=2) + "\n")
