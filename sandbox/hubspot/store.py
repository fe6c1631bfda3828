"""The HubSpot sandbox's state: campaigns (with budget and spend items), owners, tasks and notes.

Rules that HubSpot enforces on writes live here, so the API and the scenario hooks share them; a broken
rule raises `HubSpotError`, which the app answers with HubSpot's error body. Times come from the sandbox
clock. The store is used from the sandbox's event loop only.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.clock import SandboxClock
from sandbox.hubspot.errors import not_found, validation_error
from sandbox.hubspot.properties import (
    CAMPAIGN_DATE_PROPERTIES,
    CAMPAIGN_PROPERTIES,
    CAMPAIGN_READ_ONLY,
    CAMPAIGN_WRITABLE,
    DATE,
    NOTE_ASSOCIATIONS,
    NOTE_ENUMS,
    NOTE_PROPERTIES,
    OWNER_KEYS,
    TASK_ASSOCIATIONS,
    TASK_ENUMS,
    TASK_PROPERTIES,
    currency_codes,
)

BUDGET_SUM = "hs_budget_items_sum_amount"
SPEND_SUM = "hs_spend_items_sum_amount"


def iso(when: datetime) -> str:
    """HubSpot's timestamp format: UTC with milliseconds, `Z`."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _amount_text(amount: float) -> str:
    return str(int(amount)) if float(amount).is_integer() else str(amount)


@dataclass
class MoneyItem:
    """A budget or spend item (`PublicBudgetItem` / `PublicSpendItem`)."""

    id: str
    name: str
    amount: float
    order: int
    created_at: datetime
    updated_at: datetime
    description: str | None = None


@dataclass
class Campaign:
    id: str
    object_id: int
    properties: dict[str, str]
    """Writable properties that have a value (never empty strings)."""
    created_at: datetime
    updated_at: datetime
    budget_items: list[MoneyItem] = field(default_factory=list)
    spend_items: list[MoneyItem] = field(default_factory=list)

    def all_properties(self) -> dict[str, str]:
        """Writable and computed properties that have a value."""
        out = dict(self.properties)
        out["hs_object_id"] = str(self.object_id)
        if self.budget_items:
            out[BUDGET_SUM] = _amount_text(sum(item.amount for item in self.budget_items))
        if self.spend_items:
            out[SPEND_SUM] = _amount_text(sum(item.amount for item in self.spend_items))
        return out


@dataclass
class Owner:
    id: str
    email: str | None
    first_name: str | None
    last_name: str | None
    user_id: int | None
    user_id_including_inactive: int | None
    archived: bool
    type: str
    teams: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Association:
    type_id: int
    category: str
    to_type: str
    label: str
    to_id: str


@dataclass
class CrmObject:
    """A task or a note."""

    object_type: str
    id: str
    properties: dict[str, str]
    associations: list[Association]
    created_at: datetime
    updated_at: datetime


_OBJECT_RULES = {
    "tasks": (TASK_PROPERTIES, TASK_ENUMS, TASK_ASSOCIATIONS),
    "notes": (NOTE_PROPERTIES, NOTE_ENUMS, NOTE_ASSOCIATIONS),
}


def _parse_timestamp(value: str) -> datetime | None:
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class HubSpotStore:
    """HubSpot's data for one sandbox portal."""

    def __init__(self, clock: SandboxClock) -> None:
        self.clock = clock
        self.portal_id: int | None = None
        self.campaigns: dict[str, Campaign] = {}
        self.owners: dict[str, Owner] = {}
        self.objects: dict[str, dict[str, CrmObject]] = {"tasks": {}, "notes": {}}
        self._object_ids = itertools.count(10_000_000_001)
        self._campaign_object_ids = itertools.count(1_000_001)
        self._money_ids = itertools.count(1)

    # --- scenario hooks -------------------------------------------------------------------------------

    def reset(self) -> None:
        """Empty the portal (ids start over)."""
        self.portal_id = None
        self.campaigns.clear()
        self.owners.clear()
        for objects in self.objects.values():
            objects.clear()
        self._object_ids = itertools.count(10_000_000_001)
        self._campaign_object_ids = itertools.count(1_000_001)
        self._money_ids = itertools.count(1)

    def load(self, section: dict[str, Any]) -> None:
        """Reset and seed from a scenario's `hubspot` section (already checked by the scenario loader)."""
        self.reset()
        self.portal_id = section.get("portal_id")
        now = self.clock.now()
        for owner in section.get("owners", []):
            self.upsert_owner(owner, at=now)
        for campaign in section.get("campaigns", []):
            self.create_campaign(campaign.get("properties", {}), campaign_id=campaign["id"], at=now, trusted=True)

    def apply(self, op: dict[str, Any], at: datetime) -> None:
        """One timeline step: {create|update|delete: ID, properties} or {owner: {...}}."""
        if "owner" in op:
            self.upsert_owner(op["owner"], at=at)
        elif "create" in op:
            self.create_campaign(op.get("properties", {}), campaign_id=op["create"], at=at, trusted=True)
        elif "update" in op:
            self.update_campaign(op["update"], op.get("properties", {}), at=at, trusted=True)
        elif "delete" in op:
            if not self.delete_campaign(op["delete"]):
                raise not_found(f"campaign {op['delete']} does not exist")
        else:
            raise ValueError(f"not a HubSpot step: {sorted(op)}")

    # --- campaigns ------------------------------------------------------------------------------------

    def _check_campaign_properties(
        self, properties: dict[str, Any], *, trusted: bool, creating: bool
    ) -> dict[str, str]:
        if not isinstance(properties, dict):
            raise validation_error("properties must be an object", in_="properties")
        allowed = CAMPAIGN_PROPERTIES if trusted else CAMPAIGN_WRITABLE
        unknown = sorted(set(properties) - CAMPAIGN_PROPERTIES)
        if unknown:
            raise validation_error(
                f"Property {unknown[0]} does not exist", in_=unknown[0], code="PROPERTY_DOESNT_EXIST"
            )
        read_only = sorted(set(properties) - allowed)
        if read_only:
            raise validation_error(f"Property {read_only[0]} is read-only", in_=read_only[0], code="READ_ONLY_VALUE")
        values: dict[str, str] = {}
        for name, value in properties.items():
            if isinstance(value, bool) or (not isinstance(value, str | int | float) and value is not None):
                raise validation_error(f"Property {name} must be a string", in_=name, code="INVALID_TYPE")
            text = "" if value is None else str(value)
            if name == "hs_currency_code" and text and text not in currency_codes():
                raise validation_error(f"hs_currency_code '{text}' is not an ISO 4217 code HubSpot supports", in_=name)
            if name in CAMPAIGN_DATE_PROPERTIES and text and not DATE.match(text):
                raise validation_error(f"{name} must be a date formatted YYYY-MM-DD, got '{text}'", in_=name)
            if name in (BUDGET_SUM, SPEND_SUM) and text:
                try:
                    float(text)
                except ValueError:
                    raise validation_error(f"{name} must be a number", in_=name) from None
            values[name] = text
        if creating and not values.get("hs_name"):
            raise validation_error("hs_name is required to create a campaign", in_="hs_name", code="REQUIRED_FIELD")
        return values

    def _check_name_free(self, name: str | None, campaign_id: str | None) -> None:
        if not name:
            return
        folded = name.casefold()
        for other in self.campaigns.values():
            if other.id != campaign_id and other.properties.get("hs_name", "").casefold() == folded:
                raise validation_error(
                    f"A campaign with the name '{name}' already exists", in_="hs_name", code="DUPLICATE"
                )

    def _seed_money(self, campaign: Campaign, values: dict[str, str], at: datetime) -> None:
        for prop, items, label in (
            (BUDGET_SUM, campaign.budget_items, "Budget"),
            (SPEND_SUM, campaign.spend_items, "Spend"),
        ):
            if prop in values:
                items.clear()
                if values[prop]:
                    items.append(MoneyItem(str(next(self._money_ids)), label, float(values[prop]), 0, at, at))

    def create_campaign(
        self,
        properties: dict[str, Any],
        *,
        campaign_id: str | None = None,
        at: datetime | None = None,
        trusted: bool = False,
    ) -> Campaign:
        """Create a campaign; `trusted` (scenarios) may seed the computed budget/spend sums."""
        values = self._check_campaign_properties(properties, trusted=trusted, creating=True)
        campaign_id = campaign_id or str(uuid.uuid4())
        if campaign_id in self.campaigns:
            raise validation_error(f"campaign {campaign_id} already exists", code="DUPLICATE")
        self._check_name_free(values.get("hs_name"), None)
        when = at or self.clock.now()
        writable = {k: v for k, v in values.items() if k in CAMPAIGN_WRITABLE and v != ""}
        campaign = Campaign(campaign_id, next(self._campaign_object_ids), writable, when, when)
        self._seed_money(campaign, values, when)
        self.campaigns[campaign_id] = campaign
        return campaign

    def update_campaign(
        self, campaign_id: str, properties: dict[str, Any], *, at: datetime | None = None, trusted: bool = False
    ) -> Campaign:
        """Partial update; an empty string clears a property (as HubSpot documents)."""
        campaign = self.campaigns.get(campaign_id)
        if campaign is None:
            raise not_found(f"Campaign {campaign_id} not found")
        values = self._check_campaign_properties(properties, trusted=trusted, creating=False)
        if "hs_name" in values and not values["hs_name"]:
            raise validation_error("hs_name cannot be empty", in_="hs_name", code="REQUIRED_FIELD")
        self._check_name_free(values.get("hs_name"), campaign_id)
        when = at or self.clock.now()
        for name, value in values.items():
            if name not in CAMPAIGN_WRITABLE:
                continue
            if value == "":
                campaign.properties.pop(name, None)
            else:
                campaign.properties[name] = value
        self._seed_money(campaign, {k: v for k, v in values.items() if k in CAMPAIGN_READ_ONLY}, when)
        campaign.updated_at = when
        return campaign

    def delete_campaign(self, campaign_id: str) -> bool:
        """Remove a campaign for good; False when there was none."""
        return self.campaigns.pop(campaign_id, None) is not None

    # --- owners ---------------------------------------------------------------------------------------

    def upsert_owner(self, data: dict[str, Any], *, at: datetime | None = None) -> Owner:
        unknown = sorted(set(data) - OWNER_KEYS)
        if unknown:
            raise ValueError(f"unknown owner field(s): {', '.join(unknown)}")
        owner_id = str(data["id"])
        when = at or self.clock.now()
        existing = self.owners.get(owner_id)
        merged: dict[str, Any] = {}
        if existing is not None:
            merged = {
                "email": existing.email,
                "firstName": existing.first_name,
                "lastName": existing.last_name,
                "userId": existing.user_id,
                "userIdIncludingInactive": existing.user_id_including_inactive,
                "archived": existing.archived,
                "type": existing.type,
                "teams": existing.teams,
            }
        merged.update({k: v for k, v in data.items() if k != "id"})
        owner = Owner(
            id=owner_id,
            email=merged.get("email"),
            first_name=merged.get("firstName"),
            last_name=merged.get("lastName"),
            user_id=merged.get("userId"),
            user_id_including_inactive=merged.get("userIdIncludingInactive"),
            archived=bool(merged.get("archived", False)),
            type=str(merged.get("type", "PERSON")),
            teams=list(merged.get("teams") or []),
            created_at=existing.created_at if existing else when,
            updated_at=when,
        )
        self.owners[owner_id] = owner
        return owner

    # --- tasks and notes ------------------------------------------------------------------------------

    def create_object(self, object_type: str, properties: Any, associations: Any) -> CrmObject:
        """Create a task or note with HubSpot's checks on properties, owner and association types."""
        names, enums, association_types = _OBJECT_RULES[object_type]
        if not isinstance(properties, dict):
            raise validation_error("properties must be an object", in_="properties")
        values: dict[str, str] = {}
        for name, value in properties.items():
            if name not in names:
                raise validation_error(
                    f'Property values were not valid: Property "{name}" does not exist',
                    in_=name,
                    code="PROPERTY_DOESNT_EXIST",
                )
            if value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
                raise validation_error(f"Property values were not valid: {name} must be a string", in_=name)
            values[name] = str(value)
        if "hs_timestamp" not in values:
            raise validation_error(
                "Property values were not valid: hs_timestamp is required", in_="hs_timestamp", code="REQUIRED_FIELD"
            )
        stamp = _parse_timestamp(values["hs_timestamp"])
        if stamp is None:
            raise validation_error(
                f"Property values were not valid: hs_timestamp '{values['hs_timestamp']}' "
                "is neither epoch milliseconds nor ISO-8601",
                in_="hs_timestamp",
                code="INVALID_DATE",
            )
        values["hs_timestamp"] = iso(stamp)
        for name, allowed in enums.items():
            if name in values and values[name] not in allowed:
                raise validation_error(
                    f"Property values were not valid: {values[name]} was not one of the allowed options: "
                    f"{sorted(allowed)}",
                    in_=name,
                    code="INVALID_OPTION",
                )
        owner = values.get("hubspot_owner_id")
        if owner and owner not in self.owners:
            raise validation_error(
                f"Property values were not valid: {owner} is not a valid owner id",
                in_="hubspot_owner_id",
                code="INVALID_OWNER_ID",
            )
        links = self._check_associations(object_type, associations, association_types)
        when = self.clock.now()
        object_id = str(next(self._object_ids))
        values.update({"hs_createdate": iso(when), "hs_lastmodifieddate": iso(when), "hs_object_id": object_id})
        crm_object = CrmObject(object_type, object_id, values, links, when, when)
        self.objects[object_type][object_id] = crm_object
        return crm_object

    @staticmethod
    def _check_associations(
        object_type: str, associations: Any, types: dict[int, tuple[str, str]]
    ) -> list[Association]:
        if associations is None:
            return []
        if not isinstance(associations, list):
            raise validation_error("associations must be a list", in_="associations")
        links: list[Association] = []
        for entry in associations:
            if not isinstance(entry, dict) or not isinstance(entry.get("to"), dict) or "id" not in entry["to"]:
                raise validation_error("each association needs to.id and types", in_="associations")
            to_id = str(entry["to"]["id"])
            specs = entry.get("types")
            if not isinstance(specs, list) or not specs:
                raise validation_error("each association needs at least one type", in_="associations")
            for spec in specs:
                category = spec.get("associationCategory") if isinstance(spec, dict) else None
                type_id = spec.get("associationTypeId") if isinstance(spec, dict) else None
                if category != "HUBSPOT_DEFINED" or not isinstance(type_id, int) or type_id not in types:
                    raise validation_error(
                        f"{category}/{type_id} is not a valid association type from {object_type} "
                        f"(HUBSPOT_DEFINED ids: {', '.join(str(t) for t in sorted(types))})",
                        in_="associations",
                        code="INVALID_ASSOCIATION_TYPE",
                    )
                to_type, label = types[type_id]
                links.append(Association(type_id, category, to_type, label, to_id))
        return links


__all__ = ["Association", "Campaign", "CrmObject", "HubSpotStore", "MoneyItem", "Owner", "iso"]
