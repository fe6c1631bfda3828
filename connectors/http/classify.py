"""Turns what an HTTP client raised or answered into a `connectors.http.errors` exception (pure).

`HttpFailure` is what the connectors raise inside their worker threads for a non-2xx answer: the status,
the headers that matter (`Retry-After`) and the vendor's error text, already redacted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import requests
import urllib3

from connectors.http.errors import CredentialsRejected, RequestRejected, RetryableApiError
from connectors.http.redact import redact
from connectors.http.retry import RETRIED_STATUSES, parse_retry_after


class HttpFailure(Exception):
    """A non-2xx answer: status, `Retry-After` (seconds or None) and the vendor's error text."""

    def __init__(self, status: int, detail: str, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail
        self.retry_after = retry_after


def vendor_detail(body: Any, limit: int = 500) -> str:
    """The human part of a vendor error body (HubSpot `message`, Jira `errorMessages`/`errors`), redacted."""
    data = body
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            data = json.loads(body)
        except ValueError:
            return redact(" ".join(body.split()))[:limit]
    parts: list[str] = []
    if isinstance(data, dict):
        for key in ("message", "errorType", "category"):
            if isinstance(data.get(key), str):
                parts.append(data[key])
        messages = data.get("errorMessages")
        if isinstance(messages, list):
            parts.extend(str(m) for m in messages)
        errors = data.get("errors")
        if isinstance(errors, dict):
            parts.extend(f"{k}: {v}" for k, v in errors.items())
        elif isinstance(errors, list):
            parts.extend(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors[:5])
    text = "; ".join(p for p in parts if p) or (json.dumps(data)[:limit] if data is not None else "")
    return redact(text)[:limit]


def failure_from(status: int, headers: Mapping[str, str] | None, body: Any) -> HttpFailure:
    retry_after = parse_retry_after((headers or {}).get("Retry-After")) if headers else None
    return HttpFailure(status, vendor_detail(body), retry_after)


def classify(exc: BaseException, what: str, *, system: str, on_unauthorized: str, on_forbidden: str) -> BaseException:
    """The `connectors.http.errors` exception for `exc`, raised by a call doing `what`."""
    if isinstance(exc, HttpFailure):
        status = exc.status
        if status == 401:
            return CredentialsRejected(
                f"{system} rejected the credentials (401 {exc.detail}): {on_unauthorized}", status=401
            )
        if status == 403:
            return CredentialsRejected(f"{system} denied {what} (403 {exc.detail}): {on_forbidden}", status=403)
        if status in RETRIED_STATUSES or status >= 500:
            return RetryableApiError(
                f"{system} {what}: HTTP {status} {exc.detail}", status=status, retry_after=exc.retry_after
            )
        return RequestRejected(f"{system} {what}: HTTP {status} {exc.detail}", status=status)
    if isinstance(
        exc, requests.ConnectionError | requests.Timeout | urllib3.exceptions.HTTPError | ConnectionError | TimeoutError
    ):
        return RetryableApiError(f"{system} {what}: {type(exc).__name__}: {redact(str(exc))[:300]}")
    return exc


__all__ = ["HttpFailure", "classify", "failure_from", "vendor_detail"]
