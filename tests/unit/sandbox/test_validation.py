"""The response validator: conformance with the vendors' OpenAPI descriptions, recorded, never raised."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request

from sandbox.core import ResponseValidator
from sandbox.hubspot.app import spec_paths

ERROR = {"status": "error", "message": "x", "correlationId": "aeb5f871-7f07-4993-9211-075dc63e7cbf", "category": "X"}
OWNER = {
    "id": "101",
    "type": "PERSON",
    "archived": False,
    "createdAt": "2027-01-04T09:00:00.000Z",
    "updatedAt": "2027-01-04T09:00:00.000Z",
}


@pytest.fixture(scope="module")
def validator() -> ResponseValidator:
    return ResponseValidator(spec_paths(), "http://127.0.0.1:8781")


def check(validator: ResponseValidator, method: str, path: str, status: int, body: Any, **headers: str) -> list[str]:
    raw = b"" if body is None else json.dumps(body).encode()
    hdrs = {"Content-Type": "application/json;charset=utf-8", **headers} if body is not None else headers
    validator.validate(make_mocked_request(method, path), status, hdrs, raw)
    return validator.take_failures()


def test_a_conforming_response_passes(validator: ResponseValidator) -> None:
    assert check(validator, "GET", "/crm/v3/owners/101", 200, OWNER) == []
    assert validator.checked >= 1


def test_a_missing_required_field_is_recorded(validator: ResponseValidator) -> None:
    failures = check(validator, "GET", "/marketing/v3/campaigns", 200, {"results": []})
    assert len(failures) == 1 and "'total' is a required property" in failures[0]


def test_error_bodies_are_checked_against_the_error_schema(validator: ResponseValidator) -> None:
    """HubSpot's error responses are `*/*` in its files but JSON in reality: they are parsed and checked."""
    assert check(validator, "GET", "/marketing/v3/campaigns", 401, ERROR) == []
    failures = check(validator, "GET", "/marketing/v3/campaigns", 429, {"status": "error", "message": "x"})
    assert failures and "'category' is a required property" in failures[0]


def test_an_empty_204_conforms(validator: ResponseValidator) -> None:
    assert check(validator, "DELETE", "/marketing/v3/campaigns/abc", 204, None) == []


def test_an_operation_the_vendor_does_not_have_is_a_failure(validator: ResponseValidator) -> None:
    failures = check(validator, "GET", "/marketing/v3/nothing-here", 200, {})
    assert failures and "no such operation" in failures[0]


def test_a_trailing_slash_is_the_same_operation(validator: ResponseValidator) -> None:
    """hubspot-api-client calls `GET /crm/v3/owners/`; it is the list, not `/crm/v3/owners/{ownerId}`."""
    assert check(validator, "GET", "/crm/v3/owners/", 200, {"results": [OWNER]}) == []


def test_the_control_plane_is_not_validated(validator: ResponseValidator) -> None:
    assert check(validator, "GET", "/_sandbox/health", 200, {"status": "ok"}) == []
