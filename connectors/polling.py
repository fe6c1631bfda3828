"""The connectors inside `tandem worker`: started with the worker, stopped on shutdown, and polled by
leader-only timers (one worker of the group polls). In replay mode (`TANDEM_MODE=replay`) no timer is
registered: the replayer drives the sources on the scenario clock itself.

- `poll_hubspot`, as soon as the worker leads and then every `TANDEM_HUBSPOT_POLL_SECONDS`:
  `HubSpotSource.sync()`, then `reconcile()` when `TANDEM_RECONCILE_SECONDS` have passed since the last full
  listing (on the source's clock); a poll that meets a hold of the API's budget (`ApiPaused`: HubSpot's daily
  limit down to its reserve) is no error: it reports the hold (health: held until when, and why; logged once
  per reason) and the next poll tries again;
- `poll_jira`, the same for `JiraSource` every `TANDEM_JIRA_POLL_SECONDS`.
"""

from __future__ import annotations

import logging
import socket
import time
from datetime import UTC, datetime, timedelta

import mode

from connectors.http.errors import ApiPaused, CredentialsRejected
from connectors.http.redact import redact
from connectors.runtime import ConnectorRuntime
from connectors.status import status
from streams import topics
from streams.app import app, settings
from streams.records import SourceHealth, SyncHealth, WebhookHealth

log = logging.getLogger(__name__)

runtime = ConnectorRuntime(settings, status)
"""This worker's connectors (also used by the webhook views and the agents)."""


@app.service
class ConnectorService(mode.Service):
    """Starts the connectors with the worker and stops them on shutdown."""

    async def on_start(self) -> None:
        await runtime.start()

    async def on_stop(self) -> None:
        await runtime.stop()


def reconcile_due(reconciled_at: datetime | None, now: datetime) -> bool:
    return reconciled_at is None or now - reconciled_at >= timedelta(seconds=settings.reconcile_seconds)


async def poll(system: str) -> None:
    """One poll of a source: sync, reconcile when due; a credentials problem stops that connector."""
    source = runtime.hubspot if system == "hubspot" else runtime.jira
    if source is None:
        return
    tally = status.polls[system]
    try:
        await source.sync()
        watermark = source.book.watermark
        if watermark is not None and reconcile_due(watermark.reconciled_at, source.clock()):
            await source.reconcile()
        tally.succeeded()
    except CredentialsRejected as exc:
        tally.failed(redact(str(exc)))
        runtime.stop_connector(system, exc)
    except ApiPaused as exc:  # the app's budget is on hold (a daily limit): not an error, the next poll tries
        if tally.paused(redact(str(exc))):
            log.warning("%s poll waits: %s", system, redact(str(exc)))
    except Exception as exc:  # noqa: BLE001 - a failed poll is retried at the next one; the cursor did not move
        tally.failed(f"{type(exc).__name__}: {redact(str(exc))}")
        log.warning("%s poll failed (next poll tries again): %s: %s", system, type(exc).__name__, redact(str(exc)))
    if system == "hubspot":
        status.hubspot_synced = source.synced
    else:
        status.jira_synced = source.synced


WORKER = f"{socket.gethostname()}:{settings.web_port}"
HEALTH_SECONDS = 10.0


def source_health(system: str, now: datetime) -> SourceHealth:
    """What this worker knows of one source, for the `health` topic."""
    source = runtime.hubspot if system == "hubspot" else runtime.jira
    tally = status.polls[system]
    caller = source.api.caller if source is not None else None
    hold = caller.budget.held(priority=False) if caller is not None else None
    limits = getattr(source.api, "limits", None) if source is not None else None
    daily = limits.view() if limits is not None else None
    held_until = None
    if hold is not None:
        held_until = daily.held_until if daily is not None and daily.held_until else None
        held_until = held_until or now + timedelta(seconds=max(0.0, hold.until - time.monotonic()))
    return SourceHealth(
        system=system,
        worker=WORKER,
        reported_at=now,
        enabled=source is not None,
        synced=status.hubspot_synced if system == "hubspot" else status.jira_synced,
        stopped=status.hubspot_error if system == "hubspot" else status.jira_error,
        last_poll_at=tally.last_poll_at,
        last_success_at=tally.last_success_at,
        polls=tally.polls,
        errors=tally.errors,
        last_error=tally.last_error,
        last_error_at=tally.last_error_at,
        requests=caller.requests if caller else 0,
        retries=caller.retries if caller else 0,
        throttled=caller.throttled if caller else 0,
        headroom=caller.headroom() if caller else None,
        held_until=held_until,
        held_reason=hold.reason if hold is not None else None,
        daily_limit=daily.limit if daily is not None else None,
        daily_remaining=daily.remaining if daily is not None else None,
        daily_reserve=daily.reserve if daily is not None else None,
    )


def webhook_health(now: datetime) -> WebhookHealth:
    hooks = status.webhooks
    return WebhookHealth(
        worker=WORKER,
        reported_at=now,
        accepted=dict(hooks.accepted),
        duplicates=dict(hooks.duplicates),
        refused=dict(hooks.refused),
    )


def sync_health(now: datetime) -> SyncHealth:
    tally = status.sync
    return SyncHealth(
        worker=WORKER,
        reported_at=now,
        dry_run=settings.sync_dry_run,
        written=dict(tally.written),
        logged=dict(tally.dry_run),
        conflicts=dict(tally.conflicts),
        refusals=dict(tally.refusals),
        counts=dict(tally.counts),
    )


@app.timer(interval=HEALTH_SECONDS)
async def report_webhooks_and_sync() -> None:
    """Every worker takes webhooks and carries out write-backs: each reports its own tallies."""
    now = datetime.now(UTC)
    await topics.health.send(key=f"webhooks:{WORKER}", value=webhook_health(now).dumps())
    await topics.health.send(key=f"sync:{WORKER}", value=sync_health(now).dumps())


@app.timer(interval=HEALTH_SECONDS, on_leader=True)
async def report_sources() -> None:
    """The leader polls: it reports the sources."""
    now = datetime.now(UTC)
    for system in ("hubspot", "jira"):
        await topics.health.send(key=f"source:{system}", value=source_health(system, now).dumps())


POLL_CHECK_SECONDS = 0.25
"""How often the leader looks whether a poll is due: a Faust timer first fires one interval after start,
so polling on the poll interval's own timer would leave a fresh worker idle for a whole minute."""


class PollClock:
    """When each source was last polled (monotonic seconds): a poll is due at once, then every interval."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}

    def due(self, system: str, interval: float, now: float) -> bool:
        last = self.started.get(system)
        if last is not None and now - last < interval:
            return False
        self.started[system] = now
        return True


poll_clock = PollClock()


async def poll_when_due(system: str, interval: float) -> None:
    """Poll `system` if its interval has passed. The timers start before the connectors do (Faust starts
    timers, then the web server, then services): a poll counts as due only once the worker has started, or a
    look before that would use up the first one."""
    if app.startup_finished and poll_clock.due(system, interval, time.monotonic()):
        await poll(system)


if settings.mode == "live":

    @app.timer(interval=POLL_CHECK_SECONDS, on_leader=True)
    async def poll_hubspot() -> None:
        await poll_when_due("hubspot", settings.hubspot_poll_seconds)

    @app.timer(interval=POLL_CHECK_SECONDS, on_leader=True)
    async def poll_jira() -> None:
        await poll_when_due("jira", settings.jira_poll_seconds)


__all__ = ["ConnectorService", "PollClock", "poll", "report_sources", "report_webhooks_and_sync", "runtime"]
