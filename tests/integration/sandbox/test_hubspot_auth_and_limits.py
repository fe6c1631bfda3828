"""Authentication and the TEN_SECONDLY_ROLLING rate limit of the HubSpot sandbox."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from hubspot.crm.owners.exceptions import ApiException

from sandbox.runner import start_sandboxes
from tests.integration.sandbox.hubspot_support import call, client, seed
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration
CAMPAIGNS = "/marketing/v3/campaigns"


def test_a_wrong_token_is_a_401_with_hubspots_body(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    response = call(hubspot_sandbox, "GET", CAMPAIGNS, token="pat-na1-wrong")
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == "error" and body["category"] == "INVALID_AUTHENTICATION"
    assert body["message"].startswith("Authentication credentials not found.") and body["correlationId"]


def test_a_missing_token_is_a_401_for_the_typed_client_too(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    with pytest.raises(ApiException) as caught:
        client(hubspot_sandbox, token="nope").crm.owners.owners_api.get_page()
    assert caught.value.status == 401
    import requests

    assert requests.get(f"{hubspot_sandbox.hubspot_url}{CAMPAIGNS}", timeout=10).status_code == 401


def test_rejected_writes_are_still_logged(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    call(hubspot_sandbox, "POST", CAMPAIGNS, body={"properties": {"hs_name": "x"}}, token="wrong")
    _, writes = hubspot_sandbox.control("GET", "/_sandbox/writes")
    assert [(w["method"], w["status"]) for w in writes] == [("POST", 401)]


def test_successful_responses_carry_the_rate_limit_headers(hubspot_sandbox: Sandboxes) -> None:
    """HubSpot sends X-HubSpot-RateLimit-* on every response, not only on 429s."""
    seed(hubspot_sandbox)
    first = call(hubspot_sandbox, "GET", CAMPAIGNS)
    second = call(hubspot_sandbox, "GET", CAMPAIGNS)
    assert first.headers["X-HubSpot-RateLimit-Max"] == "190"
    assert first.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert (
        int(first.headers["X-HubSpot-RateLimit-Remaining"]) - int(second.headers["X-HubSpot-RateLimit-Remaining"]) == 1
    )


@pytest.fixture
def tight(sandboxes: Sandboxes) -> Iterator[Sandboxes]:
    """A second HubSpot sandbox allowing 5 requests per rolling 3 s (the real default is 190 per 10 s)."""
    running = sandboxes.thread.run(start_sandboxes(validate=True, hubspot_rate_limit=(5, 3.0)))
    handle = Sandboxes(running, sandboxes.thread)
    try:
        yield handle
        handle.assert_conformant()
    finally:
        sandboxes.thread.run(running.stop())


def test_exceeding_the_rolling_window_is_a_429_with_hubspots_body_and_headers(tight: Sandboxes) -> None:
    statuses = [call(tight, "GET", CAMPAIGNS).status_code for _ in range(5)]
    assert statuses == [200] * 5
    limited = call(tight, "GET", CAMPAIGNS)
    assert limited.status_code == 429
    body = limited.json()
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert (body["status"], body["errorType"], body["policyName"]) == ("error", "RATE_LIMIT", "TEN_SECONDLY_ROLLING")
    assert body["correlationId"] and body["groupName"]
    assert limited.headers["X-HubSpot-RateLimit-Max"] == "5"
    assert limited.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert limited.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "3000"


def test_the_window_rolls_so_capacity_returns_after_it(tight: Sandboxes) -> None:
    for _ in range(5):
        call(tight, "GET", CAMPAIGNS)
    assert call(tight, "GET", CAMPAIGNS).status_code == 429
    time.sleep(3.05)
    assert call(tight, "GET", CAMPAIGNS).status_code == 200


def test_the_limit_is_per_token_and_auth_comes_first(tight: Sandboxes) -> None:
    """A wrong token is refused with 401 without using up the real token's window."""
    for _ in range(10):
        assert call(tight, "GET", CAMPAIGNS, token="wrong").status_code == 401
    assert call(tight, "GET", CAMPAIGNS).status_code == 200
