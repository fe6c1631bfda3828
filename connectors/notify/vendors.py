"""Notifications inside the tools people already use: a comment on a top-level Jira item, and a task for
the campaign owner in HubSpot. Both go through the connectors' sinks (retries, rate limits, redaction);
both carry their idempotency key, so a retried delivery does not post twice."""

from __future__ import annotations

from datetime import timedelta

from connectors.hubspot.api import HubSpotApi
from connectors.hubspot.sink import HubSpotSink
from connectors.jira.api import JiraApi
from connectors.jira.sink import JiraSink
from connectors.notify.email import ChannelError
from connectors.notify.render import Rendered
from streams.records import Notification
from tandem.settings import Settings


class _Sinks:
    """One Jira and one HubSpot sink per process, made on first use."""

    jira: JiraSink | None = None
    hubspot: HubSpotSink | None = None


def _jira(settings: Settings) -> JiraSink:
    if _Sinks.jira is None:
        _Sinks.jira = JiraSink(JiraApi(settings))
    return _Sinks.jira


def _hubspot(settings: Settings) -> HubSpotSink:
    if _Sinks.hubspot is None:
        _Sinks.hubspot = HubSpotSink(HubSpotApi(settings))
    return _Sinks.hubspot


async def comment_on_jira(settings: Settings, issue: str, n: Notification, rendered: Rendered) -> None:
    try:
        await _jira(settings).comment(issue, f"{rendered.subject}\n\n{rendered.text}", n.key)
    except Exception as exc:  # the sink's own errors, after its retries: the delivery retries (the cause kept)
        raise ChannelError(f"Jira comment on {issue}: {type(exc).__name__}: {exc}") from exc


async def task_in_hubspot(settings: Settings, n: Notification, rendered: Rendered) -> None:
    owner = n.goal.owner if n.goal else None
    if owner is None:
        raise ChannelError(f"no HubSpot owner to give a task for {n.key}")
    try:
        await _hubspot(settings).create_task(
            owner.id, rendered.subject, rendered.text, n.at + timedelta(days=1), idempotency_key=n.key
        )
    except Exception as exc:  # as above; an unanswered create is looked for by its marker, never unsure
        raise ChannelError(f"HubSpot task for {n.campaign}: {type(exc).__name__}: {exc}") from exc
