"""HubSpot's error bodies, as its public API sends them (and as its OpenAPI `Error` schema requires)."""

from __future__ import annotations

import uuid
from typing import Any

AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more "
    "details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
RATE_LIMIT_MESSAGE = "You have reached your ten_secondly_rolling limit."
DAILY_LIMIT_MESSAGE = "You have reached your daily limit."


class HubSpotError(Exception):
    """An API error to answer with HubSpot's body; raised by the store, turned into a response by the app."""

    def __init__(
        self,
        status: int,
        message: str,
        category: str,
        *,
        sub_category: str | None = None,
        context: dict[str, list[str]] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.category = category
        self.sub_category = sub_category
        self.context = context
        self.errors = errors

    def body(self) -> dict[str, Any]:
        out = error_body(self.message, self.category)
        if self.sub_category:
            out["subCategory"] = self.sub_category
        if self.context:
            out["context"] = self.context
        if self.errors:
            out["errors"] = self.errors
        return out


def correlation_id() -> str:
    return str(uuid.uuid4())


def error_body(message: str, category: str) -> dict[str, Any]:
    return {"status": "error", "message": message, "correlationId": correlation_id(), "category": category}


def validation_error(message: str, *, in_: str | None = None, code: str | None = None) -> HubSpotError:
    detail: dict[str, Any] = {"message": message}
    if in_:
        detail["in"] = in_
    if code:
        detail["code"] = code
    return HubSpotError(400, message, "VALIDATION_ERROR", errors=[detail])


def not_found(message: str) -> HubSpotError:
    return HubSpotError(404, message, "OBJECT_NOT_FOUND")


def auth_body() -> dict[str, Any]:
    return error_body(AUTH_MESSAGE, "INVALID_AUTHENTICATION")


def rate_limit_body(portal_id: int | None) -> dict[str, Any]:
    """The TEN_SECONDLY_ROLLING 429. `category` is the sandbox's addition: the spec's `Error` requires it."""
    return {
        "status": "error",
        "message": RATE_LIMIT_MESSAGE,
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": "TEN_SECONDLY_ROLLING",
        "groupName": f"publicapi:private-app:ten-secondly-rolling:{portal_id or 0}",
        "category": "RATE_LIMITS",
    }


def daily_limit_body() -> dict[str, Any]:
    """The DAILY 429, as HubSpot documents it (https://developers.hubspot.com/docs/api/usage-details:
    `status`, `message`, `errorType`, `correlationId`, `policyName`, `requestId`), plus `category`, which the
    spec's `Error` requires (as for the ten-secondly one)."""
    return {
        "status": "error",
        "message": DAILY_LIMIT_MESSAGE,
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": "DAILY",
        "requestId": correlation_id(),
        "category": "RATE_LIMITS",
    }


_STATUS_ERRORS = {
    400: ("Invalid input", "VALIDATION_ERROR"),
    401: (AUTH_MESSAGE, "INVALID_AUTHENTICATION"),
    403: ("This app hasn't been granted all required scopes to make this call.", "MISSING_SCOPES"),
    404: ("Resource not found", "OBJECT_NOT_FOUND"),
    405: ("Method not allowed", "VALIDATION_ERROR"),
    500: ("internal error", "INTERNAL_ERROR"),
    502: ("Bad Gateway", "INTERNAL_ERROR"),
    503: ("Service Unavailable", "SERVICE_UNAVAILABLE"),
    504: ("Gateway Timeout", "INTERNAL_ERROR"),
}


def status_body(status: int, portal_id: int | None = None) -> dict[str, Any]:
    """HubSpot's body for a bare status (faults, unknown routes)."""
    if status == 429:
        return rate_limit_body(portal_id)
    message, category = _STATUS_ERRORS.get(status, (f"HTTP {status}", "INTERNAL_ERROR"))
    return error_body(message, category)
