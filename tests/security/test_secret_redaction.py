"""Item 5: every secret setting is masked wherever it would show — log lines (the vendor libraries' too),
exception texts and dead letters — however it was written out (as is, percent-encoded, JSON-escaped)."""

from __future__ import annotations

import json
import logging
import typing
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from aiohttp import web
from pydantic import SecretStr

from connectors.http.redact import MASK, redact, secret_values
from connectors.notify.slack import SlackChannel
from streams.deadletter import dead_letter_for
from tandem.settings import Settings, env_name, load_settings
from tandem.worker_process import free_port

SECRET_WORDS = ("token", "secret", "password", "webhook", "api_key", "apikey", "credential", "private")


def holds_secret(annotation: Any) -> bool:
    """Whether a settings field's type is (or contains) `SecretStr`."""
    if annotation is SecretStr:
        return True
    return any(holds_secret(arg) for arg in typing.get_args(annotation))


def canary(field: str) -> str:
    return f"CANARY-{field.replace('_', '-')}-7f3a9c1e5b"


def canary_env() -> dict[str, str]:
    """A recognisable fake value in every secret setting, in the form its variable takes."""
    values: dict[str, str] = {}
    for field, info in Settings.model_fields.items():
        if not holds_secret(info.annotation):
            continue
        if field == "api_tokens":
            values[env_name(field)] = f"{canary(field)}:admin,{canary(field)}-reader:read"
        elif field == "slack_webhooks":
            values[env_name(field)] = json.dumps(
                {"marketing": f"https://hooks.slack.com/services/T0CANARY/B0CANARY/{canary(field)}"}
            )
        else:
            values[env_name(field)] = canary(field)
    return values


def test_every_setting_named_like_a_secret_is_a_secret_str() -> None:
    """A new `..._token`, `..._secret`, `..._password` or webhook setting typed `str` would never be masked."""
    plain = [
        field
        for field, info in Settings.model_fields.items()
        if any(word in field for word in SECRET_WORDS)
        and info.annotation not in (int, float, bool)  # a limit or a switch (`webhook_body_seconds`) is no secret
        and not holds_secret(info.annotation)
    ]
    assert plain == []


def test_every_secret_setting_is_registered_when_the_settings_load(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in canary_env().items():
        clean_env.setenv(name, value)
    settings = load_settings()
    registered = secret_values(settings)
    for field, info in Settings.model_fields.items():
        if holds_secret(info.annotation):
            assert any(canary(field) in value for value in registered), f"{env_name(field)} is not registered"
            assert canary(field) not in redact(f"the value is {canary(field)}"), env_name(field)


def test_an_api_token_is_masked_with_and_without_its_role(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TANDEM_API_TOKENS", "tok-7f3a9c1e5b2d4e6f:admin")
    load_settings()
    assert redact("Bearer tok-7f3a9c1e5b2d4e6f and tok-7f3a9c1e5b2d4e6f:admin") == f"Bearer {MASK} and {MASK}"


def test_a_slack_webhook_url_is_masked_whole_and_by_its_secret_path(clean_env: pytest.MonkeyPatch) -> None:
    url = "https://hooks.slack.com/services/T0AAAA/B0BBBB/xoxwebhooksecret1234"
    clean_env.setenv("TANDEM_SLACK_WEBHOOKS", json.dumps({"web": url}))
    load_settings()
    assert "xoxwebhooksecret1234" not in redact(f"POST {url} failed")
    assert "xoxwebhooksecret1234" not in redact("path /services/T0AAAA/B0BBBB/xoxwebhooksecret1234 failed")


def test_percent_encoded_and_json_escaped_secrets_are_masked(clean_env: pytest.MonkeyPatch) -> None:
    secret = "p@ss/word+with spaces&more=1"
    clean_env.setenv("TANDEM_SMTP_PASSWORD", secret)
    load_settings()
    for form in (
        secret,
        quote(secret, safe=""),
        quote(secret, safe="").lower(),
        quote_plus(secret),
        json.dumps(secret),
    ):
        assert "word" not in redact(f"sent {form} to the server"), form


def test_a_dead_letter_stores_the_error_and_the_value_redacted(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TANDEM_JIRA_API_TOKEN", "ATATT-dead-letter-canary-31337")
    load_settings()
    message = SimpleNamespace(
        topic="tandem.sync-commands",
        partition=0,
        offset=7,
        key=b"k",
        value=b'{"note": "ATATT-dead-letter-canary-31337"}',
    )
    error = RuntimeError("401 from https://acme.atlassian.net with ATATT-dead-letter-canary-31337")
    letter = dead_letter_for(message, "sync", error, datetime(2027, 1, 12, tzinfo=UTC))
    assert "canary-31337" not in letter.dumps().decode()
    assert MASK in letter.error and MASK in (letter.value or "")


@pytest.fixture
async def webhook_receiver() -> AsyncIterator[str]:
    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/services/T0AAAA/B0BBBB/sdk-debug-secret-4242", ok)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/services/T0AAAA/B0BBBB/sdk-debug-secret-4242"
    await runner.cleanup()


async def test_slack_sdk_never_logs_the_webhook_url_even_at_debug_level(
    webhook_receiver: str, caplog: pytest.LogCaptureFixture
) -> None:
    """slack_sdk's `AsyncWebhookClient.send` logs `Sending a request - url: {url}, body: ..., headers: ...` at
    DEBUG (slack_sdk/webhook/async_client.py, `_perform_http_request`); the URL of an incoming webhook is its
    credential, to be kept like a token (Slack's SDK guide, https://docs.slack.dev/tools/java-slack-sdk/guides/
    incoming-webhooks: "As with tokens, we don't recommend embedding a webhook URL in your source code")."""
    caplog.set_level(logging.DEBUG)
    await SlackChannel({"web": webhook_receiver}).send("web", "hello", [])
    assert "sdk-debug-secret-4242" not in caplog.text
