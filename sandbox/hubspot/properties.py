"""Which properties HubSpot objects have in the sandbox, and which a client may write.

HubSpot rejects writes of unknown or read-only properties with a 400; so does the sandbox. The lists are
the properties HubSpot documents for campaigns, tasks and notes (those Tandem reads or writes and their
neighbours); see BEHAVIOR.md.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

CAMPAIGN_WRITABLE = frozenset(
    {
        "hs_name",
        "hs_start_date",
        "hs_end_date",
        "hs_notes",
        "hs_audience",
        "hs_currency_code",
        "hs_campaign_status",
        "hs_utm",
        "hs_owner",
        "hs_color_hex",
    }
)
"""Campaign properties a client can set with POST/PATCH."""

CAMPAIGN_READ_ONLY = frozenset({"hs_budget_items_sum_amount", "hs_spend_items_sum_amount", "hs_object_id"})
"""Computed by HubSpot: the sums of the campaign's budget and spend items, and its numeric object id.
A scenario may seed the sums (they become one budget or spend item); the API refuses to write them."""

CAMPAIGN_PROPERTIES = CAMPAIGN_WRITABLE | CAMPAIGN_READ_ONLY

CAMPAIGN_DATE_PROPERTIES = frozenset({"hs_start_date", "hs_end_date"})
SPEC_DIR = Path(__file__).resolve().parent.parent / "specs" / "hubspot"


@cache
def currency_codes() -> frozenset[str]:
    """ISO 4217 codes HubSpot accepts for a campaign's currency, from its own description."""
    spec = json.loads((SPEC_DIR / "campaigns-v3.json").read_text(encoding="utf-8"))
    return frozenset(spec["components"]["schemas"]["PublicBudgetTotals"]["properties"]["currencyCode"]["enum"])


DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

TASK_PROPERTIES = frozenset(
    {
        "hs_timestamp",
        "hs_task_body",
        "hs_task_subject",
        "hs_task_status",
        "hs_task_priority",
        "hs_task_type",
        "hs_task_reminders",
        "hubspot_owner_id",
    }
)
TASK_ENUMS = {
    "hs_task_status": frozenset({"NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"}),
    "hs_task_priority": frozenset({"NONE", "LOW", "MEDIUM", "HIGH"}),
    "hs_task_type": frozenset({"TODO", "CALL", "EMAIL"}),
}
NOTE_PROPERTIES = frozenset({"hs_timestamp", "hs_note_body", "hubspot_owner_id", "hs_attachment_ids"})
NOTE_ENUMS: dict[str, frozenset[str]] = {}

SYSTEM_OBJECT_PROPERTIES = frozenset({"hs_createdate", "hs_lastmodifieddate", "hs_object_id"})
"""Set by HubSpot on every CRM object, returned by default."""

# HubSpot-defined association types (hubspot.crm.association_type.AssociationType in hubspot-api-client):
# (associationTypeId) -> (target object type as used in `associations=` queries, type label).
TASK_ASSOCIATIONS = {
    204: ("contacts", "task_to_contact"),
    192: ("companies", "task_to_company"),
    216: ("deals", "task_to_deal"),
    218: ("quotes", "task_to_quote"),
    230: ("tickets", "task_to_ticket"),
}
NOTE_ASSOCIATIONS = {
    202: ("contacts", "note_to_contact"),
    190: ("companies", "note_to_company"),
    214: ("deals", "note_to_deal"),
    228: ("tickets", "note_to_ticket"),
}

OWNER_KEYS = frozenset(
    {"id", "email", "firstName", "lastName", "userId", "userIdIncludingInactive", "archived", "type", "teams"}
)
