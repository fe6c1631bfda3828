"""The Jira connector against the quirks of the real Jira Cloud, each switched on in the Jira sandbox
(`sandbox/jira/quirks.py`, `PUT /_sandbox/jira/quirks`) and met over real HTTP through the `jira` library."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import requests

from connectors.http.errors import RequestRejected
from connectors.http.paging import EndlessPaging
from connectors.jira.api import JiraApi
from connectors.jira.errors import CaptchaRequired, ProjectInaccessible
from connectors.jira.limits import EDIT_ISSUE, SEARCH
from connectors.jira.sink import JiraSink
from connectors.jira.source import JiraSource
from sandbox.jira.adf import text_to_adf
from tests.integration.connectors.support import (
    Plumbing,
    control_jira,
    faults,
    load,
    scenario,
    settings_for,
    step,
    until,
)
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration

NOT_KAFKA = "127.0.0.1:9"
"""The API alone needs no broker; settings still want an address."""


def quirks(world: Sandboxes, **switches: Any) -> None:
    status, answer = control_jira(world, "PUT", "/_sandbox/jira/quirks", switches)
    assert status == 200, answer


def limits(world: Sandboxes, **changes: Any) -> None:
    status, answer = control_jira(world, "PUT", "/_sandbox/jira/limits", changes)
    assert status == 200, answer


def api(world: Sandboxes, **overrides: Any) -> JiraApi:
    return JiraApi(settings_for(world, NOT_KAFKA, "t.", **overrides))


def source(world: Sandboxes, plumbing: Plumbing, **overrides: object) -> JiraSource:
    settings = settings_for(world, plumbing.bootstrap, plumbing.prefix, **overrides)
    return JiraSource(settings, plumbing.sink, plumbing.cursors(), clock=world.world.clock.now)


def clock(world: Sandboxes, now: str) -> None:
    status, answer = world.control("PUT", "/_sandbox/clock", {"now": now})
    assert status == 200, answer


def to_in_progress(world: Sandboxes, key: str, at: str) -> None:
    step(world, {"at": at, "jira": {"update": key, "fields": {"status": {"name": "In Progress"}}}})


# -- 1. changelog times ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["epoch_ms", "iso", "epoch_s"])
async def test_status_change_times_from_the_bulk_changelog_are_right_in_every_shape_jira_sends(
    world: Sandboxes, plumbing: Plumbing, shape: str
) -> None:
    """`POST /rest/api/3/changelog/bulkfetch` types `created` as a date-time string, but its own example shows a
    number (`"created":1492070429`, https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/
    #api-rest-api-3-changelog-bulkfetch-post), and clients of Jira Cloud parse epoch milliseconds there
    (https://github.com/sooperset/mcp-atlassian/pull/346, "Added int support to parse_date" for batch
    changelogs). Read as seconds, milliseconds would be in the year 58,000; read as milliseconds, seconds in
    1970. Every shape lands on the time of the change."""
    load(world, scenario(issues=3))
    to_in_progress(world, "WEB-2", "2027-01-04T10:30:00Z")
    quirks(world, changelog_created=shape)
    jira = source(world, plumbing)
    assert (await jira.sync()).produced == 3
    records = {r["key"]: r for r in await plumbing.records("workitems", 3)}
    assert records["WEB-2"]["status_changed_at"] == "2027-01-04T10:30:00Z"
    assert records["WEB-1"]["status_changed_at"] is None
    await jira.close()


# -- 2. rate limits ----------------------------------------------------------------------------------------------


async def test_a_429_on_writes_pauses_that_endpoint_and_method_only_and_reads_go_on(world: Sandboxes) -> None:
    """Jira's burst limits are "per tenant, endpoint and HTTP method", and a 429 says `RateLimit-Reason:
    jira-burst-based` with `Retry-After` (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/):
    a 429 on `PUT /issue/{key}` pauses that bucket, while searches keep their pace."""
    load(world, scenario(issues=6))
    limits(world, write_capacity=1, write_per_second=0.34)  # Retry-After: 3 s
    jira = api(world, jira_write_requests_per_second=1000, http_max_backoff_seconds=4.0)
    sink = JiraSink(jira)
    writes = asyncio.gather(*(sink.add_labels(f"WEB-{n}", ["campaign-x"]) for n in range(1, 5)))
    await until(lambda: jira.caller.throttled > 0, within=10)
    assert jira.caller.throttled > 0 and jira.caller.budget.cool_down(EDIT_ISSUE) > 0
    before = time.monotonic()
    page = await jira.search('project = "WEB" ORDER BY key ASC', ["key"], None, 100)
    assert len(page["issues"]) == 6
    assert time.monotonic() - before < 1.0 and jira.caller.budget.cool_down(SEARCH) == 0
    await writes
    labelled = await jira.search('labels = "campaign-x"', ["key"], None, 100)
    assert len(labelled["issues"]) == 4
    jira.close()


async def test_writes_are_paced_at_the_write_rate_and_reads_at_the_read_rate(world: Sandboxes) -> None:
    """Jira's write buckets are smaller than its read buckets (the sandbox: 50/s against 100/s, per endpoint
    and method; https://developer.atlassian.com/cloud/jira/platform/rate-limiting/): Tandem keeps a bucket per
    endpoint and method, writes at TANDEM_JIRA_WRITE_REQUESTS_PER_SECOND, reads at
    TANDEM_JIRA_REQUESTS_PER_SECOND, so it stays under both without a single 429."""
    load(world, scenario(issues=3))
    jira = api(world, jira_requests_per_second=200, jira_write_requests_per_second=10)
    sink = JiraSink(jira)
    started = time.monotonic()
    await asyncio.gather(*(sink.add_labels("WEB-1" if n % 2 else "WEB-2", [f"l{n}"]) for n in range(30)))
    write_seconds = time.monotonic() - started
    started = time.monotonic()
    await asyncio.gather(*(jira.issue("WEB-3", ["key"]) for _ in range(30)))
    read_seconds = time.monotonic() - started
    assert write_seconds >= 1.0  # 30 writes at 10/s after a burst of 10
    assert read_seconds < write_seconds
    assert jira.caller.throttled == 0
    jira.close()


async def test_a_429_with_only_x_ratelimit_reset_is_waited_out(world: Sandboxes) -> None:
    """ "429 responses may be accompanied by Retry-After and X-RateLimit-Reset headers"; X-RateLimit-Reset is
    an ISO 8601 time, `yyyy-MM-ddTHH:mmZ` (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/).
    Without Retry-After, Tandem waits until that reset (or backs off when a minute-precise reset is already
    past) and the writes complete."""
    load(world, scenario(issues=4))
    quirks(world, rate_limit_headers="reset_only")
    limits(world, write_capacity=1, write_per_second=2)
    jira = api(world, jira_write_requests_per_second=1000, http_max_backoff_seconds=0.5)
    sink = JiraSink(jira)
    await asyncio.gather(*(sink.add_labels(f"WEB-{n}", ["campaign-x"]) for n in range(1, 5)))
    assert jira.caller.throttled > 0
    assert len((await jira.search('labels = "campaign-x"', ["key"], None, 100))["issues"]) == 4
    jira.close()


async def test_beta_rate_limit_headers_on_a_success_slow_that_bucket_down(world: Sandboxes) -> None:
    """For limits Atlassian measures but does not enforce yet, successful answers carry `Beta-Retry-After`
    and `X-Beta-RateLimit-*` (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/): Tandem
    pauses that bucket as if it had been refused, and nothing fails."""
    load(world, scenario(issues=2))
    quirks(world, rate_limit_headers="beta")
    limits(world, read_capacity=2, read_per_second=1)
    jira = api(world)
    await asyncio.gather(*(jira.issue("WEB-1", ["key"]) for _ in range(4)))
    assert jira.beta_pauses > 0 and jira.caller.throttled == 0
    jira.close()


async def test_the_per_issue_write_limit_pauses_writes_to_that_issue_only(world: Sandboxes) -> None:
    """Jira limits writes to one issue (`RateLimit-Reason: jira-per-issue-on-write`, "Space out writes to
    that issue", https://developer.atlassian.com/cloud/jira/platform/build-an-app-that-respects-rate-limits/):
    writes to the busy issue wait and complete, writes to other issues and reads are not paused."""
    load(world, scenario(issues=3))
    limits(world, issue_writes=[[2, 4.0]])
    jira = api(world, http_max_backoff_seconds=5.0)
    sink = JiraSink(jira)
    busy = asyncio.gather(*(sink.add_labels("WEB-1", [f"l{n}"]) for n in range(4)))
    await until(lambda: jira.issue_throttled > 0, within=10)
    assert jira.issue_throttled > 0
    assert jira.site.pause_left("WEB-1") > 0 and jira.site.pause_left("WEB-2") == 0
    assert jira.caller.budget.cool_down(EDIT_ISSUE) == 0
    before = time.monotonic()
    await sink.add_labels("WEB-2", ["other"])
    await jira.search('project = "WEB"', ["key"], None, 100)
    assert time.monotonic() - before < 1.0
    await busy
    labels = (await jira.issue("WEB-1", ["labels"]))["fields"]["labels"]
    assert sorted(labels) == ["l0", "l1", "l2", "l3"]
    jira.close()


async def test_a_per_issue_write_limit_never_stops_the_poller(world: Sandboxes, plumbing: Plumbing) -> None:
    """The per-issue write limit applies to writes (https://developer.atlassian.com/cloud/jira/platform/
    rate-limiting/): while writes to WEB-1 are refused, a poll reads and produces every issue."""
    load(world, scenario(issues=3))
    limits(world, issue_writes=[[1, 5.0]])
    jira = source(world, plumbing)
    sink = JiraSink(jira.api)
    await sink.add_labels("WEB-1", ["a"])
    refused = asyncio.create_task(sink.add_labels("WEB-1", ["b"]))
    await until(lambda: jira.api.issue_throttled > 0, within=10)
    assert jira.api.issue_throttled > 0 and not refused.done()
    assert (await jira.sync()).produced == 3
    await refused
    await jira.close()


# -- 3. 403s and 400s that are not what they seem ------------------------------------------------------------


async def test_a_captcha_403_says_to_log_in_in_a_browser_and_check_the_token(world: Sandboxes) -> None:
    """After failed logins Jira answers 403 with `X-Authentication-Denied-Reason: CAPTCHA_CHALLENGE;
    login-url=...` until the user logs in through the browser and solves the CAPTCHA
    (https://developer.atlassian.com/server/jira/platform/jira-rest-api-example-basic-authentication-6291732/,
    "CAPTCHA"). That is not a missing permission: the one-line error says what to do."""
    load(world, scenario(issues=1))
    quirks(world, captcha_after_failures=2)
    for _ in range(2):
        wrong = await asyncio.to_thread(
            requests.get, f"{world.jira_url}/rest/api/3/myself", auth=(world.jira_email, "wrong"), timeout=10
        )
        assert wrong.status_code == 401
    jira = api(world)
    with pytest.raises(CaptchaRequired) as denied:
        await jira.myself()
    message = str(denied.value)
    assert "\n" not in message and "CAPTCHA" in message and "browser" in message
    assert "TANDEM_JIRA_API_TOKEN" in message and world.jira_token not in message
    assert "Browse projects" not in message
    assert control_jira(world, "POST", "/_sandbox/jira/browser-login", {})[0] == 200
    assert (await jira.myself())["accountId"]
    jira.close()


async def test_a_project_the_account_may_not_browse_is_named_with_the_permission(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """Jira answers a JQL naming a project the account may not see like one naming no project: 400 "The value
    'WEB' does not exist for the field 'project'", and `GET /project/WEB` 404 "No project could be found with
    key 'WEB'" (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/, 400: "the
    JQL query is invalid"; https://confluence.atlassian.com/jirakb/jql-error-the-value-does-not-exist-for-the-
    field-project-779160785.html). The error names the project and the Browse projects permission."""
    load(world, scenario(issues=2))
    quirks(world, hidden_projects=["WEB"])
    jira = source(world, plumbing)
    with pytest.raises(ProjectInaccessible) as refused:
        await jira.sync()
    message = str(refused.value)
    assert "'WEB'" in message and "Browse projects" in message and "\n" not in message
    with pytest.raises(ProjectInaccessible) as missing:
        await jira.api.project("WEB")
    assert missing.value.status == 404 and missing.value.project == "WEB"
    await jira.close()


# -- 4. read-after-write -----------------------------------------------------------------------------------------


async def test_an_issue_tandem_just_wrote_is_read_back_at_once_despite_the_search_lag(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """Jira's search is eventually consistent: "The delay might vary from a few seconds to minutes"; a search
    naming issue ids in `reconcileIssues` reads them as they are now
    (https://developer.atlassian.com/cloud/jira/platform/search-and-reconcile/). Tandem reconciles the issues it
    wrote within TANDEM_JIRA_READ_AFTER_WRITE_SECONDS, so its own label is in the next poll."""
    load(world, scenario(issues=3))
    jira = source(world, plumbing)
    assert (await jira.sync()).produced == 3
    quirks(world, search_lag_seconds=30)
    clock(world, "2027-01-04T10:00:00Z")
    await JiraSink(jira.api).add_labels("WEB-2", ["campaign-x"])
    assert (await jira.sync()).produced == 1
    records = await plumbing.records("workitems", 4)
    assert [r["labels"] for r in records if r["key"] == "WEB-2"][-1] == ["campaign-x"]
    await jira.close()


async def test_without_the_read_after_write_window_the_lagging_search_misses_tandems_write(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """The counterpart of the test above: with TANDEM_JIRA_READ_AFTER_WRITE_SECONDS=0 nothing is reconciled
    and the lagging index (https://developer.atlassian.com/cloud/jira/platform/search-and-reconcile/) still
    shows the issue as it was, so the poll finds nothing new."""
    load(world, scenario(issues=3))
    jira = source(world, plumbing, jira_read_after_write_seconds=0)
    assert (await jira.sync()).produced == 3
    quirks(world, search_lag_seconds=30)
    clock(world, "2027-01-04T10:00:00Z")
    await JiraSink(jira.api).add_labels("WEB-2", ["campaign-x"])
    assert (await jira.sync()).produced == 0
    await jira.close()


# -- 5. tombstones -----------------------------------------------------------------------------------------------


async def test_an_issue_missing_from_the_listing_is_tombstoned_only_when_jira_answers_404(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """Search reads an index that lags and can lose entries (https://developer.atlassian.com/cloud/jira/platform/
    search-and-reconcile/); `GET /rest/api/3/issue/{key}` answers 404 when "the issue is not found or the user
    does not have permission to view it" (https://developer.atlassian.com/cloud/jira/platform/rest/v3/
    api-group-issues/#api-rest-api-3-issue-issueidorkey-get). Only that 404 makes a tombstone."""
    load(world, scenario(issues=4))
    jira = source(world, plumbing)
    assert (await jira.sync()).produced == 4
    quirks(world, unindexed=["WEB-2"])
    step(world, {"at": "2027-01-04T13:00:00Z", "jira": {"delete": "WEB-3"}})
    assert (await jira.reconcile()).produced == 1
    records = await plumbing.records("workitems", 5)
    assert [r["key"] for r in records if r["deleted"]] == ["WEB-3"]
    await jira.close()


# -- 6. pages that never end -------------------------------------------------------------------------------------


async def test_a_repeated_page_token_fails_the_poll_with_one_line_and_frees_the_source(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """`nextPageToken` is "The token for a page to fetch that is not the first page"
    (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/
    #api-rest-api-3-search-jql-get); a token answered again (a vendor bug, a caching proxy) would loop forever.
    The poll stops at the repeat with a one-line error, and the source is free for the next poll."""
    load(world, scenario(issues=250))
    quirks(world, repeat_page_tokens=True)
    jira = source(world, plumbing)
    started = time.monotonic()
    with pytest.raises(EndlessPaging) as endless:
        await asyncio.wait_for(jira.sync(), 60)
    assert "nextPageToken" in str(endless.value) and "\n" not in str(endless.value)
    assert jira.api.requests < 300 and time.monotonic() - started < 60  # two pages of 100, not a loop
    quirks(world, repeat_page_tokens=False)
    assert (await asyncio.wait_for(jira.sync(), 60)).produced > 0
    await jira.close()


# -- security ----------------------------------------------------------------------------------------------------


async def test_an_issue_key_cannot_climb_out_of_its_path_segment(world: Sandboxes) -> None:
    """Keys come from data (webhooks, HubSpot notes, commands); every segment Tandem puts into a REST path is
    percent-encoded (RFC 3986 §3.3: "/" separates segments, "." and ".." are dot-segments), so
    `../../../../rest/api/3/myself` (which, unencoded, resolves to `/rest/api/3/myself`) addresses an issue of
    that name — which Jira does not have — and never another endpoint; a key of dots alone (which clients and
    proxies resolve whatever its encoding) is refused before any request."""
    load(world, scenario(issues=1))
    jira = api(world)
    for key in (
        "../../../../rest/api/3/myself",
        "../../rest/api/3/myself",
        "..",
        ".",
        "WEB-1/../../../myself",
        "WEB-1?fields=x",
        "WEB-1#x",
    ):
        with pytest.raises(RequestRejected) as rejected:
            await jira.issue(key, ["id"])
        assert rejected.value.status == (400 if set(key) == {"."} else 404), key
        with pytest.raises(RequestRejected):
            await JiraSink(jira).add_labels(key, ["x"])
        with pytest.raises(RequestRejected):
            await jira.comments(key)
    assert (await jira.issue("WEB-1", ["id"]))["key"] == "WEB-1"
    jira.close()


async def test_a_marker_pasted_by_a_person_does_not_suppress_tandems_comment(world: Sandboxes) -> None:
    """Jira records a comment's author as the account that posted it (`author.accountId`,
    https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/), and `GET
    /rest/api/3/myself` names Tandem's own account. Anyone can paste `tandem:<key>` into a comment; only
    Tandem's own comments count as already posted."""
    load(world, scenario(issues=1))
    pasted = text_to_adf("Copied from Tandem's note: tandem:sig-1")
    world.call(lambda: world.world.jira.add_comment("WEB-1", pasted, author="u-1"))  # a person's comment
    jira = api(world)
    sink = JiraSink(jira)
    assert await sink.comment("WEB-1", "Launch moved to March 3.", "sig-1") is True
    assert await sink.comment("WEB-1", "Launch moved to March 3.", "sig-1") is False
    comments = (await jira.comments("WEB-1"))["comments"]
    me = await jira.account_id()
    assert sorted(c["author"]["accountId"] == me for c in comments) == [False, True]
    jira.close()


async def test_a_comment_whose_reply_times_out_is_looked_for_before_it_is_sent_again(world: Sandboxes) -> None:
    """A POST that times out may have been carried out: Jira posts the comment and its reply is lost (the
    sandbox's `write_reply_delay_ms`). Jira's comment API has no idempotency key
    (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/), so a blind retry
    posts it twice; Tandem looks for its marker on its own comments before each resend."""
    load(world, scenario(issues=1))
    jira = api(world, http_timeout_seconds=1.0, http_max_backoff_seconds=0.5)
    faults(world, "jira", write_reply_delay_ms=3_000)
    try:
        assert await JiraSink(jira).comment("WEB-1", "Launch moved to March 3.", "sig-timeout") is True
    finally:
        faults(world, "jira", write_reply_delay_ms=0)
    comments = (await jira.comments("WEB-1"))["comments"]
    assert sum("tandem:sig-timeout" in str(c["body"]) for c in comments) == 1
    assert jira.caller.looked_and_found == 1
    jira.close()
