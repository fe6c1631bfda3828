"""Faults on the HubSpot sandbox, switched through the control plane: 5xx, 429 storms, outages, latency."""

from __future__ import annotations

import time

import pytest

from tests.integration.sandbox.hubspot_support import call, seed
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration
CAMPAIGNS = "/marketing/v3/campaigns"


def faults(sandboxes: Sandboxes, **config: object) -> None:
    status, answer = sandboxes.control("PUT", "/_sandbox/faults/hubspot", config)
    assert status == 200, answer


def run(sandboxes: Sandboxes, count: int) -> list[int]:
    return [call(sandboxes, "GET", CAMPAIGNS).status_code for _ in range(count)]


def test_an_error_rate_answers_that_share_with_hubspot_shaped_5xx(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    faults(hubspot_sandbox, error_rate=0.5, seed=11)
    statuses = run(hubspot_sandbox, 60)
    errors = [s for s in statuses if s != 200]
    assert set(errors) <= {500, 502, 503} and 15 <= len(errors) <= 45
    response = next(r for r in (call(hubspot_sandbox, "GET", CAMPAIGNS) for _ in range(20)) if r.status_code >= 500)
    assert response.json()["status"] == "error" and response.json()["correlationId"]


def test_faults_are_deterministic_for_a_seed(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    runs = []
    for _ in range(2):
        faults(hubspot_sandbox, error_rate=0.3, storm_rate=0.2, seed=5)
        runs.append(run(hubspot_sandbox, 40))
    assert runs[0] == runs[1]
    assert len(set(runs[0])) > 2


def test_a_429_storm_carries_hubspots_rate_limit_body(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    faults(hubspot_sandbox, storm_rate=1.0)
    response = call(hubspot_sandbox, "GET", CAMPAIGNS)
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert response.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    faults(hubspot_sandbox, storm_rate=1.0, storm_retry_after=False)
    assert "Retry-After" not in call(hubspot_sandbox, "GET", CAMPAIGNS).headers


def test_an_outage_window_on_the_sandbox_clock_answers_503(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)  # clock frozen at 2027-01-04T09:00Z
    faults(hubspot_sandbox, outages=[["2027-01-04T10:00:00Z", "2027-01-04T11:00:00Z"]])
    assert run(hubspot_sandbox, 2) == [200, 200]
    hubspot_sandbox.control("PUT", "/_sandbox/clock", {"now": "2027-01-04T10:30:00Z"})
    assert run(hubspot_sandbox, 2) == [503, 503]
    hubspot_sandbox.control("PUT", "/_sandbox/clock", {"now": "2027-01-04T11:00:00Z"})
    assert run(hubspot_sandbox, 1) == [200]


def test_latency_slows_every_request(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    faults(hubspot_sandbox, latency_ms=150)
    began = time.monotonic()
    assert run(hubspot_sandbox, 2) == [200, 200]
    assert time.monotonic() - began >= 0.3


def test_clearing_faults_restores_normal_service(hubspot_sandbox: Sandboxes) -> None:
    seed(hubspot_sandbox)
    faults(hubspot_sandbox, error_rate=1.0)
    assert run(hubspot_sandbox, 1)[0] >= 500
    status, _ = hubspot_sandbox.control("DELETE", "/_sandbox/faults/hubspot")
    assert status == 200
    assert run(hubspot_sandbox, 3) == [200, 200, 200]


def test_faults_come_before_authentication(hubspot_sandbox: Sandboxes) -> None:
    """An outage at HubSpot's edge answers before credentials are even looked at."""
    seed(hubspot_sandbox)
    faults(hubspot_sandbox, error_rate=1.0)
    assert call(hubspot_sandbox, "GET", CAMPAIGNS, token="wrong").status_code in (500, 502, 503)
