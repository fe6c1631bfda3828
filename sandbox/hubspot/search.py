"""HubSpot's CRM search (`POST /crm/v3/objects/{type}/search`) for the sandbox's tasks and notes.

What HubSpot documents (https://developers.hubspot.com/docs/api/crm/search): `filterGroups` are ORed, the
filters of a group ANDed (at most 5 groups and 6 filters each); `sorts` by one property (as
`{"propertyName", "direction"}`, or `"-name"` in the string form the OpenAPI description gives); `limit` up to 200;
paging by `after`; the answer has `total`, `results` (each object with the requested `properties`) and
`paging.next.after` when more remain. The sandbox knows the operators Tandem may use — EQ, NEQ, HAS_PROPERTY,
NOT_HAS_PROPERTY, CONTAINS_TOKEN — and refuses the others with HubSpot's 400 shape; values compare as text.
It indexes at once (HubSpot's index may lag a write by seconds: see `connectors/hubspot/BEHAVIOR.md`).
"""

from __future__ import annotations

from typing import Any

from sandbox.hubspot.errors import validation_error
from sandbox.hubspot.shapes import object_json
from sandbox.hubspot.store import CrmObject

MAX_GROUPS, MAX_FILTERS, MAX_LIMIT = 5, 6, 200
OPERATORS = ("EQ", "NEQ", "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN")
CREATED = ("hs_createdate", "createdate")


def _check(flt: Any) -> None:
    if not isinstance(flt, dict) or not isinstance(flt.get("propertyName"), str):
        raise validation_error("each filter needs a propertyName and an operator", in_="filters")
    if flt.get("operator") not in OPERATORS:
        raise validation_error(f"the sandbox does not search with operator {flt.get('operator')!r}", in_="operator")


def _matches(crm_object: CrmObject, flt: dict[str, Any]) -> bool:
    name, operator, value = flt["propertyName"], flt.get("operator"), flt.get("value")
    have = crm_object.properties.get(name)
    if operator == "HAS_PROPERTY":
        return have is not None
    if operator == "NOT_HAS_PROPERTY":
        return have is None
    if operator == "EQ":
        return have is not None and have == str(value)
    if operator == "NEQ":
        return have != str(value)
    return have is not None and str(value).lower() in have.lower().split()  # CONTAINS_TOKEN


def search(objects: list[CrmObject], body: Any) -> dict[str, Any]:
    """The answer to a search `body` over `objects`."""
    if not isinstance(body, dict):
        raise validation_error("the body must be a PublicObjectSearchRequest object", in_="body")
    groups = body.get("filterGroups") or []
    if not isinstance(groups, list) or len(groups) > MAX_GROUPS:
        raise validation_error(f"filterGroups is a list of at most {MAX_GROUPS} groups", in_="filterGroups")
    for group in groups:
        filters = group.get("filters") if isinstance(group, dict) else None
        if not isinstance(filters, list) or len(filters) > MAX_FILTERS:
            raise validation_error(f"each filter group has a list of at most {MAX_FILTERS} filters", in_="filters")
        for flt in filters:
            _check(flt)
    found = [o for o in objects if not groups or any(all(_matches(o, f) for f in g["filters"]) for g in groups)]
    for sort in (body.get("sorts") or [])[:1]:  # `{"propertyName", "direction"}`, or the spec's string form
        name: Any
        if isinstance(sort, str):
            name, descending = sort.lstrip("-"), sort.startswith("-")
        else:
            name = sort.get("propertyName") if isinstance(sort, dict) else None
            descending = isinstance(sort, dict) and sort.get("direction") == "DESCENDING"
        if name in CREATED:
            found.sort(key=lambda o: (o.created_at, int(o.id)), reverse=descending)
        elif isinstance(name, str):
            found.sort(key=lambda o: o.properties.get(str(name)) or "", reverse=descending)
    limit = body.get("limit", 10)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise validation_error(f"limit must be between 1 and {MAX_LIMIT}", in_="limit")
    after = str(body.get("after") or "0")
    if not after.isdigit():
        raise validation_error("after must be a paging cursor from an earlier answer", in_="after")
    start = int(after)
    page = found[start : start + limit]
    properties = body.get("properties")
    answer: dict[str, Any] = {
        "total": len(found),
        "results": [object_json(o, properties if isinstance(properties, list) else None, None) for o in page],
    }
    if start + limit < len(found):
        answer["paging"] = {"next": {"after": str(start + limit)}}
    return answer


__all__ = ["search"]
