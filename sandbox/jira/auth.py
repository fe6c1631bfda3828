"""Basic authentication with an email and an API token, answered as Jira Cloud answers a bad one.

A request whose `Authorization: Basic base64(email:token)` is not the sandbox's credentials gets Jira Cloud's 401:
`{"message": "Client must be authenticated to access this resource.", "status-code": 401}` as JSON, with
`WWW-Authenticate: OAuth realm="<site>"` and `X-Seraph-LoginReason: AUTHENTICATED_FAILED` (wrong credentials).
Jira lets some resources be read anonymously (public projects); this site has none public, so a request without
credentials gets the same 401, without the login-reason header.

After `quirks.captcha_after_failures` consecutive failed logins of one account (3 by default) Jira wants a
CAPTCHA solved: every request of that account, even with the right token, gets a 403 with
`X-Authentication-Denied-Reason: CAPTCHA_CHALLENGE; login-url=<site>/login.jsp` and
`X-Seraph-LoginReason: AUTHENTICATION_DENIED`, until someone logs in in a browser (the control route
`POST /_sandbox/jira/browser-login`). Atlassian documents the headers and the cure for Jira's REST API
(https://developer.atlassian.com/server/jira/platform/jira-rest-api-example-basic-authentication-6291732/,
"CAPTCHA"); the threshold and the 403's body are the sandbox's own (*unverified* for Jira Cloud).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import threading
from collections.abc import Callable
from urllib.parse import quote

from aiohttp import web

AUTH_MESSAGE = "Client must be authenticated to access this resource."
CAPTCHA_MESSAGE = "CAPTCHA_CHALLENGE: log in to Jira in a browser and answer the CAPTCHA before using the API again."


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


def captcha_required(base_url: str) -> web.Response:
    return web.Response(
        status=403,
        text=json.dumps({"errorMessages": [CAPTCHA_MESSAGE], "errors": {}}),
        content_type="application/json",
        charset="UTF-8",
        headers={
            "X-Authentication-Denied-Reason": f"CAPTCHA_CHALLENGE; login-url={base_url}/login.jsp",
            "X-Seraph-LoginReason": "AUTHENTICATION_DENIED",
        },
    )


class BasicAuthGate:
    """The `authenticate` gate for `vendor_middlewares` (None lets the request through), counting failed
    logins per account for the CAPTCHA. `reset()` forgets them (a new scenario, `reset_limits`)."""

    def __init__(self, email: str, token: str, base_url: str, captcha_after: Callable[[], int | None]) -> None:
        self.email = email
        self.token = token
        self.base_url = base_url
        self._captcha_after = captcha_after
        self._lock = threading.Lock()
        self.failures: dict[str, int] = {}
        self.captcha: set[str] = set()

    def __call__(self, request: web.Request) -> web.Response | None:
        given = basic_credentials(request.headers.get("Authorization"))
        if given is None:
            return unauthorized(self.base_url, failed="Authorization" in request.headers)
        account = given[0].lower()
        with self._lock:
            if account in self.captcha:
                return captcha_required(self.base_url)
        ok_email = hmac.compare_digest(account.encode(), self.email.lower().encode())
        ok_token = hmac.compare_digest(given[1].encode(), self.token.encode())
        with self._lock:
            if not (ok_email and ok_token):
                self.failures[account] = self.failures.get(account, 0) + 1
                threshold = self._captcha_after()
                if threshold is not None and self.failures[account] >= threshold:
                    self.captcha.add(account)
                return unauthorized(self.base_url, failed=True)
            self.failures.pop(account, None)
        return None

    def browser_login(self, email: str | None = None) -> None:
        """Someone logged in in a browser and solved the CAPTCHA (for `email`, or every account)."""
        with self._lock:
            if email is None:
                self.captcha.clear()
                self.failures.clear()
            else:
                self.captcha.discard(email.lower())
                self.failures.pop(email.lower(), None)

    def reset(self) -> None:
        self.browser_login()


def basic_auth_gate(
    email: str, token: str, base_url: str, captcha_after: Callable[[], int | None] = lambda: None
) -> BasicAuthGate:
    """The `authenticate` gate for `vendor_middlewares`: None lets the request through."""
    return BasicAuthGate(email, token, base_url, captcha_after)


__all__ = [
    "AUTH_MESSAGE",
    "CAPTCHA_MESSAGE",
    "BasicAuthGate",
    "auth_headers",
    "basic_auth_gate",
    "basic_credentials",
    "captcha_required",
    "unauthorized",
    "unauthorized_body",
]
