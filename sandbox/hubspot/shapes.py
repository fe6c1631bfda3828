"""HubSpot's JSON: the store's records rendered as HubSpot's v3 APIs show them (campaigns, budget items,
owners, CRM objects with their associations)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sandbox.hubspot.properties import SYSTEM_OBJECT_PROPERTIES
from sandbox.hubspot.store import Campaign, CrmObject, MoneyItem, Owner, iso


def _millis(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def campaign_json(campaign: Campaign, properties: list[str] | None, *, assets: bool = False) -> dict[str, Any]:
    """`PublicCampaign` (or `PublicCampaignWithAssets`): the requested properties that have a value."""
    values = campaign.all_properties()
    chosen = values if properties is None else {name: values[name] for name in properties if name in values}
    out: dict[str, Any] = {
        "id": campaign.id,
        "properties": chosen,
        "createdAt": iso(campaign.created_at),
        "updatedAt": iso(campaign.updated_at),
        "businessUnits": [{"id": 0}],
    }
    if assets:
        out["assets"] = {}
    return out


def money_json(item: MoneyItem) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": item.id,
        "name": item.name,
        "amount": item.amount,
        "order": item.order,
        "createdAt": _millis(item.created_at),
        "updatedAt": _millis(item.updated_at),
    }
    if item.description is not None:
        out["description"] = item.description
    return out


def owner_json(owner: Owner) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": owner.id,
        "type": owner.type,
        "archived": owner.archived,
        "createdAt": iso(owner.created_at),
        "updatedAt": iso(owner.updated_at),
        "teams": owner.teams,
    }
    optional = {
        "email": owner.email,
        "firstName": owner.first_name,
        "lastName": owner.last_name,
        "userId": owner.user_id,
        "userIdIncludingInactive": owner.user_id_including_inactive,
    }
    out.update({key: value for key, value in optional.items() if value is not None})
    return out


def object_json(crm_object: CrmObject, properties: list[str] | None, associations: list[str] | None) -> dict[str, Any]:
    """`SimplePublicObject` / `...WithAssociations`: default or requested properties that have a value."""
    wanted = set(SYSTEM_OBJECT_PROPERTIES) if properties is None else set(properties) | SYSTEM_OBJECT_PROPERTIES
    out: dict[str, Any] = {
        "id": crm_object.id,
        "properties": {name: value for name, value in crm_object.properties.items() if name in wanted},
        "createdAt": iso(crm_object.created_at),
        "updatedAt": iso(crm_object.updated_at),
        "archived": False,
    }
    if associations:
        grouped: dict[str, dict[str, Any]] = {}
        for link in crm_object.associations:
            if link.to_type in associations:
                results = grouped.setdefault(link.to_type, {"results": []})["results"]
                entry = {"id": link.to_id, "type": link.label}
                if entry not in results:
                    results.append(entry)
        if grouped:
            out["associations"] = grouped
    return out
