"""Waiting out a vendor that is down: the retry policy of the records that must reach HubSpot or Jira.

A call gives up after `TANDEM_HTTP_MAX_ATTEMPTS` attempts (about a minute of backoff) and raises a
`RetryableApiError`. A write-back or an alert that met one is not dead-lettered at once: a vendor outage of
minutes or hours would otherwise leave every write made meanwhile in the dead-letter topic, for an operator to
replay. It is tried again, at most once a minute, until `TANDEM_OUTAGE_PATIENCE_SECONDS` have passed since the
first try; the records behind it in its partition wait with it, so their order holds. Other transient errors
keep the short budget of `attempts`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from tenacity import RetryCallState, wait_exponential_jitter

from connectors.http.errors import RetryableApiError

log = logging.getLogger(__name__)

MAX_PAUSE = 60.0
"""Seconds between two tries while a vendor is down (the call's own retries came first)."""


def vendor_down(error: BaseException | None) -> bool:
    """The vendor is unavailable or over its limit (after the call's own retries), as opposed to refusing."""
    seen = error
    while seen is not None:
        if isinstance(seen, RetryableApiError):
            return True
        seen = seen.__cause__
    return False


def give_up(attempts: int, patience: float, what: str) -> Callable[[RetryCallState], bool]:
    """A tenacity `stop`: after `patience` seconds when the vendor is down, else after `attempts` tries."""

    def stop(state: RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome is not None else None
        if not vendor_down(error):
            return state.attempt_number >= attempts
        waited = state.seconds_since_start or 0.0
        if waited >= patience:
            log.warning(
                "%s: the vendor stayed down for %.0f s (TANDEM_OUTAGE_PATIENCE_SECONDS); giving up", what, waited
            )
            return True
        if state.attempt_number == attempts:
            log.warning("%s: the vendor is down (%s); waiting it out, a try a minute", what, error)
        return False

    return stop


def pause(multiplier: float, short_max: float) -> Callable[[RetryCallState], float]:
    """A tenacity `wait`: exponential with jitter up to `short_max`, and up to `MAX_PAUSE` while a vendor is down."""
    short = wait_exponential_jitter(multiplier=multiplier, max=short_max)
    long = wait_exponential_jitter(multiplier=multiplier, max=MAX_PAUSE)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        return float(long(state) if vendor_down(error) else short(state))

    return wait


__all__ = ["MAX_PAUSE", "give_up", "pause", "vendor_down"]
