"""Webhook signature checks (pure)."""

from __future__ import annotations

import pytest
from hubspot.utils.signature import Signature

from connectors.hubspot.signature import DECODED, decode_uri, hubspot_signature_valid, request_uri
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


# HubSpot's own examples (https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests):
# the client secret, the webhook URI and the request body its v1/v2 examples sign.
SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
EXAMPLE_URI = "https://www.example.com/webhook_uri"
BODY = (
    b'[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
    b'"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM",'
    b'"changeFlag":"NEW","appId":54321}]'
)
STAMP = "1564113600000"
NOW = 1564113600000 + 1000

# v3 signatures of those inputs, computed apart from Tandem and its libraries with the openssl CLI:
#   printf '%s' "POST${URI}${BODY}${STAMP}" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64
# (the same `printf ... | openssl dgst -sha256` reproduces the documented v1 and v2 hashes, 232db261... and
# eee2dddc...; see test_openssl_reproduces_hubspots_documented_v1_and_v2_examples).
V3_EXAMPLE = "DxmVAjFNa2xfF3YgQjdZP6TNcok9k1oaH7UXombPtvw="
QUERY_URI = "https://tandem.acme.test/webhooks/hubspot?portal=62515&app=tandem%3Amain"
V3_QUERY_DECODED = "taJ70F4LPxRuhN09kTOb0HacM4ISqQxSkgGkl1yACYs="  # signed over ...&app=tandem:main
V3_QUERY_AS_SENT = "wr2vxU8WdMrrNZyf/9TQCgnEzJOiz5DI6r8k1X4OtP4="  # signed over ...&app=tandem%3Amain


def check(
    signature: str | None,
    timestamp: str | None = STAMP,
    *,
    uri: str = EXAMPLE_URI,
    body: bytes = BODY,
    secret: str = SECRET,
    now_ms: int = NOW,
    method: str = "POST",
) -> tuple[bool, str]:
    return hubspot_signature_valid(
        secret, method=method, uri=uri, body=body, signature=signature, timestamp=timestamp, now_ms=now_ms
    )


def test_openssl_reproduces_hubspots_documented_v1_and_v2_examples() -> None:
    """HubSpot's "Validating requests" page gives v1 (sha256 of secret + body) and v2 (sha256 of secret +
    method + URI + body) hashes for its example inputs; `openssl dgst -sha256` over the same strings gives
    exactly those, which is how the v3 vectors above were made."""
    assert Signature.get_signature(SECRET, BODY.decode(), "v1") == (
        "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"
    )
    assert Signature.get_signature(SECRET, "", "v2", http_uri=EXAMPLE_URI, http_method="GET") == (
        "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"
    )


def test_hubspot_v3_accepts_a_signature_computed_apart_with_openssl() -> None:
    """v3 is base64(HMAC-SHA256(client secret, method + URI + body + timestamp))
    (https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests#validate-the-v3-request-signature);
    the expected value is a literal from the openssl CLI, not from the formula under test."""
    assert check(V3_EXAMPLE) == (True, "")


def test_hubspot_v3_decodes_the_listed_escapes_of_the_uri_before_signing() -> None:
    """HubSpot decodes %3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B in the URI before it signs (its
    "Validating requests" page lists them); a request to `...app=tandem%3Amain` is signed over `...tandem:main`,
    and the lower-case spelling `%3a` is the same escape (RFC 3986 §2.1)."""
    assert check(V3_QUERY_DECODED, uri=QUERY_URI) == (True, "")
    assert check(V3_QUERY_DECODED, uri=QUERY_URI.replace("%3A", "%3a")) == (True, "")
    assert decode_uri("".join(DECODED)) == ":/?@!$'()*,;"
    assert decode_uri("%2a%3b", any_case=True) == "*;" and decode_uri("%2a%3b") == "%2a%3b"
    assert decode_uri("a%20b%3D") == "a%20b%3D"  # escapes HubSpot does not list stay as they are


def test_hubspot_v3_also_accepts_the_uri_as_sent() -> None:
    """HubSpot's v3 changelog (https://developers.hubspot.com/changelog/introducing-version-3-of-webhook-signatures)
    says only "requestUri", without decoding: a signature over the URI as it was sent is accepted too."""
    assert check(V3_QUERY_AS_SENT, uri=QUERY_URI) == (True, "")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"signature": None}, "missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp"),
        ({"timestamp": None}, "missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp"),
        ({"timestamp": "yesterday"}, "X-HubSpot-Request-Timestamp is not epoch milliseconds"),
        ({"secret": "another secret"}, "signature does not match POST https://www.example.com/webhook_uri"),
        ({"method": "PUT"}, "signature does not match PUT https://www.example.com/webhook_uri"),
        ({"uri": EXAMPLE_URI + "?x=1"}, "signature does not match POST https://www.example.com/webhook_uri"),
        (
            {"uri": "http://www.example.com/webhook_uri"},
            "signature does not match POST http://www.example.com/webhook_uri",
        ),
        ({"body": BODY + b" "}, "signature does not match POST https://www.example.com/webhook_uri"),
        ({"body": b"\xff" + BODY}, "the body is not UTF-8"),
        (
            {"now_ms": int(STAMP) + 5 * 60 * 1000 + 1},
            "stale or future X-HubSpot-Request-Timestamp (more than 5 minutes away)",
        ),
        (
            {"now_ms": int(STAMP) - 5 * 60 * 1000 - 1},
            "stale or future X-HubSpot-Request-Timestamp (more than 5 minutes away)",
        ),
    ],
)
def test_hubspot_v3_refuses_what_it_cannot_verify(change: dict[str, object], reason: str) -> None:
    """Missing, malformed, forged, changed, stale (older than 5 minutes, HubSpot's limit) and future requests."""
    values: dict[str, object] = {"signature": V3_EXAMPLE, "timestamp": STAMP, **change}
    signature, timestamp = values.pop("signature"), values.pop("timestamp")
    assert check(signature, timestamp, **values) == (False, reason)  # type: ignore[arg-type]


def test_the_uri_is_the_public_url_hubspot_called_with_the_path_and_query_the_worker_saw() -> None:
    """HubSpot signs the URL it called; behind a TLS proxy the worker sees another scheme and host."""
    seen = {"scheme": "http", "host": "internal:6066", "raw_path": "/webhooks/hubspot?portal=1&a=b%3Ac"}
    assert request_uri(None, **seen) == "http://internal:6066/webhooks/hubspot?portal=1&a=b%3Ac"
    public = "https://tandem.acme.test/webhooks/hubspot?portal=1&a=b%3Ac"
    assert request_uri("https://tandem.acme.test", **seen) == public
    assert request_uri("https://tandem.acme.test/", **seen) == public
    assert request_uri("https://tandem.acme.test/webhooks/hubspot", **seen) == public  # the receiver's own URL
    proxied = request_uri("https://acme.test/tandem", **seen)  # a proxy that strips a path prefix
    assert proxied == "https://acme.test/tandem/webhooks/hubspot?portal=1&a=b%3Ac"


@pytest.mark.parametrize(
    "header",
    ["sha256=" + "é" * 64, "sha256=" + "\u0660" * 64, "sha256=\udcff\udcfe" + "0" * 62],
    ids=["latin", "arabic-digits", "not-utf8"],
)
def test_jira_signature_refuses_a_header_that_is_not_ascii_without_raising(header: str) -> None:
    """Jira's signature is `sha256=` and hex (https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks):
    ASCII. aiohttp hands header bytes that are not UTF-8 over as surrogates (`\\udcff`)."""
    assert not jira_signature_valid("It's a Secret to Everybody", b"Hello World!", header)


@pytest.mark.parametrize(
    ("signature", "timestamp"),
    [("é" + V3_EXAMPLE[1:], STAMP), ("\udcff" + V3_EXAMPLE[1:], STAMP), (V3_EXAMPLE, "\u0661" + STAMP[1:])],
    ids=["latin-signature", "not-utf8-signature", "arabic-digit-timestamp"],
)
def test_hubspot_v3_refuses_headers_that_are_not_ascii_without_raising(signature: str, timestamp: str) -> None:
    """v3 signatures are base64 and timestamps epoch milliseconds (HubSpot's "Validating requests" page):
    ASCII; `int()` would read Arabic-Indic digits, and encoding a surrogate raises."""
    assert check(signature, timestamp) == (
        False,
        "X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp is not ASCII",
    )
