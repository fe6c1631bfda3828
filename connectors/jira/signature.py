"""Jira admin-webhook signatures: `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>` (pure)."""

from __future__ import annotations

import hashlib
import hmac


def jira_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def jira_signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` signs `body` under `secret`; compared in constant time. A header that is not ASCII
    (not even UTF-8: aiohttp hands such bytes over as surrogates) is refused before the comparison."""
    if not header or not header.isascii():
        return False
    return hmac.compare_digest(jira_signature(secret, body).encode("ascii"), header.strip().encode("ascii"))


__all__ = ["jira_signature", "jira_signature_valid"]
