"""The connectors inside `tandem worker`: started with the worker, stopped on shutdown, and polled by
leader-only timers (one worker of the group polls). In replay mode (`TANDEM_MODE=replay`) no timer is
registered: the replayer drives the sources on the scenario clock itself.

- `poll_hubspot`, every `TANDEM_HUBSPOT_POLL_SECONDS`: `HubSpotSource.sync()`, then `reconcile()` when
  `TANDEM_RECONCILE_SECONDS` have passed since the last full listing (on the source's clock);
- `poll_jira`, every `TANDEM_JIRA_POLL_SECONDS`: the same for `JiraSource`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import mode

from connectors.http.errors import CredentialsRejected
from connectors.http.redact import redact
from connectors.runtime import ConnectorRuntime
from connectors.status import status
from streams.app import app, settings

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
    try:
        await source.sync()
        watermark = source.book.watermark
        if watermark is not None and reconcile_due(watermark.reconciled_at, source.clock()):
            await source.reconcile()
    except CredentialsRejected as exc:
        runtime.stop_connector(system, exc)
    except Exception as exc:  # noqa: BLE001 - a failed poll is retried at the next one; the cursor did not move
        log.warning("%s poll failed (next poll tries again): %s: %s", system, type(exc).__name__, redact(str(exc)))
    if system == "hubspot":
        status.hubspot_synced = source.synced
    else:
        status.jira_synced = source.synced


if settings.mode == "live":

    @app.timer(interval=settings.hubspot_poll_seconds, on_leader=True)
    async def poll_hubspot() -> None:
        await poll("hubspot")

    @app.timer(interval=settings.jira_poll_seconds, on_leader=True)
    async def poll_jira() -> None:
        await poll("jira")


__all__ = ["ConnectorService", "poll", "runtime"]
