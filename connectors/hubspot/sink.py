"""Writes into HubSpot:

- campaign properties: `PATCH /marketing/v3/campaigns/{id}` (setting the same values twice changes nothing);
- tasks and notes for a campaign's owner: assigned with `hubspot_owner_id`. HubSpot defines no association
  from tasks or notes to marketing campaigns (its association table has none; the sandbox refuses one), so
  the campaign is named in the subject/body with its URL instead.
Creating a task or note is not idempotent at HubSpot; the sync agent's record of done keys is what keeps
a repeated command from creating a second one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connectors.hubspot.api import HubSpotApi


def millis(when: datetime) -> str:
    return str(int(when.timestamp() * 1000))


class HubSpotSink:
    def __init__(self, api: HubSpotApi) -> None:
        self.api = api

    async def update_campaign(self, campaign_id: str, properties: dict[str, str]) -> dict[str, Any]:
        return await self.api.update_campaign(campaign_id, properties)

    async def create_task(
        self, owner_id: str, subject: str, body: str, due: datetime, *, priority: str = "HIGH"
    ) -> dict[str, Any]:
        properties = {
            "hs_timestamp": millis(due),
            "hs_task_subject": subject,
            "hs_task_body": body,
            "hs_task_status": "NOT_STARTED",
            "hs_task_priority": priority,
            "hs_task_type": "TODO",
            "hubspot_owner_id": owner_id,
        }
        return await self.api.create_task(properties)

    async def create_note(self, body: str, at: datetime, owner_id: str | None = None) -> dict[str, Any]:
        properties = {"hs_timestamp": millis(at), "hs_note_body": body}
        if owner_id:
            properties["hubspot_owner_id"] = owner_id
        return await self.api.create_note(properties)


__all__ = ["HubSpotSink"]
