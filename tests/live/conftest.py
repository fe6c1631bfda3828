"""The live contract tests: Tandem's own clients against the real HubSpot and Jira, every answer validated.

They run only when credentials are given and are skipped with one line otherwise (the reasons are printed at
the end of every run, `-rs` or not):

- `TANDEM_LIVE_HUBSPOT_TOKEN`: a private-app access token; runs the HubSpot reads.
- `TANDEM_LIVE_HUBSPOT_URL`: HubSpot's API (default `https://api.hubapi.com`).
- `TANDEM_LIVE_JIRA_URL`, `TANDEM_LIVE_JIRA_EMAIL`, `TANDEM_LIVE_JIRA_API_TOKEN`: a Jira Cloud site, an
  account and one of its API tokens; runs the Jira reads.
- `TANDEM_LIVE_JIRA_PROJECT`: the project to read (default: the scratch issue's, else the latest issue's).
- `TANDEM_LIVE_SCRATCH_JIRA_ISSUE`: an issue the tests may write into: a label, a comment, a remote link
  and a date field, each undone.
- `TANDEM_LIVE_SCRATCH_JIRA_DATE_FIELD`: the date field set and restored there (default `duedate`).
- `TANDEM_LIVE_SCRATCH_JIRA_WEBHOOK_URL`: an https URL a test admin webhook may point at (registered,
  updated, deleted).
- `TANDEM_LIVE_SCRATCH_HUBSPOT_CAMPAIGN`: a campaign whose `hs_notes` the tests may write (restored).
- `TANDEM_LIVE_SCRATCH_HUBSPOT_CONTACT`: a contact the tests may hang a note on; they create a task
  too (both deleted).

Each client talks to a `ValidatingProxy` on loopback that forwards to the vendor and checks every answer
against the vendor's OpenAPI files in `sandbox/specs/`; a test fails when any answer broke them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from connectors.hubspot.api import HubSpotApi
from connectors.jira.api import JiraApi
from sandbox.hubspot.app import spec_paths
from sandbox.jira.conformance import JiraConformance
from sandbox.runner import JIRA_SPEC
from sandbox.validation import ResponseValidator
from tandem.settings import Settings, load_settings
from tests.live.proxy import ValidatingProxy

HUBSPOT_URL = "https://api.hubapi.com"
JIRA_VARIABLES = ("TANDEM_LIVE_JIRA_URL", "TANDEM_LIVE_JIRA_EMAIL", "TANDEM_LIVE_JIRA_API_TOKEN")
LIVE_HTTP = {"http_max_attempts": 4, "http_max_backoff_seconds": 5.0, "allow_insecure_urls": True}
"""A vendor that keeps failing is reported in seconds, not waited out; Tandem talks to the validating proxy on
loopback (plain http), the proxy to the vendor over https."""


def live(name: str) -> str | None:
    """The value of `name`, None when unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or None


def scratch(name: str, what: str) -> str:
    """The scratch record named by `name`, or skip: the test writes, and writes only where it is told to."""
    value = live(name)
    if value is None:
        pytest.skip(f"live write test: set {name} to {what} to run it")
    return value


@dataclass
class Live:
    """One vendor behind the validating proxy: `api` is Tandem's client for it, pointed at the proxy."""

    proxy: ValidatingProxy
    settings: Settings

    def assert_conformant(self) -> None:
        """No answer broke the description, and answers were really checked against it."""
        failures = self.proxy.take_failures()
        assert failures == [], "live answers that broke the vendor's OpenAPI description:\n" + "\n".join(failures)
        assert self.proxy.exchanges, "no request reached the vendor through the validating proxy"
        assert self.checked() > 0, "no answer was validated against the vendor's description"

    def checked(self) -> int:
        """How many answers the validator checked against the description."""
        validator = self.proxy.validator
        inner = getattr(validator, "inner", validator)
        return int(getattr(inner, "checked", 0))

    def answered(self, method: str, path_start: str) -> bool:
        """Whether the vendor answered a `method` request to a path starting with `path_start`."""
        return any(e.method == method and e.path.startswith(path_start) for e in self.proxy.exchanges)


@dataclass
class LiveHubSpot(Live):
    api: HubSpotApi


@dataclass
class LiveJira(Live):
    api: JiraApi
    conformance: JiraConformance


@pytest.fixture
async def live_hubspot() -> AsyncIterator[LiveHubSpot]:
    token = live("TANDEM_LIVE_HUBSPOT_TOKEN")
    if token is None:
        pytest.skip("HubSpot live contract tests: set TANDEM_LIVE_HUBSPOT_TOKEN to a private-app token to run them")
    upstream = live("TANDEM_LIVE_HUBSPOT_URL") or HUBSPOT_URL
    proxy = ValidatingProxy(upstream, ResponseValidator(spec_paths(), upstream))
    url = await proxy.start()
    settings = load_settings(hubspot_base_url=url, hubspot_token=token, **LIVE_HTTP)
    api = HubSpotApi(settings)
    try:
        yield LiveHubSpot(proxy, settings, api)
    finally:
        api.close()
        await proxy.stop()


@pytest.fixture
async def live_jira() -> AsyncIterator[LiveJira]:
    missing = [name for name in JIRA_VARIABLES if live(name) is None]
    if missing:
        pytest.skip(f"Jira live contract tests: set {', '.join(missing)} to run them")
    upstream = str(live("TANDEM_LIVE_JIRA_URL")).rstrip("/")
    conformance = JiraConformance(ResponseValidator([JIRA_SPEC], upstream, lenient_offsets=True))
    proxy = ValidatingProxy(upstream, conformance)
    url = await proxy.start()
    settings = load_settings(
        jira_url=url,
        jira_email=live("TANDEM_LIVE_JIRA_EMAIL"),
        jira_api_token=live("TANDEM_LIVE_JIRA_API_TOKEN"),
        **LIVE_HTTP,
    )
    api = JiraApi(settings)
    try:
        yield LiveJira(proxy, settings, api, conformance)
    finally:
        api.close()
        await proxy.stop()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "live: calls the real HubSpot or Jira (runs only given TANDEM_LIVE_* variables)")


def _skip_reason(report: Any) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say why live contract tests did not run, one line per reason, whatever `-r` the run was given."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        if str(getattr(report, "nodeid", "")).startswith("tests/live/"):
            reason = _skip_reason(report)
            reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        terminalreporter.section("live contract tests not run")
        for reason, count in sorted(reasons.items()):
            terminalreporter.line(f"{count} skipped — {reason}")


@pytest.fixture
def no_leftovers() -> Iterator[list[str]]:
    """Cleanup steps that failed, reported after the test (a live write test must leave nothing behind)."""
    problems: list[str] = []
    yield problems
    assert problems == [], "the live test could not clean up after itself:\n" + "\n".join(problems)
