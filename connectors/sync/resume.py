"""After an interrupted write-back: is the command's effect already at the vendor?

The write-back agent records a command `started` (and flushes that to Kafka) before it calls the vendor,
and `done` after. A command found `started` — the worker died, or the call failed ambiguously, after the
request may have gone out — is looked up at the far end before it is written again, so a restart does not
repeat a write that had landed: labels, remote links, fields and campaign properties are read back and
compared. A comment or a task is simply sent again: the sinks look for its marker first (Tandem's comments on
the issue; HubSpot's search of the owner's tasks). Notes carry nothing to find them by: `None` (cannot tell),
and the agent does not repeat them (at most once, counted as `unknown`, like an interrupted Slack post).
"""

from __future__ import annotations

from typing import Any

from connectors.hubspot.sink import HubSpotSink
from connectors.hubspot.status_block import status_line, with_block
from connectors.jira.sink import JiraSink
from connectors.sync.actions import _labels
from streams.records import SyncCommand
from tandem.settings import Settings

RESENT = frozenset({"comment", "create_task"})
"""Actions sent again as they are: the sink itself finds a copy that landed (a comment's or a task's marker)."""
CANNOT_TELL = frozenset({"create_note"})


async def already_applied(
    command: SyncCommand, settings: Settings, jira: JiraSink | None, hubspot: HubSpotSink | None
) -> bool | None:
    """True when the vendor already shows the command's effect, False when not (write it), None when it
    cannot be told."""
    payload = command.payload
    if command.action in RESENT:
        return False
    if command.action in CANNOT_TELL:
        return None
    if command.system == "jira" and jira is not None:
        key = command.target
        if command.action in ("add_label", "remove_label"):
            labels = set(await _issue_field(jira, key, "labels") or [])
            wanted = set(_labels(command, settings))
            return wanted <= labels if command.action == "add_label" else not wanted & labels
        if command.action in ("remote_link", "remove_remote_link"):
            global_id = str(payload.get("global_id") or payload.get("url"))
            links = [link for link in await jira.api.remote_links(key) if link.get("globalId") == global_id]
            if command.action == "remove_remote_link":
                return not links
            title = str(payload.get("title") or payload.get("url"))
            return any(
                (link.get("object") or {}).get("url") == payload.get("url")
                and (link.get("object") or {}).get("title") == title
                for link in links
            )
        if command.action == "set_launch_field":
            return bool(await _issue_field(jira, key, str(payload.get("field"))) == payload.get("value"))
        if command.action == "update_fields":
            fields = dict(payload.get("fields") or {})
            issue = (await jira.api.issue(key, list(fields))).get("fields") or {}
            return all(issue.get(name) == value for name, value in fields.items())
        return False
    if command.system == "hubspot" and hubspot is not None:
        if command.action == "campaign_status":
            values = {str(k): str(v) for k, v in dict(payload.get("values") or {}).items()}
            prop = settings.hubspot_status_property
            current = await _campaign_property(hubspot, command.target, prop or "hs_notes")
            return current == status_line(values) if prop else current == with_block(current, values)
        if command.action == "update_campaign":
            properties = {str(k): str(v) for k, v in dict(payload.get("properties") or {}).items()}
            for name, value in properties.items():
                if await _campaign_property(hubspot, command.target, name) != value:
                    return False
            return True
    return False


async def _issue_field(jira: JiraSink, key: str, field: str) -> Any:
    return ((await jira.api.issue(key, [field])).get("fields") or {}).get(field)


async def _campaign_property(hubspot: HubSpotSink, campaign: str, name: str) -> Any:
    results = (await hubspot.api.read_campaigns([campaign], [name])).get("results") or []
    return (results[0].get("properties") or {}).get(name) if results else None
