"""Who may see and do what: tokens with roles, signed expiring sessions, CSRF, and where a login may lead."""

from __future__ import annotations

import time

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from pydantic import SecretStr

from streams.web.auth import COOKIE, Gate, is_public, safe_next
from tandem.settings import SettingsError, load_settings

ADMIN = "admin-token-0123456789abcdef"
READER = "read-token-0123456789abcdef"


def gate(**overrides) -> Gate:
    return Gate(load_settings(api_tokens=[SecretStr(f"{ADMIN}:admin"), SecretStr(f"{READER}:read")], **overrides))


def request(headers: dict[str, str] | None = None, cookie: str | None = None, secure: bool = False) -> web.Request:
    headers = dict(headers or {})
    if cookie:
        headers["Cookie"] = f"{COOKIE}={cookie}"
    if secure:
        headers["X-Forwarded-Proto"] = "https"  # a TLS-terminating proxy in front says so
    return make_mocked_request("GET", "/", headers=headers)


def session_cookie(g: Gate, token: str, secure: bool = False) -> tuple[web.StreamResponse, str]:
    response = web.Response()
    g.log_in(response, request(secure=secure), token)
    return response, response.cookies[COOKIE].value


def test_a_token_carries_its_role() -> None:
    g = gate()
    assert (g.role_of(ADMIN), g.role_of(READER), g.role_of("nope")) == ("admin", "read", None)


def test_a_token_without_a_role_reads() -> None:
    assert Gate(load_settings(api_tokens=[SecretStr(READER)])).role_of(READER) == "read"


def test_an_unknown_role_is_refused_without_showing_the_token() -> None:
    with pytest.raises(SettingsError, match="TANDEM_API_TOKENS") as refused:
        load_settings(api_tokens=[SecretStr(f"{ADMIN}:owner")])
    assert ADMIN not in str(refused.value) and "owner" not in str(refused.value)


def test_a_bearer_token_grants_its_role() -> None:
    access = gate().bearer(request({"Authorization": f"Bearer {ADMIN}"}))
    assert access is not None and access.role == "admin" and access.via == "token"


@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer wrong-token", f"Basic {ADMIN}"])
def test_anything_but_a_known_bearer_token_grants_nothing(header: str) -> None:
    assert gate().bearer(request({"Authorization": header})) is None


def test_a_login_sets_a_signed_httponly_strict_cookie() -> None:
    response, _ = session_cookie(gate(), READER)
    morsel = response.cookies[COOKIE]
    assert morsel["httponly"] and morsel["samesite"] == "Strict" and not morsel["secure"]
    assert READER not in morsel.value


def test_the_cookie_is_secure_when_the_page_came_over_https() -> None:
    response, _ = session_cookie(gate(), READER, secure=True)
    assert response.cookies[COOKIE]["secure"]


def test_a_session_grants_the_role_of_its_token_with_a_csrf_token() -> None:
    g = gate()
    _, cookie = session_cookie(g, ADMIN)
    access = g.session(request(cookie=cookie))
    assert access is not None and access.role == "admin" and access.via == "session" and access.csrf


def test_a_tampered_session_grants_nothing() -> None:
    g = gate()
    _, cookie = session_cookie(g, READER)
    assert g.session(request(cookie=cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"))) is None


def test_a_session_signed_by_another_key_grants_nothing() -> None:
    _, cookie = session_cookie(gate(session_secret=SecretStr("another-key-another-key")), READER)
    assert gate().session(request(cookie=cookie)) is None


def test_a_session_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    g = gate(session_hours=1)
    _, cookie = session_cookie(g, READER)
    later = time.time() + 3601
    monkeypatch.setattr(time, "time", lambda: later)
    assert g.session(request(cookie=cookie)) is None


def test_removing_a_token_ends_its_sessions() -> None:
    secret = SecretStr("a-fixed-session-secret")
    _, cookie = session_cookie(gate(session_secret=secret), READER)
    only_admin = Gate(load_settings(api_tokens=[SecretStr(f"{ADMIN}:admin")], session_secret=secret))
    assert only_admin.session(request(cookie=cookie)) is None


def test_workers_with_the_same_tokens_accept_each_others_sessions() -> None:
    _, cookie = session_cookie(gate(), ADMIN)
    assert gate().session(request(cookie=cookie)) is not None


def test_each_session_has_its_own_csrf_token() -> None:
    g = gate()
    first = g.session(request(cookie=session_cookie(g, ADMIN)[1]))
    second = g.session(request(cookie=session_cookie(g, ADMIN)[1]))
    assert first and second and first.csrf != second.csrf


def test_a_wrong_token_logs_nobody_in() -> None:
    response = web.Response()
    assert gate().log_in(response, request(), "wrong") is None and COOKIE not in response.cookies


@pytest.mark.parametrize(
    ("target", "goes_to"),
    [
        ("/goals/c1?x=1", "/goals/c1?x=1"),
        (None, "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("goals", "/"),
    ],
)
def test_a_login_leads_only_to_a_page_of_this_site(target: str | None, goes_to: str) -> None:
    assert safe_next(target) == goes_to


@pytest.mark.parametrize("path", ["/api/health", "/webhooks/jira", "/webhooks/hubspot", "/login", "/static/app.css"])
def test_only_the_health_check_webhooks_login_and_static_assets_are_public(path: str) -> None:
    assert is_public(path)


@pytest.mark.parametrize("path", ["/", "/goals/c1", "/api/v1/goals", "/api/v1/openapi.json", "/health", "/table/"])
def test_everything_else_needs_access(path: str) -> None:
    assert not is_public(path)
