"""What each write-back command does, through the sinks (one function per action).

| system | action | payload |
| --- | --- | --- |
| jira | `add_label` | `{"campaign": id}` → label `<TANDEM_JIRA_CAMPAIGN_LABEL_PREFIX><id>`, or `{"labels": [...]}` |
| jira | `remove_label` | same |
| jira | `comment` | `{"text": "..."}` or `{"document": ADF}` |
| jira | `remote_link` | `{"url", "title", "global_id"?}` (global id defaults to the URL) |
| jira | `remove_remote_link` | `{"global_id"}` |
| jira | `set_launch_field` | `{"field", "value", "previous"?}` (what Tandem wrote there last) |
| jira | `update_fields` | `{"fields": {...}}` |
| hubspot | `campaign_status` | `{"values": {...}}` (the engineering status; the sink decides where it shows) |
| hubspot | `update_campaign` | `{"properties": {...}}` |
| hubspot | `create_task` | `{"owner_id", "subject", "body", "due"?: ISO time (default: the command's time)}` |
| hubspot | `create_note` | `{"body", "records": {"contact"/"company"/"deal": id}, "owner_id"?}` |

An action returns what the sink reported, for the log; `conflict` in it says a person's edit was replaced.

Targets go into REST paths (`/rest/api/3/issue/{key}/…`, `/marketing/v3/campaigns/{campaignGuid}`), so a
command is carried out only when its target is what the vendor's ids look like: a Jira issue key
(`ISSUE_KEY`: a project key — an uppercase letter, then uppercase letters, digits or underscores — a dash
and a number; Jira's REST reference and its "project key format" page) or a HubSpot campaign's UUID
(`CAMPAIGN_GUID`; the Campaigns API names the path parameter "the UUID of the campaign"); HubSpot owner and
record ids are numbers. Anything else — `campaigns/../../crm/v3/objects/contacts/123`, a key with a `?` or a
newline — is a `CommandError` naming the target (escaped) and the form it should have: the command is
dead-lettered, nothing is written.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from connectors.hubspot.sink import HubSpotSink
from connectors.jira.sink import JiraSink
from streams.records import SyncCommand
from tandem.settings import Settings


class CommandError(ValueError):
    """The command cannot be carried out as given (unknown action, missing payload): dead-letter it."""


class ConnectorOff(RuntimeError):
    """The command's system has no running connector in this worker."""


ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]+-[1-9][0-9]*$")
CAMPAIGN_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
HUBSPOT_ID = re.compile(r"^[1-9][0-9]{0,19}$")


def _shown(value: str) -> str:
    return ascii(value if len(value) <= 80 else value[:80] + "…")


def _checked(value: Any, form: re.Pattern[str], what: str, example: str, action: str) -> str:
    text = str(value)
    if not form.fullmatch(text):  # fullmatch: `$` alone would let a trailing newline through
        raise CommandError(f"{action}: {_shown(text)} is not {what} (e.g. {example}); nothing was written")
    return text


def issue_key(value: Any, action: str) -> str:
    """`value` when it is a Jira issue key, else a `CommandError`."""
    return _checked(value, ISSUE_KEY, "a Jira issue key", "WEB-42", action)


def campaign_guid(value: Any, action: str) -> str:
    """`value` when it is a HubSpot campaign's UUID, else a `CommandError`."""
    return _checked(
        value, CAMPAIGN_GUID, "a HubSpot campaign id (a UUID)", "9dbec438-53e2-4b28-8c0f-38f56574a6e8", action
    )


def hubspot_id(value: Any, action: str) -> str:
    """`value` when it is a HubSpot object id (owner, contact, company, deal): a number."""
    return _checked(value, HUBSPOT_ID, "a HubSpot id (a number)", "12345", action)


def _labels(command: SyncCommand, settings: Settings) -> list[str]:
    payload = command.payload
    if isinstance(payload.get("labels"), list) and payload["labels"]:
        return [str(label) for label in payload["labels"]]
    if payload.get("campaign"):
        return [f"{settings.jira_campaign_label_prefix}{payload['campaign']}"]
    raise CommandError(f"{command.action} needs payload.campaign or payload.labels")


def _need(payload: dict[str, Any], name: str, action: str) -> Any:
    if payload.get(name) in (None, "", {}):
        raise CommandError(f"{action} needs payload.{name}")
    return payload[name]


async def execute(
    command: SyncCommand, settings: Settings, jira: JiraSink | None, hubspot: HubSpotSink | None
) -> dict[str, Any]:
    """Carry out `command`; returns what the sink reported (for the log). Raises on failure."""
    payload = command.payload
    if command.system == "jira":
        key = issue_key(command.target, f"jira {command.action}")  # a bad command is bad with or without Jira
        if jira is None:
            raise ConnectorOff("the Jira connector is off (TANDEM_JIRA_URL/EMAIL/API_TOKEN)")
        if command.action == "add_label":
            await jira.add_labels(key, _labels(command, settings))
        elif command.action == "remove_label":
            await jira.remove_labels(key, _labels(command, settings))
        elif command.action == "comment":
            body = payload.get("document") or _need(payload, "text", "comment")
            return {"posted": await jira.comment(key, body, command.idempotency_key)}
        elif command.action == "remote_link":
            url = str(_need(payload, "url", "remote_link"))
            title = str(payload.get("title") or url)
            await jira.upsert_remote_link(key, str(payload.get("global_id") or url), url, title)
        elif command.action == "remove_remote_link":
            return {"removed": await jira.remove_remote_link(key, str(_need(payload, "global_id", command.action)))}
        elif command.action == "set_launch_field":
            field = str(_need(payload, "field", command.action))
            value = str(_need(payload, "value", command.action))
            replaced = await jira.set_field(key, field, value, payload.get("previous"))
            return {"conflict": f"{field} on {key} held {replaced}, a person's value"} if replaced else {}
        elif command.action == "update_fields":
            await jira.update_fields(key, dict(_need(payload, "fields", "update_fields")))
        else:
            raise CommandError(f"unknown jira action {command.action!r}")
        return {}
    if command.system == "hubspot":
        what = f"hubspot {command.action}"
        if command.action in ("campaign_status", "update_campaign"):
            campaign_guid(command.target, what)  # a bad command is bad with or without HubSpot
        if hubspot is None:
            raise ConnectorOff("the HubSpot connector is off (TANDEM_HUBSPOT_TOKEN)")
        if command.action == "campaign_status":
            values = {str(k): str(v) for k, v in dict(_need(payload, "values", command.action)).items()}
            target = campaign_guid(command.target, what)
            edited = await hubspot.campaign_status(target, values, settings.hubspot_status_property)
            return {"conflict": "a person's edit of the engineering status was replaced"} if edited else {}
        if command.action == "update_campaign":
            properties = {str(k): str(v) for k, v in dict(_need(payload, "properties", "update_campaign")).items()}
            return await hubspot.update_campaign(campaign_guid(command.target, what), properties)
        if command.action == "create_task":
            due = datetime.fromisoformat(str(payload["due"])) if payload.get("due") else command.at
            return await hubspot.create_task(
                hubspot_id(_need(payload, "owner_id", "create_task"), what),
                str(_need(payload, "subject", "create_task")),
                str(payload.get("body") or ""),
                due,
                idempotency_key=command.idempotency_key,
            )
        if command.action == "create_note":
            owner = payload.get("owner_id")
            records = {str(k): hubspot_id(v, what) for k, v in dict(_need(payload, "records", "create_note")).items()}
            return await hubspot.create_note(
                str(_need(payload, "body", "create_note")),
                command.at,
                records,
                hubspot_id(owner, what) if owner else None,
            )
        raise CommandError(f"unknown hubspot action {command.action!r}")
    raise CommandError(f"unknown system {command.system!r}")


__all__ = ["CAMPAIGN_GUID", "ISSUE_KEY", "CommandError", "ConnectorOff", "campaign_guid", "execute", "issue_key"]
