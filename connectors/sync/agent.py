"""The write-back agent: consumes `sync` (SyncCommand, key: target object) and carries each command out
through the sinks, once per idempotency key.

Done keys are kept in the table `sync-done` (changelogged, so they survive restarts and rebalances; the
key is the idempotency key, and commands with one key share a target and so a partition). A command whose
key is done is skipped. Transient failures are retried with backoff (`streams.deadletter.process`);
anything that fails for good goes to the dead-letter topic with its error, and the offset moves on.
After a remote-link write the issue is re-read (Jira may not move `updated` for it).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from connectors.polling import runtime
from connectors.sync.actions import execute
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


async def handle(event: Any) -> None:
    command = decode(SyncCommand, event.value)
    if done_keys.get(command.idempotency_key):
        log.info("sync %s already done; skipped", command.idempotency_key)
        return
    outcome = await execute(command, settings, runtime.jira_sink, runtime.hubspot_sink)
    done_keys[command.idempotency_key] = datetime.now(UTC).isoformat()
    log.info("sync %s %s on %s done %s", command.system, command.action, command.target, outcome or "")
    if command.system == "jira" and command.action == "remote_link":
        refresh = JiraIssueEvent(kind="refresh", key=command.target, at=command.at, identifier=command.idempotency_key)
        await runtime.sink.send(JIRA_TOPIC, command.target, refresh)


@app.agent(sync_in)
async def write_back(stream: Any) -> None:
    async for event in stream.events():
        await deadletter.process(event, "connectors.write_back", handle)


__all__ = ["done_keys", "handle", "sync_in", "write_back"]
