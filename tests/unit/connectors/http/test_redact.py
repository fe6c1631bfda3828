"""Credentials never reach log lines or messages (pure, plus the logging hook)."""

from __future__ import annotations

import logging

import pytest

from connectors.http.redact import MASK, install_log_redaction, redact, register_secret


def test_registered_secrets_and_credential_shapes_are_masked() -> None:
    register_secret("super-secret-value-42")
    text = redact(
        "token super-secret-value-42; Authorization: Basic dGFuZGVtOnNlY3JldA==; "
        "{'Authorization': 'Bearer abcdefghijk'} url?hapikey=abc123&x=1 X-Hub-Signature: sha256=deadbeef"
    )
    for leaked in ("super-secret-value-42", "dGFuZGVtOnNlY3JldA==", "abcdefghijk", "abc123", "deadbeef"):
        assert leaked not in text
    assert MASK in text and "x=1" in text


def test_every_log_record_is_redacted_whoever_logs_it(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    register_secret("ATATT-another-secret-99")
    caplog.set_level(logging.INFO)
    logging.getLogger("some.vendor.library").info("sent headers %s", {"Authorization": "Basic ATATT-another-secret-99"})
    try:
        raise RuntimeError("failed with token ATATT-another-secret-99")
    except RuntimeError:
        logging.getLogger("x").exception("boom")
    assert "ATATT-another-secret-99" not in caplog.text
    assert MASK in caplog.text
