"""The write-back agent: consumes `sync` (SyncCommand, key: target object) and carries each command out
through the sinks, once per idempotency key.

Done keys are kept in the table `sync-done` (changelogged, so they survive restarts and rebalances; the
key is the idempotency key, and commands with one key share a target and so a partition). A command whose
key is done is skipped. Before the write the key is marked `started` and the mark flushed to Kafka; a
command found `started` (the worker was killed between the write and its record) is looked up at the
vendor first (`connectors.sync.resume`): written again only when its effect is not there, so a restart
repeats no write that landed; a comment or task is sent again and found by its marker; a note, which cannot
be looked up, is not repeated (at most once, counted `unknown` on the health page).

A write the vendor refuses — a missing permission or scope (403), a target gone (404), a field Jira will
not set (400) — is not retried: it is reported once per cause with what to configure, in the log and on
the health page, and recorded done. `TANDEM_SYNC_DRY_RUN` logs each write instead of making it. Transient
failures are retried with backoff (`streams.deadletter.process`); anything else that fails for good goes
to the dead-letter topic with its error, and the offset moves on. After a write to an issue the issue is
re-read (Jira may not move `updated` for a remote link).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

from connectors.http.errors import CredentialsRejected, RequestRejected
from connectors.polling import runtime
from connectors.status import status
from connectors.sync.actions import execute
from connectors.sync.refusals import explain
from connectors.sync.resume import already_applied
from connectors.webhooks.intake import JIRA_TOPIC
from connectors.webhooks.records import JiraIssueEvent
from streams import deadletter
from streams.app import app, settings
from streams.records import SyncCommand, decode

log = logging.getLogger(__name__)

sync_in = app.topic(settings.topic("sync"), key_type=str, value_serializer="raw", partitions=settings.partitions)

done_keys = app.Table(
    "sync-done",
    key_type=str,
    value_type=str,
    partitions=settings.partitions,
    help="Idempotency keys of write-back commands already carried out, with when.",
)

REREAD = {"remote_link", "remove_remote_link", "set_launch_field"}
"""Jira writes after which the issue is read again (Jira may not move `updated` for them)."""


STARTED = "started "
"""The mark a command has in `sync-done` while its write is under way."""


async def handle(event: Any) -> None:
    command = decode(SyncCommand, event.value)
    known = done_keys.get(command.idempotency_key)
    if known and not known.startswith(STARTED):
        log.info("sync %s already done; skipped", command.idempotency_key)
        return
    what = f"{command.system} {command.action} on {command.target}"
    if settings.sync_dry_run:
        status.sync.dry_run[f"{command.system}:{command.action}"] += 1
        log.info("sync (dry run) would write %s: %s", what, command.payload)
        return
    await connector_started(command.system)
    if known and await resumed(command, what):
        return
    # The intent is in Kafka before the write leaves: after a crash the command is looked up, not repeated.
    done_keys[command.idempotency_key] = f"{STARTED}{datetime.now(UTC).isoformat()}"
    await app.producer.flush()
    try:
        outcome = await execute(command, settings, runtime.jira_sink, runtime.hubspot_sink)
    except (RequestRejected, CredentialsRejected) as exc:
        if isinstance(exc, CredentialsRejected) and exc.status != 403:
            raise  # the credentials themselves: the pollers stop the connector and say what to fix
        cause, message = explain(command, exc.status, str(exc))
        if exc.status == 404:
            log.info("sync %s: the target is gone; nothing to write", what)
        else:
            status.sync.refusal(cause, message)
        done_keys[command.idempotency_key] = f"refused {exc.status} {datetime.now(UTC).isoformat()}"
        return
    done_keys[command.idempotency_key] = datetime.now(UTC).isoformat()
    status.sync.written[f"{command.system}:{command.action}"] += 1
    if outcome.get("conflict"):
        status.sync.conflict(f"{command.system}:{command.target}:{command.action}", f"{what}: {outcome['conflict']}")
    log.info("sync %s done %s", what, outcome or "")
    if command.system == "jira" and command.action in REREAD:
        refresh = JiraIssueEvent(kind="refresh", key=command.target, at=command.at, identifier=command.idempotency_key)
        await runtime.sink.send(JIRA_TOPIC, command.target, refresh)


CONNECTOR_START_SECONDS = 120.0


def _configured(system: str) -> bool:
    if system == "hubspot":
        return settings.hubspot_token is not None
    return bool(settings.jira_url and settings.jira_email and settings.jira_api_token)


async def connector_started(system: str) -> None:
    """Wait (bounded) until the command's connector is up when it is configured: a restarted worker's agents
    get records before the connectors have started, and a command taken then was dead-lettered as
    `ConnectorOff` (the kill test found it: lost remote links and status writes)."""
    if system not in ("hubspot", "jira") or not _configured(system):
        return
    deadline = time.monotonic() + CONNECTOR_START_SECONDS
    while time.monotonic() < deadline:
        sink = runtime.hubspot_sink if system == "hubspot" else runtime.jira_sink
        stopped = status.hubspot_error if system == "hubspot" else status.jira_error
        if sink is not None or stopped:
            return
        await asyncio.sleep(0.2)


async def resumed(command: SyncCommand, what: str) -> bool:
    """A command found `started` (interrupted after its write may have gone out): True when it is settled
    without writing — the vendor already shows it, or cannot tell and the write is not repeated."""
    applied = await already_applied(command, settings, runtime.jira_sink, runtime.hubspot_sink)
    if applied is False:
        log.info("sync %s was interrupted before it landed; writing it again", what)
        return False
    if applied:
        log.info("sync %s was interrupted after it landed; not written again", what)
        done_keys[command.idempotency_key] = f"resumed {datetime.now(UTC).isoformat()}"
    else:
        status.sync.written[f"{command.system}:{command.action}:unknown"] += 1
        log.warning("sync %s was interrupted and may have gone out; not written again", what)
        done_keys[command.idempotency_key] = f"unknown {datetime.now(UTC).isoformat()}"
    return True


@app.agent(sync_in)
async def write_back(stream: Any) -> None:
    async for event in stream.events():
        await deadletter.process(event, "connectors.write_back", handle)


__all__ = ["done_keys", "handle", "sync_in", "write_back"]
