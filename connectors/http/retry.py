"""The retry policy of every vendor call: `Retry-After` first, then exponential backoff with jitter,
capped per pause and bounded in attempts.

Only `RetryableApiError` is retried (429, 5xx, network errors, timeouts). Credentials problems and other
4xx fail at once: retrying cannot fix them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.wait import wait_base

from connectors.http.errors import RetryableApiError
from tandem.settings import Settings

log = logging.getLogger(__name__)

RETRIED_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def parse_retry_after(value: str | None, now_epoch: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date; None when absent or bad."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if now_epoch is None:
            import time

            now_epoch = time.time()
        seconds = when.timestamp() - now_epoch
    return max(0.0, seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry one call."""

    max_attempts: int = 8
    initial_backoff: float = 0.5
    max_backoff: float = 60.0
    jitter: float = 0.5

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        """`TANDEM_HTTP_MAX_ATTEMPTS` attempts, backing off up to `TANDEM_HTTP_MAX_BACKOFF_SECONDS`."""
        return cls(max_attempts=settings.http_max_attempts, max_backoff=settings.http_max_backoff_seconds)

    def backoff(self) -> wait_exponential_jitter:
        return wait_exponential_jitter(multiplier=self.initial_backoff, max=self.max_backoff, jitter=self.jitter)

    def pause(self, retry_state: RetryCallState) -> float:
        """Seconds before the next attempt: the server's `Retry-After` (capped) else backoff with jitter."""
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, RetryableApiError) and error.retry_after is not None:
            return min(error.retry_after, self.max_backoff)
        return float(self.backoff()(retry_state))

    def retrying(self, what: str) -> AsyncRetrying:
        """A tenacity loop that retries `RetryableApiError` by this policy, logging each pause."""
        return AsyncRetrying(
            retry=retry_if_exception_type(RetryableApiError),
            stop=stop_after_attempt(self.max_attempts),
            wait=_PolicyWait(self),
            before_sleep=lambda state: _log_retry(what, state),
            reraise=True,
        )


class _PolicyWait(wait_base):
    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy

    def __call__(self, retry_state: RetryCallState) -> float:
        return self.policy.pause(retry_state)


def _log_retry(what: str, state: RetryCallState) -> None:
    error: Any = state.outcome.exception() if state.outcome is not None else None
    pause = state.next_action.sleep if state.next_action is not None else 0.0
    log.info("%s: %s; attempt %d, retrying in %.1fs", what, error, state.attempt_number, pause)


__all__ = ["RETRIED_STATUSES", "RetryPolicy", "parse_retry_after"]
