"""Jira admin webhook signatures: `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`."""

from __future__ import annotations

from sandbox.jira.webhooks import sign, verify

SECRET = "It's a Secret to Everybody"
VECTOR = "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"


def test_the_signature_matches_atlassians_test_vector() -> None:
    assert sign(SECRET, b"Hello World!") == VECTOR


def test_verify_accepts_the_right_signature() -> None:
    assert verify(SECRET, b"Hello World!", VECTOR)


def test_verify_rejects_a_changed_body() -> None:
    assert not verify(SECRET, b"Hello World?", VECTOR)


def test_verify_rejects_a_missing_header() -> None:
    assert not verify(SECRET, b"Hello World!", None)
