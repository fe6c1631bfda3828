"""HubSpot API JSON → Tandem records (pure functions; a bad object raises `ObjectError`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from connectors.http.errors import ObjectError
from connectors.hubspot.status_block import split
from streams.records import CampaignSnapshot, Person, RecordError

CAMPAIGN_PROPERTIES = (
    "hs_name",
    "hs_start_date",
    "hs_end_date",
    "hs_campaign_status",
    "hs_owner",
    "hs_notes",
    "hs_budget_items_sum_amount",
    "hs_currency_code",
)


def parse_time(value: Any, what: str) -> datetime:
    """HubSpot timestamps: ISO-8601 (`2027-01-04T09:00:00.000Z`) or epoch milliseconds."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str) and value:
        text = value.strip()
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ObjectError(f"{what} is not a timestamp: {value!r}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ObjectError(f"{what} is missing or not a timestamp: {value!r}")


def parse_day(value: Any, what: str) -> str | None:
    """A campaign date property as `YYYY-MM-DD`: HubSpot sends the date, a datetime, or epoch ms."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise ObjectError(f"{what} is not a date: {value!r}") from None
    return parse_time(value, what).date().isoformat()


def parse_amount(value: Any, what: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ObjectError(f"{what} is not a number: {value!r}") from None


def campaign_url(app_url: str, portal_id: int | None, campaign_id: str) -> str | None:
    """The campaign's page in HubSpot's UI (`/marketing/<portal>/campaigns/details/<id>`), when the portal is known."""
    if portal_id is None:
        return None
    return f"{app_url.rstrip('/')}/marketing/{portal_id}/campaigns/details/{campaign_id}"


def owner_person(owner: dict[str, Any]) -> Person:
    """A HubSpot owner (`PublicOwner`, REST or typed-client field names) as a `Person`."""
    ident = owner.get("id")
    if ident in (None, ""):
        raise ObjectError("owner without an id")
    first = owner.get("firstName", owner.get("first_name")) or ""
    last = owner.get("lastName", owner.get("last_name")) or ""
    name = " ".join(part for part in (first, last) if part) or None
    return Person(id=str(ident), name=name, email=owner.get("email") or None)


def campaign_snapshot(
    data: dict[str, Any],
    *,
    owners: dict[str, Person],
    app_url: str,
    portal_id: int | None,
) -> CampaignSnapshot:
    """A campaign (`PublicCampaign`) as a `CampaignSnapshot`; the owner is resolved from `owners`."""
    ident = data.get("id")
    if not isinstance(ident, str) or not ident:
        raise ObjectError("campaign without an id")
    props = data.get("properties") or {}
    if not isinstance(props, dict):
        raise ObjectError(f"campaign {ident}: properties is not an object")
    properties = {str(k): str(v) for k, v in props.items() if v is not None}
    if "hs_notes" in properties:  # Tandem's own status block is not the marketer's notes
        properties["hs_notes"] = split(properties["hs_notes"]).own
    owner_id = properties.get("hs_owner") or None
    owner = owners.get(owner_id, Person(id=owner_id)) if owner_id else None
    try:
        return CampaignSnapshot(
            id=ident,
            name=properties.get("hs_name", ""),
            source_updated_at=parse_time(data.get("updatedAt"), f"campaign {ident} updatedAt"),
            start_date=parse_day(properties.get("hs_start_date"), f"campaign {ident} hs_start_date"),
            end_date=parse_day(properties.get("hs_end_date"), f"campaign {ident} hs_end_date"),
            status=properties.get("hs_campaign_status") or None,
            owner=owner,
            notes=properties.get("hs_notes") or None,
            budget=parse_amount(properties.get("hs_budget_items_sum_amount"), f"campaign {ident} budget"),
            currency=properties.get("hs_currency_code") or None,
            url=campaign_url(app_url, portal_id, ident),
            properties=properties,
        )
    except RecordError as exc:
        raise ObjectError(f"campaign {ident}: {exc}") from None


def campaign_tombstone(campaign_id: str, at: datetime) -> CampaignSnapshot:
    """The record saying campaign `campaign_id` is gone (seen missing at `at`)."""
    return CampaignSnapshot(id=campaign_id, name="", source_updated_at=at, deleted=True)


def updated_at(data: dict[str, Any]) -> datetime:
    return parse_time(data.get("updatedAt"), f"campaign {data.get('id')} updatedAt")


__all__ = [
    "CAMPAIGN_PROPERTIES",
    "campaign_snapshot",
    "campaign_tombstone",
    "campaign_url",
    "owner_person",
    "parse_day",
    "parse_time",
    "updated_at",
]
