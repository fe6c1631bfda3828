"""`tandem demo`: Tandem at work on an example company, with nothing to set up.

It starts what is missing — a Kafka broker (unless `KAFKA_BOOTSTRAP_SERVERS` names one), both vendor
sandboxes seeded with the built-in example workspace (or `--scenario FILE`), a local mail server and
Slack receiver — and a worker in live mode wired to them, polling the sandboxes and taking their signed
webhooks like a real deployment. A scenario clock (one scenario day every ~20 s by default, `--speed`)
drives the sandboxes and the worker alike, and the demo plays the scenario's timeline on it: people moving
dates, finishing work, canceling campaigns. The dashboard shows the goals moving; its Outbox page shows
every email and Slack post Tandem sent.

Ctrl-C (or SIGTERM) stops everything it started. Each run starts afresh: topics and tables of earlier
demos are deleted first. Only one demo runs at a time (a lock in the demo's data directory).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import secrets
import shutil
import socket
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import IO, Any

import click
from aiokafka.admin import AIOKafkaAdminClient

from sandbox.runner import start_sandboxes
from sandbox.scenario import Scenario, ScenarioError, Step, load_scenario, parse_scenario, step_groups
from streams.records import GoalMessage
from tandem.clock import scenario_now, wall_at
from tandem.kafka.launcher import KafkaLauncherError
from tandem.kafka_io import RecordWriter
from tandem.local import broker_for_run
from tandem.receivers import Receivers
from tandem.settings import ClockSpec, Settings, SettingsError, get_settings, load_settings, split_token
from tandem.stopping import until_stopped
from tandem.worker_process import WorkerProcess, worker_environment

DAY_SECONDS = 20.0
"""Wall seconds a scenario day takes at the default speed."""
DEFAULT_SPEED = 86400 / DAY_SECONDS
START_LEAD = 20.0
"""Wall seconds before the scenario clock starts moving: the worker's start-up (the clock waits at the start)."""
PREFIX = "tandem-demo-"


class DemoError(click.ClickException):
    """The demo cannot start; the message says why and what to do."""


def example_workspace() -> Scenario:
    """The built-in example: Northwind Outfitters' spring campaigns and the Jira work behind them."""
    text = resources.files("sandbox.workspaces").joinpath("example.yaml").read_text()
    return parse_scenario(text, "example workspace")


@dataclass
class Lock:
    """One demo at a time: an exclusive lock on `<data dir>/demo/demo.lock`, which says who holds it."""

    path: Path
    handle: IO[str] | None = None

    def take(self, url: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise DemoError(f"a demo already runs ({holder}); stop it with Ctrl-C where it runs") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, dashboard {url}")
        handle.flush()
        self.handle = handle

    def release(self) -> None:
        if self.handle is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            self.handle.close()
            self.handle = None


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def forget_earlier_demos(bootstrap: str) -> list[str]:
    """Delete the topics (and table changelogs) of earlier demo runs: each demo tells its story afresh."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
    await admin.start()
    try:
        old = sorted(topic for topic in await admin.list_topics() if topic.startswith(PREFIX))
        if old:
            await admin.delete_topics(old)
        return old
    finally:
        await admin.close()


@dataclass
class Demo:
    scenario: Scenario
    speed: float
    base: Settings
    say: Callable[[str], None] = click.echo

    @property
    def home(self) -> Path:
        return self.base.data_dir / "demo"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.base.web_port}/"

    async def run(self) -> None:
        lock = Lock(self.home / "demo.lock")
        lock.take(self.url)
        try:
            if not port_free(self.base.web_port):
                raise DemoError(
                    f"port {self.base.web_port} is busy (another Tandem worker?): stop it, or set TANDEM_WEB_PORT"
                )
            async with AsyncExitStack() as stack:
                await self._start(stack)
                self.say("Ctrl-C stops the demo and everything it started.")
                await self._play(stack)
                self.say("stopping…")
        finally:
            lock.release()

    async def _start(self, stack: AsyncExitStack) -> None:
        days = (self.scenario.end - self.scenario.start).days
        self.say(f"Starting the demo: {self.scenario.name}, {len(self.scenario.timeline)} changes over {days} days…")
        bootstrap = await broker_for_run(self.base, stack, self.home / "kafka", self.say)
        forgotten = await forget_earlier_demos(bootstrap)
        if forgotten:
            self.say(f"  forgot an earlier demo ({len(forgotten)} topics)")
        shutil.rmtree(self.home / "worker", ignore_errors=True)
        self.sandboxes = await start_sandboxes(self.scenario)
        stack.push_async_callback(self.sandboxes.stop)
        self.receivers = Receivers()
        await self.receivers.start()
        stack.push_async_callback(self.receivers.stop)
        self.clock = ClockSpec(
            start=self.scenario.start, origin=time.time() + START_LEAD, speed=self.speed, end=self.scenario.end
        )
        spec = self.clock
        self.sandboxes.world.clock.follow(lambda: scenario_now(spec))
        self.settings, env, tokens = self._worker_settings(bootstrap)
        self.writer = RecordWriter(bootstrap)
        await self.writer.start()
        stack.push_async_callback(self.writer.stop)
        await self._register_webhook()
        self.worker = WorkerProcess(
            env, web_port=self.settings.web_port, api_token=tokens[0], log_dir=self.home / "logs"
        )
        stack.callback(self.worker.stop)
        self.say("  starting the worker…")
        await asyncio.to_thread(self.worker.start, 180.0)
        self._banner(bootstrap, tokens)

    def _worker_settings(self, bootstrap: str) -> tuple[Settings, dict[str, str], list[str]]:
        run = f"{PREFIX}{secrets.token_hex(3)}"
        credentials = self.sandboxes.credentials
        given = [entry.get_secret_value() for entry in self.base.api_tokens]
        tokens = given or [f"{secrets.token_urlsafe(18)}:admin", f"{secrets.token_urlsafe(18)}:read"]
        jira = self.scenario.section("jira")
        hubspot = self.scenario.section("hubspot")
        teams = ["marketing", *(project["key"] for project in jira.get("projects", []))]
        overrides: dict[str, Any] = {
            "kafka_bootstrap_servers": bootstrap,
            "app_id": run,
            "topic_prefix": f"{run}.",
            "partitions": 4,
            "mode": "live",
            "clock": self.clock,
            "table_store": "memory",
            "data_dir": self.home / "worker",
            "web_port": self.base.web_port,
            "web_bind": "127.0.0.1",
            "api_tokens": tokens,
            "dashboard_url": self.url.rstrip("/"),
            "outbox_url": self.receivers.outbox_url,
            "hubspot_base_url": self.sandboxes.hubspot_url,
            "hubspot_token": credentials.hubspot_token,
            "hubspot_portal_id": hubspot.get("portal_id"),
            "jira_url": self.sandboxes.jira_url,
            "jira_email": credentials.jira_email,
            "jira_api_token": credentials.jira_token,
            "jira_projects": [project["key"] for project in jira.get("projects", [])],
            "jira_webhook_secret": secrets.token_urlsafe(24),
            # The clock runs a scenario day every ~20 s: poll every couple of seconds (a few scenario hours),
            # reconcile once a scenario day, tick every scenario hour.
            "hubspot_poll_seconds": 2.0,
            "jira_poll_seconds": 2.0,
            "reconcile_seconds": 86400.0,
            "tick_seconds": 3600.0,
            "notify_jira_comments": True,
            "notify_hubspot_tasks": True,
        }
        overrides.update(self.scenario.settings)
        overrides.update(
            {
                "allow_insecure_urls": True,  # the sandboxes and the local Slack receiver speak http on loopback
                "smtp_host": "127.0.0.1",
                "smtp_port": self.receivers.smtp_port,
                "smtp_security": "none",
                "smtp_username": None,
                "smtp_password": None,
                "slack_webhooks": {team: self.receivers.slack_url(team) for team in teams},
            }
        )
        return load_settings(**overrides), worker_environment(overrides), [split_token(t)[0] for t in tokens]

    async def _register_webhook(self) -> None:
        from connectors.jira.webhook_registration import register_webhook

        await register_webhook(self.settings, f"http://127.0.0.1:{self.settings.web_port}/webhooks/jira")

    def _banner(self, bootstrap: str, tokens: list[str]) -> None:
        start = self.scenario.start.strftime("%-d %b %Y")
        lines = [
            "",
            "┌─ Tandem demo ─────────────────────────────────────────────────────────────",
            f"│ Dashboard   {self.url}",
            f"│ Log in with {tokens[0]}" + ("   (admin: may confirm suggestions)" if len(tokens) > 1 else ""),
        ]
        if len(tokens) > 1 and not self.base.api_tokens:
            lines.append(f"│ or read-only {tokens[1]}")
        lines += [
            f"│ Story       {self.scenario.name}: from {start}, a scenario day every {86400 / self.speed:.0f} s",
            f"│ Sandboxes   HubSpot {self.sandboxes.hubspot_url} · Jira {self.sandboxes.jira_url}",
            f"│ Kafka       {bootstrap} (topics {self.settings.topic_prefix}*)",
            f"│ Data        {self.home} (worker log: {self.worker.log_path})",
            "└───────────────────────────────────────────────────────────────────────────",
        ]
        for line in lines:
            self.say(line)

    async def _play(self, stack: AsyncExitStack) -> None:
        """Apply the timeline on the scenario clock until it ends, then wait for Ctrl-C."""
        stopped = asyncio.ensure_future(until_stopped())
        worker_died = asyncio.ensure_future(self._watch_worker())
        try:
            for at, steps in step_groups(self.scenario.timeline):
                delay = wall_at(self.clock, at) - time.time()
                done, _ = await asyncio.wait({stopped, worker_died}, timeout=max(0.0, delay))
                if done:
                    return
                for step in steps:
                    try:
                        await self._apply(step)
                    except ValueError as exc:  # a step the sandboxes refuse: say so, and play on
                        self.say(f"  could not apply {step.system} {step.action} {step.target or ''}: {exc}")
            self.say(f"The story is told (scenario time {self.scenario.end:%-d %b %Y}); the dashboard stays up.")
            await asyncio.wait({stopped, worker_died}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for future in (stopped, worker_died):
                future.cancel()

    async def _watch_worker(self) -> None:
        if self.worker.process is not None:
            await asyncio.to_thread(self.worker.process.wait)
        self.say(f"the worker stopped unexpectedly; its log: {self.worker.log_path}\n{self.worker.log_tail(15)}")

    async def _apply(self, step: Step) -> None:
        if step.system != "tandem":
            self.sandboxes.world.apply_step(replace(step, at=None))  # at the clock's now: it keeps moving
            return
        answer = step.op[step.action]
        message = GoalMessage(
            kind=step.action,
            campaign=str(answer["campaign"]),
            work_item=str(answer["work_item"]),
            seen_at=scenario_now(self.clock),
            requested_by="demo",
        )
        await self.writer.send(self.settings.topic("goal-events"), message.campaign, message)


@click.command()
@click.option(
    "--scenario",
    "scenario_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Play this scenario instead of the built-in example workspace.",
)
@click.option(
    "--speed",
    type=click.FloatRange(min=1.0, max=1_000_000.0),
    default=DEFAULT_SPEED,
    show_default="a scenario day every 20 s",
    help="Scenario seconds per wall second.",
)
def demo(scenario_file: Path | None, speed: float) -> None:
    """Run Tandem on an example company: broker, sandboxes, worker and dashboard, until Ctrl-C."""
    try:
        scenario = load_scenario(scenario_file) if scenario_file else example_workspace()
    except ScenarioError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(2) from None
    try:
        base = get_settings()
        asyncio.run(Demo(scenario, speed, base).run())
    except (KafkaLauncherError, SettingsError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("Demo stopped.")


__all__ = ["Demo", "demo", "example_workspace"]
