"""Helpers for the HubSpot sandbox tests: the real client pointed at the sandbox, and seeding."""

from __future__ import annotations

import json
import uuid
from typing import Any

import hubspot
import requests

from tests.sandbox_fixtures import Sandboxes

START = "2027-01-04T09:00:00Z"


def client(sandboxes: Sandboxes, token: str | None = None) -> hubspot.Client:
    """`hubspot-api-client` 12 aimed at the sandbox: `host` for the typed APIs, `base_url` for `api_request`."""
    return hubspot.Client.create(
        access_token=token or sandboxes.hubspot_token, host=sandboxes.hubspot_url, base_url=sandboxes.hubspot_url
    )


def call(
    sandboxes: Sandboxes, method: str, path: str, *, qs: Any = None, body: Any = None, token: str | None = None
) -> requests.Response:
    """One raw call through `client.api_request`, as Tandem makes campaign calls."""
    options: dict[str, Any] = {"method": method, "path": path}
    if qs is not None:
        options["qs"] = qs
    if body is not None:
        options["body"] = body
    response: requests.Response = client(sandboxes, token).api_request(options)
    return response


def guid() -> str:
    return str(uuid.uuid4())


def seed(
    sandboxes: Sandboxes,
    campaigns: list[dict[str, Any]] | None = None,
    owners: list[dict[str, Any]] | None = None,
    start: str = START,
) -> None:
    """Load a scenario with these campaigns and owners through the control plane (clock frozen at `start`)."""
    scenario = {
        "name": "test",
        "start": start,
        "end": "2027-12-31T00:00:00Z",
        "hubspot": {"portal_id": 4242, "owners": owners or [], "campaigns": campaigns or []},
    }
    status, answer = sandboxes.control("POST", "/_sandbox/scenario", raw=json.dumps(scenario))
    assert status == 200, answer


def campaign(name: str, **properties: str) -> dict[str, Any]:
    return {"id": guid(), "properties": {"hs_name": name, **properties}}
