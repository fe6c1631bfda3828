"""HubSpot webhook signatures, version 3 (pure apart from the clock it is given).

`X-HubSpot-Signature-v3` = base64(HMAC-SHA256(client secret, method + URI + body + timestamp)); requests
whose `X-HubSpot-Request-Timestamp` is more than 5 minutes away from now are refused. The formula itself is
`hubspot.utils.signature.Signature.get_signature(..., "v3")`; this module adds what the library leaves out:

- **the URI HubSpot signed**: the public URL it called (scheme, host, path, query), not the one the worker
  sees behind a TLS-terminating proxy (`http://internal:6066/...`): with `TANDEM_PUBLIC_URL` set, the
  request's path and query are put on that base (`request_uri`);
- **HubSpot's URI decoding**: before signing, HubSpot decodes the URL-encoded characters its "Validating
  requests" page lists (`DECODED`). That page lists them upper-case; HubSpot's v3 changelog says only
  "requestUri". Both readings are accepted (`signed_uris`): the documented decoding, the same decoding of
  lower-case escapes (percent-encoding is case-insensitive, RFC 3986 §2.1), and the URI as received;
- the window in both directions (the library only refuses old timestamps), and a comparison in constant
  time that never raises (a header that is not ASCII, or not even UTF-8, is refused before it).
"""

from __future__ import annotations

import hmac
import re
from urllib.parse import urlsplit

from hubspot.utils.signature import Signature

WINDOW_MS = 5 * 60 * 1000

DECODED = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
"""The escapes HubSpot decodes in the request URI before signing (its "Validating requests" page:
https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests#validate-the-v3-request-signature)."""

_DOCUMENTED = re.compile("|".join(re.escape(code) for code in DECODED))
_ANY_CASE = re.compile("|".join(re.escape(code) for code in DECODED), re.IGNORECASE)


def decode_uri(uri: str, *, any_case: bool = False) -> str:
    """`uri` with HubSpot's listed escapes decoded (only the upper-case spellings unless `any_case`)."""
    pattern = _ANY_CASE if any_case else _DOCUMENTED
    return pattern.sub(lambda match: DECODED[match.group(0).upper()], uri)


def signed_uris(uri: str) -> list[str]:
    """Every spelling of `uri` HubSpot may have signed, the documented one first (no repeats)."""
    return list(dict.fromkeys((decode_uri(uri), decode_uri(uri, any_case=True), uri)))


def request_uri(public_url: str | None, *, scheme: str, host: str, raw_path: str) -> str:
    """The URL HubSpot called: `raw_path` (path and query, as received) on `public_url` when there is one
    (also when it names the receiver's full URL rather than its base), else on what the worker sees."""
    if not public_url:
        return f"{scheme}://{host}{raw_path}"
    base = public_url.rstrip("/")
    path, _, query = raw_path.partition("?")
    if path and urlsplit(base).path.endswith(path):  # TANDEM_PUBLIC_URL names the receiver itself
        return f"{base}?{query}" if query else base
    return f"{base}{raw_path}"


def hubspot_signature(secret: str, *, method: str, uri: str, body: str, timestamp: str) -> str:
    """The v3 signature of one spelling of the URI, by `hubspot-api-client`'s own formula."""
    return Signature.get_signature(
        secret, body, signature_version="v3", http_uri=uri, http_method=method, timestamp=timestamp
    )


def hubspot_signature_valid(
    secret: str, *, method: str, uri: str, body: bytes, signature: str | None, timestamp: str | None, now_ms: int
) -> tuple[bool, str]:
    """(valid, why not), for a request to `uri` (the URL HubSpot called, before HubSpot's decoding)."""
    if not signature or not timestamp:
        return False, "missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp"
    if not (signature.isascii() and timestamp.isascii()):  # base64 and digits; a header not even UTF-8 too
        return False, "X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp is not ASCII"
    try:
        sent_ms = int(timestamp)
    except ValueError:
        return False, "X-HubSpot-Request-Timestamp is not epoch milliseconds"
    if abs(now_ms - sent_ms) > WINDOW_MS:
        return False, "stale or future X-HubSpot-Request-Timestamp (more than 5 minutes away)"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False, "the body is not UTF-8"
    given = signature.strip().encode()
    matches = [
        hmac.compare_digest(
            hubspot_signature(secret, method=method, uri=spelling, body=text, timestamp=timestamp).encode(), given
        )
        for spelling in signed_uris(uri)
    ]
    if any(matches):
        return True, ""
    return False, f"signature does not match {method} {uri.split('?')[0]}"


__all__ = [
    "DECODED",
    "WINDOW_MS",
    "decode_uri",
    "hubspot_signature",
    "hubspot_signature_valid",
    "request_uri",
    "signed_uris",
]
