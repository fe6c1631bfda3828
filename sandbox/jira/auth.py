"""Basic authentication with an email and an API token, answered as Jira Cloud answers a bad one.

A request whose `Authorization: Basic base64(email:token)` is not the sandbox's credentials gets Jira Cloud's 401:
`{"message": "Client must be authenticated to access this resource.", "status-code": 401}` as JSON, with
`WWW-Authenticate: OAuth realm="<site>"` and `X-Seraph-LoginReason: AUTHENTICATED_FAILED` (wrong credentials).
Jira lets some resources be read anonymously (public projects); this site has none public, so a request without
credentials gets the same 401, without the login-reason header.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Callable
from urllib.parse import quote

from aiohttp import web

AUTH_MESSAGE = "Client must be authenticated to access this resource."


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(email, token) from an `Authorization: Basic ...` header, or None."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    email, separator, token = decoded.partition(":")
    return (email, token) if separator else None


def auth_headers(base_url: str, *, failed: bool) -> dict[str, str]:
    headers = {"WWW-Authenticate": f'OAuth realm="{quote(base_url, safe="")}"'}
    if failed:
        headers["X-Seraph-LoginReason"] = "AUTHENTICATED_FAILED"
    return headers


def unauthorized_body() -> dict[str, object]:
    return {"message": AUTH_MESSAGE, "status-code": 401}


def unauthorized(base_url: str, *, failed: bool) -> web.Response:
    return web.Response(
        status=401,
        text=json.dumps(unauthorized_body()),
        content_type="application/json",
        charset="UTF-8",
        headers=auth_headers(base_url, failed=failed),
    )


def basic_auth_gate(email: str, token: str, base_url: str) -> Callable[[web.Request], web.Response | None]:
    """The `authenticate` gate for `vendor_middlewares`: None lets the request through."""

    def authenticate(request: web.Request) -> web.Response | None:
        given = basic_credentials(request.headers.get("Authorization"))
        if given is None:
            return unauthorized(base_url, failed="Authorization" in request.headers)
        ok_email = hmac.compare_digest(given[0].lower().encode(), email.lower().encode())
        ok_token = hmac.compare_digest(given[1].encode(), token.encode())
        if not (ok_email and ok_token):
            return unauthorized(base_url, failed=True)
        return None

    return authenticate


__all__ = ["AUTH_MESSAGE", "auth_headers", "basic_auth_gate", "basic_credentials", "unauthorized", "unauthorized_body"]
