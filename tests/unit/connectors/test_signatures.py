"""Webhook signature checks (pure)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from connectors.hubspot.signature import hubspot_signature_valid
from connectors.jira.signature import jira_signature, jira_signature_valid

VECTOR = "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"


def test_jira_signature_matches_atlassians_test_vector() -> None:
    assert jira_signature("It's a Secret to Everybody", b"Hello World!") == VECTOR
    assert jira_signature_valid("It's a Secret to Everybody", b"Hello World!", VECTOR)


def test_jira_signature_refuses_missing_forged_and_other_bodies() -> None:
    secret = "It's a Secret to Everybody"
    assert not jira_signature_valid(secret, b"Hello World!", None)
    assert not jira_signature_valid(secret, b"Hello World!", "")
    assert not jira_signature_valid(secret, b"Hello World?", VECTOR)
    assert not jira_signature_valid("another secret", b"Hello World!", VECTOR)
    assert not jira_signature_valid(secret, b"Hello World!", "sha256=ß")


def v3(secret: str, uri: str, body: bytes, timestamp: str) -> str:
    source = f"POST{uri}{body.decode()}{timestamp}".encode()
    return base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()


NOW = 1_800_000_000_000
URI = "https://tandem.acme.test/webhooks/hubspot"


def check(signature: str | None, timestamp: str | None, body: bytes = b"[]", uri: str = URI) -> tuple[bool, str]:
    return hubspot_signature_valid(
        "s3cret", method="POST", uri=uri, body=body, signature=signature, timestamp=timestamp, now_ms=NOW
    )


def test_hubspot_v3_accepts_a_fresh_valid_signature() -> None:
    assert check(v3("s3cret", URI, b"[]", str(NOW - 1000)), str(NOW - 1000)) == (True, "")


def test_hubspot_v3_refuses_missing_forged_stale_and_future_requests() -> None:
    stamp = str(NOW)
    assert not check(None, stamp)[0]
    assert not check(v3("s3cret", URI, b"[]", stamp), None)[0]
    assert not check(v3("wrong", URI, b"[]", stamp), stamp)[0]
    assert not check(v3("s3cret", URI + "?x=1", b"[]", stamp), stamp)[0]
    stale = str(NOW - 5 * 60 * 1000 - 1)
    assert check(v3("s3cret", URI, b"[]", stale), stale) == (
        False,
        "stale or future X-HubSpot-Request-Timestamp (more than 5 minutes away)",
    )
    future = str(NOW + 6 * 60 * 1000)
    assert not check(v3("s3cret", URI, b"[]", future), future)[0]
    assert not check("x", "not-a-number")[0]
