"""Basic auth with an email and API token, and Jira Cloud's burst rate limit, as the real site answers them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import requests
from aiohttp import web
from jira import JIRA, JIRAError

from sandbox.core import SandboxWorld
from sandbox.jira.app import create_app
from sandbox.jira.ratelimit import JiraLimits
from sandbox.runner import JIRA_SPEC
from sandbox.validation import ResponseValidator
from tests.integration.sandbox.jira_support import call, client, free_port, jira_sandbox, seed, url
from tests.sandbox_fixtures import LoopThread, Sandboxes

pytestmark = pytest.mark.integration
__all__ = ["jira_sandbox"]

AUTH_BODY = {"message": "Client must be authenticated to access this resource.", "status-code": 401}


def test_a_wrong_token_is_jiras_401(jira_sandbox: Sandboxes) -> None:
    response = call(jira_sandbox, "GET", "/rest/api/3/myself", auth=(jira_sandbox.jira_email, "wrong"))
    assert response.status_code == 401
    assert response.json() == AUTH_BODY
    assert response.headers["X-Seraph-LoginReason"] == "AUTHENTICATED_FAILED"
    assert response.headers["WWW-Authenticate"].startswith('OAuth realm="')


def test_a_wrong_email_is_a_401(jira_sandbox: Sandboxes) -> None:
    response = call(jira_sandbox, "GET", "/rest/api/3/myself", auth=("someone@else.test", jira_sandbox.jira_token))
    assert response.status_code == 401


def test_missing_credentials_are_a_401(jira_sandbox: Sandboxes) -> None:
    response = requests.get(f"{url(jira_sandbox)}/rest/api/3/search/jql", params={"jql": "project = WEB"}, timeout=10)
    assert response.status_code == 401
    assert response.json() == AUTH_BODY
    assert "X-Seraph-LoginReason" not in response.headers


def test_the_client_raises_on_bad_credentials(jira_sandbox: Sandboxes) -> None:
    with pytest.raises(JIRAError) as raised:
        client(jira_sandbox, token="nope")
    assert raised.value.status_code == 401


def test_rejected_requests_are_still_logged_as_writes(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    call(jira_sandbox, "PUT", "/rest/api/3/issue/WEB-1", json={"fields": {"summary": "x"}}, auth=("a", "b"))
    assert [(w.method, w.status) for w in jira_sandbox.world.writes.entries()] == [("PUT", 401)]


@dataclass
class LimitedSite:
    url: str
    world: SandboxWorld
    validator: ResponseValidator


@pytest.fixture
def limited() -> Iterator[LimitedSite]:
    """A Jira sandbox of its own with a tiny burst limit: 3 reads, refilled at one per 4 s (slow enough that a
    loaded machine cannot refill it between the test's requests)."""
    thread = LoopThread()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    world = SandboxWorld()
    validator = ResponseValidator([JIRA_SPEC], base)
    app = create_app(
        world, base_url=base, validator=validator, limits=JiraLimits(read_capacity=3, read_per_second=0.25)
    )
    world.clock.set(datetime(2027, 1, 4, 9, tzinfo=UTC))

    async def start() -> web.AppRunner:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner

    runner = thread.run(start())
    try:
        yield LimitedSite(base, world, validator)
        assert validator.take_failures() == []
    finally:
        thread.run(runner.cleanup())
        thread.close()


def get_fields(site: LimitedSite) -> requests.Response:
    credentials = (site.world.credentials.jira_email, site.world.credentials.jira_token)
    return requests.get(f"{site.url}/rest/api/3/field", auth=credentials, timeout=10)


def test_over_the_burst_limit_is_a_429_with_jiras_headers(limited: LimitedSite) -> None:
    statuses = [get_fields(limited).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = get_fields(limited)
    assert response.status_code == 429
    assert response.json() == {
        "errorMessages": ["The request has been rate-limited. Please try again later."],
        "errors": {},
        "status": 429,
    }
    assert int(response.headers["Retry-After"]) >= 1
    assert response.headers["X-RateLimit-Limit"] == "3"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.headers["RateLimit-Reason"] == "jira-burst-based"
    reset = datetime.strptime(response.headers["X-RateLimit-Reset"], "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
    assert reset >= datetime.now(UTC).replace(second=0, microsecond=0)


def test_the_burst_refills(limited: LimitedSite) -> None:
    for _ in range(3):
        get_fields(limited)
    assert get_fields(limited).status_code == 429
    time.sleep(4.1)
    assert get_fields(limited).status_code == 200


def test_each_endpoint_has_its_own_bucket(limited: LimitedSite) -> None:
    for _ in range(4):
        get_fields(limited)
    credentials = (limited.world.credentials.jira_email, limited.world.credentials.jira_token)
    assert requests.get(f"{limited.url}/rest/api/3/myself", auth=credentials, timeout=10).status_code == 200


def test_a_nearly_empty_bucket_is_flagged(limited: LimitedSite) -> None:
    get_fields(limited)
    get_fields(limited)
    assert get_fields(limited).headers.get("X-RateLimit-NearLimit") == "true"


def test_the_client_waits_out_a_429_and_succeeds(limited: LimitedSite) -> None:
    credentials = (limited.world.credentials.jira_email, limited.world.credentials.jira_token)
    jira = JIRA(server=limited.url, basic_auth=credentials, options={"rest_api_version": "3"})
    for _ in range(3):
        get_fields(limited)
    assert len(jira.fields()) > 30
