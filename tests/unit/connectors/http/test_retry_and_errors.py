"""The retry policy and the classification of vendor failures (pure)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import requests
from tenacity import RetryCallState

from connectors.http.caller import leaky_bucket
from connectors.http.classify import HttpFailure, classify, failure_from, vendor_detail
from connectors.http.errors import CredentialsRejected, RequestRejected, RetryableApiError
from connectors.http.retry import RetryPolicy, parse_retry_after
from connectors.hubspot.api import rolling_window_bucket


def state_after(error: BaseException, attempt: int) -> RetryCallState:
    state = RetryCallState(retry_object=SimpleNamespace(), fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempt
    state.set_exception((type(error), error, None))
    return state


def test_retry_after_comes_first_and_is_capped() -> None:
    policy = RetryPolicy(max_backoff=10.0)
    assert policy.pause(state_after(RetryableApiError("x", status=429, retry_after=3.0), 1)) == 3.0
    assert policy.pause(state_after(RetryableApiError("x", status=503, retry_after=500.0), 1)) == 10.0


def test_without_retry_after_the_pause_grows_exponentially_with_jitter_up_to_the_cap() -> None:
    policy = RetryPolicy(initial_backoff=0.5, max_backoff=8.0, jitter=0.5)
    pauses = [policy.pause(state_after(RetryableApiError("x", status=500), n)) for n in range(1, 9)]
    assert 0.5 <= pauses[0] <= 1.0 and 2.0 <= pauses[2] <= 2.5
    assert all(p <= 8.0 for p in pauses) and pauses[-1] == 8.0


async def test_retries_are_bounded_and_only_for_retryable_errors() -> None:
    policy = RetryPolicy(max_attempts=3, initial_backoff=0.001, max_backoff=0.002)
    calls = 0
    with pytest.raises(RetryableApiError):
        async for attempt in policy.retrying("t"):
            with attempt:
                calls += 1
                raise RetryableApiError("down", status=503)
    assert calls == 3
    calls = 0
    with pytest.raises(RequestRejected):
        async for attempt in policy.retrying("t"):
            with attempt:
                calls += 1
                raise RequestRejected("bad", status=400)
    assert calls == 1


def test_retry_after_as_seconds_or_http_date() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now_epoch=1445412480.0) == 10.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def kind(status: int, retry_after: str | None = None) -> BaseException:
    headers = {"Retry-After": retry_after} if retry_after else {}
    failure = failure_from(status, headers, b'{"errorMessages": ["nope"], "errors": {}}')
    return classify(failure, "read", system="Jira", on_unauthorized="set TANDEM_JIRA_API_TOKEN", on_forbidden="grant")


def test_statuses_map_to_what_to_do() -> None:
    unauthorized = kind(401)
    assert isinstance(unauthorized, CredentialsRejected) and "TANDEM_JIRA_API_TOKEN" in str(unauthorized)
    assert isinstance(kind(403), CredentialsRejected)
    limited = kind(429, "7")
    assert isinstance(limited, RetryableApiError) and limited.retry_after == 7.0
    assert isinstance(kind(502), RetryableApiError) and isinstance(kind(408), RetryableApiError)
    rejected = kind(400)
    assert isinstance(rejected, RequestRejected) and "nope" in str(rejected)  # never silently ignored
    assert isinstance(kind(404), RequestRejected)
    network = classify(requests.ConnectionError("reset"), "read", system="Jira", on_unauthorized="", on_forbidden="")
    assert isinstance(network, RetryableApiError)
    assert isinstance(classify(KeyError("bug"), "read", system="Jira", on_unauthorized="", on_forbidden=""), KeyError)


def test_vendor_error_text_is_extracted_and_redacted() -> None:
    body = b'{"status":"error","message":"Bearer pat-na1-abcdef123456 is bad","category":"VALIDATION_ERROR"}'
    text = vendor_detail(body)
    assert "pat-na1-abcdef123456" not in text and "is bad" in text and "VALIDATION_ERROR" in text
    assert isinstance(HttpFailure(500, "x"), Exception)


def test_client_buckets_stay_under_the_vendors_limits() -> None:
    rate, burst = rolling_window_bucket(180, 10.0)
    assert burst + rate * 10.0 <= 190  # any rolling 10 s window of HubSpot's limit
    limiter = leaky_bucket(95.0, 20)()
    assert limiter.max_rate == 20 and limiter.time_period == pytest.approx(20 / 95.0)
