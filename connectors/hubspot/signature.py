"""HubSpot webhook signatures, version 3 (pure apart from the clock it is given).

`X-HubSpot-Signature-v3` = base64(HMAC-SHA256(client secret, method + URI + body + timestamp)); requests
whose `X-HubSpot-Request-Timestamp` is more than 5 minutes away from now are refused. The check itself is
`hubspot.utils.signature.Signature.is_valid(..., signature_version="v3")`; this module adds the window in
both directions (the library only refuses old timestamps) and never raises.
"""

from __future__ import annotations

from hubspot.exceptions import InvalidSignatureTimestampError
from hubspot.utils.signature import Signature

WINDOW_MS = 5 * 60 * 1000


def hubspot_signature_valid(
    secret: str, *, method: str, uri: str, body: bytes, signature: str | None, timestamp: str | None, now_ms: int
) -> tuple[bool, str]:
    """(valid, why not)."""
    if not signature or not timestamp:
        return False, "missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp"
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
    try:
        valid = Signature.is_valid(
            signature=signature,
            client_secret=secret,
            request_body=text,
            http_uri=uri,
            http_method=method,
            signature_version="v3",
            timestamp=timestamp,
        )
    except InvalidSignatureTimestampError:
        return False, "stale X-HubSpot-Request-Timestamp"
    return (True, "") if valid else (False, "signature does not match")


__all__ = ["WINDOW_MS", "hubspot_signature_valid"]
