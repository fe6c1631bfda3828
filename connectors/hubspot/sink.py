"""Writes into HubSpot:

- campaign properties: `PATCH /marketing/v3/campaigns/{id}` (setting the same values twice changes nothing);
- the engineering status on the campaign: Tandem's block at the end of its notes, read, rewritten in place
  and written back (the marketer's text kept), or one line in `TANDEM_HUBSPOT_STATUS_PROPERTY`;
- tasks for a campaign's owner: assigned with `hubspot_owner_id`, where HubSpot shows them (the owner's
  task list). HubSpot defines no association from tasks or notes to marketing campaigns (its association
  table has none; the sandbox refuses one), so the campaign is named in the subject and body with its URL.
  A note needs a record to be shown on: the sink writes one only with an association (a contact, company
  or deal), never a note no one would see.
Creating a task is not idempotent at HubSpot: a task sent with an idempotency key carries a marker at the end
of its body and is looked for first (CRM search by owner and subject), so a resend after a timeout, or after a
crash mid-send, finds it instead of making a second; the sync agent's record of done keys keeps a repeated
command from reaching HubSpot at all. Every call here is a priority call: it goes on while only HubSpot's daily
reserve is left (`TANDEM_HUBSPOT_DAILY_RESERVE`), when polling waits for the daily reset.
Task and note bodies are rich text (HTML) at HubSpot; the text Tandem puts there (Jira summaries, campaign
names) is plain text, so it is escaped (`html_text`) and shows as written, markup and all, running nothing.
Task subjects are plain text at HubSpot and go as they are.
"""

from __future__ import annotations

import hashlib
import html
from datetime import datetime
from typing import Any

from connectors.http.errors import RequestRejected
from connectors.hubspot.api import NOTE_TO, HubSpotApi
from connectors.hubspot.status_block import split, status_line, with_block


def html_text(text: str) -> str:
    """Plain text for a HubSpot rich-text property: HTML-escaped, its line breaks kept as `<br>`."""
    return "<br>".join(html.escape(line, quote=True) for line in text.splitlines())


MARKER_LINE = "Tandem reference: "
MAX_SEARCH_PAGES = 10
"""A thousand tasks of one owner with one subject are looked through for a marker; past that, none is found."""


def task_marker(idempotency_key: str) -> str:
    """The token a task's body carries to be found again: one word, from the notification's idempotency key."""
    return "tandem-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:20]


def millis(when: datetime) -> str:
    return str(int(when.timestamp() * 1000))


class HubSpotSink:
    def __init__(self, api: HubSpotApi) -> None:
        self.api = api

    async def update_campaign(self, campaign_id: str, properties: dict[str, str]) -> dict[str, Any]:
        return await self.api.update_campaign(campaign_id, properties, priority=True)

    async def campaign_status(self, campaign_id: str, values: dict[str, str], property_name: str | None) -> bool:
        """Write the status on the campaign; True when it replaced a block a person had edited."""
        if property_name:
            await self.api.update_campaign(campaign_id, {property_name: status_line(values)}, priority=True)
            return False
        found = await self.api.read_campaigns([campaign_id], ["hs_notes"], priority=True)
        results = found.get("results") or []
        if not results:
            raise RequestRejected(f"HubSpot has no campaign {campaign_id}", status=404)
        notes = (results[0].get("properties") or {}).get("hs_notes")
        await self.api.update_campaign(campaign_id, {"hs_notes": with_block(notes, values)}, priority=True)
        return split(notes).edited

    async def create_task(
        self,
        owner_id: str,
        subject: str,
        body: str,
        due: datetime,
        *,
        priority: str = "HIGH",
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Create a task for `owner_id`. With an `idempotency_key` the body ends with its marker, the task is
        looked for first, and again before a resend after a timeout or 5xx (HubSpot's CRM search): found, it
        is not created twice. Without one, an unanswered create is `WriteUnsure`, not sent again."""
        marker = task_marker(idempotency_key) if idempotency_key else None
        text = f"{body}\n\n{MARKER_LINE}{marker}" if marker else body
        properties = {
            "hs_timestamp": millis(due),
            "hs_task_subject": subject,
            "hs_task_body": html_text(text),
            "hs_task_status": "NOT_STARTED",
            "hs_task_priority": priority,
            "hs_task_type": "TODO",
            "hubspot_owner_id": owner_id,
        }
        if marker is None:
            return await self.api.create_task(properties, priority=True)
        found = await self.task_with(owner_id, subject, marker)
        if found is not None:
            return found
        return await self.api.create_task(
            properties, priority=True, look=lambda: self.task_with(owner_id, subject, marker)
        )

    async def task_with(self, owner_id: str, subject: str, marker: str) -> dict[str, Any] | None:
        """The owner's task with this subject whose body carries `marker`, if HubSpot's search finds one."""
        after: str | None = None
        for _ in range(MAX_SEARCH_PAGES):
            page = await self.api.search_tasks(
                {"hubspot_owner_id": owner_id, "hs_task_subject": subject},
                ["hs_task_subject", "hs_task_body"],
                after=after,
                priority=True,
            )
            for task in page.get("results") or []:
                if marker in str((task.get("properties") or {}).get("hs_task_body") or ""):
                    found: dict[str, Any] = task
                    return found
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return None
        return None

    async def create_note(
        self, body: str, at: datetime, records: dict[str, str], owner_id: str | None = None
    ) -> dict[str, Any]:
        """A note on `records` (`contact`/`company`/`deal` → id): HubSpot shows a note only on its records."""
        if not records or set(records) - set(NOTE_TO):
            raise RequestRejected("a note needs a contact, company or deal to be on", status=400)
        properties = {"hs_timestamp": millis(at), "hs_note_body": html_text(body)}
        if owner_id:
            properties["hubspot_owner_id"] = owner_id
        return await self.api.create_note(properties, records, priority=True)


__all__ = ["HubSpotSink", "html_text"]
