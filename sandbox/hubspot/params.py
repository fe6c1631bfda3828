"""What a HubSpot request asks for: query parameters, paging cursors and JSON bodies, read and checked as
HubSpot checks them (a bad value is HubSpot's 400 `VALIDATION_ERROR` naming the parameter)."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from sandbox.hubspot.errors import validation_error
from sandbox.hubspot.paging import Cursor

YYYY_MM_DD = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def list_param(request: web.Request, name: str) -> list[str] | None:
    """A multi-valued query parameter, given repeated and/or comma-separated; None when absent."""
    if name not in request.query:
        return None
    values: list[str] = []
    for raw in request.query.getall(name):
        values.extend(part.strip() for part in raw.split(",") if part.strip())
    return values


def int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise validation_error(f"Unable to parse '{raw}' as an integer for {name}", in_=name) from None
    if not low <= value <= high:
        raise validation_error(f"{name} must be between {low} and {high}, got {value}", in_=name, code="INVALID_LIMIT")
    return value


def bool_param(request: web.Request, name: str) -> bool:
    raw = request.query.get(name, "false").lower()
    if raw not in ("true", "false"):
        raise validation_error(f"{name} must be true or false, got '{raw}'", in_=name)
    return raw == "true"


def date_param(request: web.Request, name: str) -> None:
    raw = request.query.get(name)
    if raw is not None and not YYYY_MM_DD.match(raw):
        raise validation_error(f"{name} must be formatted YYYY-MM-DD, got '{raw}'", in_=name)


def paging_cursor(request: web.Request, sort: str) -> Cursor | None:
    token = request.query.get("after")
    if token is None or token == "":
        return None
    try:
        cursor = Cursor.decode(token)
    except ValueError as exc:
        raise validation_error(str(exc), in_="after", code="INVALID_CURSOR") from None
    if cursor.sort != sort:
        raise validation_error(
            "the paging cursor was issued for another sort order", in_="after", code="INVALID_CURSOR"
        )
    return cursor


async def json_body(request: web.Request) -> Any:
    raw = await request.read()
    if not raw:
        raise validation_error("Request body is required", in_="body")
    try:
        return json.loads(raw)
    except ValueError:
        raise validation_error("Invalid input JSON: the body is not valid JSON", in_="body") from None
