"""Connector exceptions, named for what to do with them.

- `RetryableApiError`: try the same call again after a pause (429, 5xx, a network error, a timeout).
- `CredentialsRejected`: the vendor refused Tandem's credentials (401) or their scopes (403): stop that
  connector and say which variable to fix. Never retried.
- `RequestRejected`: any other 4xx. The request itself is wrong (a bug or a bad object); never retried and
  never silently ignored.
- `ObjectError`: one vendor object could not be turned into a record; it goes to the dead-letter topic.
- `ApiPaused`: the app's budget is on hold (a daily limit spent, until its reset): skip this work now and
  try again after `until`. Never retried in place.

Messages never carry a token, a secret or an `Authorization` header: they are built from the status, the
method and path, and the vendor's error text passed through `connectors.http.redact`.
"""

from __future__ import annotations

from streams.errors import FatalError, RetriableError


class ConnectorError(RuntimeError):
    """Something went wrong talking to a vendor API."""


class RetryableApiError(ConnectorError, RetriableError):
    """A transient failure: retry after `retry_after` seconds when the server said so, else back off."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class CredentialsRejected(ConnectorError, FatalError):
    """401/403: the connector stops; the message names the variable (and scope) to fix."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class RequestRejected(ConnectorError):
    """A 4xx other than 401/403/429: the request is wrong and retrying will not help."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class WriteUnsure(ConnectorError):
    """A write timed out or failed with a 5xx after it was sent, so it may have been carried out, and the
    vendor offers no way to look: it is not sent again (at most once, like a write interrupted by a crash)."""


class ApiPaused(ConnectorError):
    """The vendor app's budget is on hold until `until` (monotonic seconds); the message says why."""

    def __init__(self, message: str, *, until: float) -> None:
        super().__init__(message)
        self.until = until


class ObjectError(ConnectorError):
    """One vendor object cannot be normalised into a record (it is dead-lettered with this error)."""


__all__ = ["ApiPaused", "ConnectorError", "CredentialsRejected", "ObjectError", "RequestRejected", "RetryableApiError"]
