"""Acts on Jira issue events (`<prefix>jira-events`, key: issue key): a deletion becomes a tombstone on
`workitems`; anything else makes the Jira source re-read the issue in full (fields, status-change time,
remote links) and produce it. A webhook's own issue JSON is never produced: it lacks remote links and the
changelog-derived times, and must not overwrite a complete snapshot with a poorer one."""

from __future__ import annotations

import logging
from typing import Any

from connectors.jira.normalise import work_item_tombstone
from connectors.polling import runtime
from connectors.webhooks.intake import JIRA_TOPIC
from connectors.webhooks.records import JiraIssueEvent
from streams import deadletter
from streams.app import app, settings
from streams.records import decode

log = logging.getLogger(__name__)

jira_events = app.topic(
    settings.topic(JIRA_TOPIC), key_type=str, value_serializer="raw", partitions=settings.partitions, internal=True
)


async def handle(event: Any) -> None:
    issue = decode(JiraIssueEvent, event.value)
    if issue.kind == "deleted":
        await runtime.sink.send("workitems", issue.key, work_item_tombstone(issue.key, issue.at, issue.project))
        return
    source = runtime.jira
    if source is None:
        log.info("jira event for %s ignored: the Jira connector is off", issue.key)
        return
    await source.refresh([issue.key], {issue.key: issue.issue_id} if issue.issue_id else None)


@app.agent(jira_events)
async def follow_jira_events(stream: Any) -> None:
    async for event in stream.events():
        await deadletter.process(event, "connectors.follow_jira_events", handle)


__all__ = ["follow_jira_events", "handle", "jira_events"]
