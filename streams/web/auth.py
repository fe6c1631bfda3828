"""Who may see and do what on the worker's web server.

- API clients send `Authorization: Bearer <token>`; the token is one of `TANDEM_API_TOKENS` (`token:role`),
  compared in constant time. No token (or a wrong one) is 401; a `read` token asking to act is 403.
- Browsers log in with a token through a form; that sets a session cookie, signed (itsdangerous) with
  `TANDEM_SESSION_SECRET` (or a key derived from the tokens, the same on every worker), `HttpOnly`,
  `SameSite=Strict`, `Secure` when the page was served over HTTPS, and expiring after
  `TANDEM_SESSION_HOURS`. The session remembers which token it came from: a token removed from the
  settings ends its sessions.
- A state-changing request made with a session cookie must carry the session's CSRF token (a form field
  `csrf` or an `X-CSRF-Token` header), so another site cannot make a logged-in browser act.

Only the health check, the signed webhook receivers, the login form and the static assets (no data) are
open to anonymous requests; every other route refuses them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Middleware
from itsdangerous import BadSignature, URLSafeTimedSerializer

from tandem.settings import Settings

Role = Literal["read", "admin"]
COOKIE = "tandem_session"
PUBLIC = frozenset({"/api/health", "/webhooks/jira", "/webhooks/hubspot", "/login"})
PUBLIC_PREFIXES = ("/static/",)
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Access:
    """What a request may do: its role, and how it proved it."""

    role: Role
    via: Literal["token", "session"]
    csrf: str | None = None  # the session's CSRF token (sessions only)

    @property
    def admin(self) -> bool:
        return self.role == "admin"


ACCESS: web.RequestKey[Access] = web.RequestKey("tandem_access", Access)


def token_id(token: str) -> str:
    """A short fingerprint of a token, kept in its sessions (never the token itself)."""
    return hashlib.sha256(f"tandem-token:{token}".encode()).hexdigest()[:24]


class Gate:
    """Checks tokens, sessions and CSRF tokens for one worker (built from the settings)."""

    def __init__(self, settings: Settings) -> None:
        self.roles: dict[str, Role] = {token: role for token, role in settings.token_roles.items()}  # type: ignore[misc]
        self.by_id: dict[str, Role] = {token_id(token): role for token, role in self.roles.items()}
        if settings.session_secret is not None:
            key = settings.session_secret.get_secret_value()
        else:
            key = hashlib.sha256(("tandem-session:" + "\n".join(sorted(self.roles))).encode()).hexdigest()
        self._key = key.encode()
        self._sessions = URLSafeTimedSerializer(key, salt="tandem-session")
        self.max_age = int(settings.session_hours * 3600)
        self.https_dashboard = (settings.dashboard_url or "").startswith("https://")

    def role_of(self, token: str) -> Role | None:
        """The role of `token`, compared against every known token in constant time."""
        offered = token.strip().encode()
        found: Role | None = None
        for known, role in self.roles.items():
            if hmac.compare_digest(offered, known.encode()):
                found = role
        return found

    def bearer(self, request: web.Request) -> Access | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        role = self.role_of(token)
        return Access(role, "token") if role else None

    def csrf_for(self, nonce: str) -> str:
        return hmac.new(self._key, f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()

    def session(self, request: web.Request) -> Access | None:
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            return None
        try:
            data = self._sessions.loads(cookie, max_age=self.max_age)
        except BadSignature:  # tampered with, or expired (SignatureExpired is a BadSignature)
            return None
        if not isinstance(data, dict):
            return None
        role = self.by_id.get(str(data.get("t")))
        if role is None or role != data.get("r"):
            return None  # the token it came from is gone, or has another role now
        return Access(role, "session", self.csrf_for(str(data.get("n"))))

    def access(self, request: web.Request) -> Access | None:
        return self.bearer(request) or self.session(request)

    def log_in(self, response: web.StreamResponse, request: web.Request, token: str) -> Role | None:
        """Set a session cookie for `token` on `response`; the role, or None for an unknown token."""
        role = self.role_of(token)
        if role is None:
            return None
        value = self._sessions.dumps({"r": role, "t": token_id(token.strip()), "n": secrets.token_urlsafe(16)})
        response.set_cookie(
            COOKIE,
            value,
            max_age=self.max_age,
            httponly=True,
            samesite="Strict",
            secure=self.secure(request),
            path="/",
        )
        return role

    def log_out(self, response: web.StreamResponse, request: web.Request) -> None:
        response.del_cookie(COOKIE, path="/", secure=self.secure(request), samesite="Strict")

    def secure(self, request: web.Request) -> bool:
        """Served over HTTPS: directly, behind a proxy that says so, or at an https dashboard URL."""
        return request.secure or request.headers.get("X-Forwarded-Proto") == "https" or self.https_dashboard


def is_public(path: str) -> bool:
    return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def unauthorized(detail: str) -> web.Response:
    response = web.json_response({"error": "unauthorized", "detail": detail}, status=401)
    response.headers["WWW-Authenticate"] = 'Bearer realm="tandem"'
    return response


def forbidden(detail: str) -> web.Response:
    return web.json_response({"error": "forbidden", "detail": detail}, status=403)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _csrf_ok(request: web.Request, access: Access) -> bool:
    offered = request.headers.get("X-CSRF-Token")
    if offered is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        offered = str((await request.post()).get("csrf") or "")
    return bool(offered) and access.csrf is not None and hmac.compare_digest(offered or "", access.csrf)


def middleware(gate: Gate) -> Middleware:
    """Refuses anonymous requests (but the public few), and session requests that act without CSRF."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if is_public(request.path):
            return await handler(request)
        access = gate.access(request)
        if access is None:
            if is_api(request.path) or request.method != "GET":
                return unauthorized("send Authorization: Bearer <token> (one of TANDEM_API_TOKENS), or log in")
            raise web.HTTPSeeOther(f"/login?next={quote(request.path_qs, safe='')}")
        if access.via == "session" and request.method in UNSAFE and not await _csrf_ok(request, access):
            return forbidden("this form is stale or came from another site: reload the page and try again")
        request[ACCESS] = access
        return await handler(request)

    return guard


def access_of(request: web.Request) -> Access:
    """The access the middleware granted (every non-public handler has one)."""
    return request[ACCESS]


def require_admin(request: web.Request) -> None:
    """403 unless the request's role may act (confirm, reject, re-baseline)."""
    if not access_of(request).admin:
        raise web.HTTPForbidden(
            text='{"error": "forbidden", "detail": "this needs an admin token (TANDEM_API_TOKENS token:admin)"}',
            content_type="application/json",
        )


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
