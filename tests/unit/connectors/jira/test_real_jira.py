"""What Jira Cloud sends that its description does not say, read right: times, rate-limit headers, buckets, error
answers, page tokens, path segments (pure logic; the same behaviours over HTTP are in
`tests/integration/connectors/jira/test_real_jira.py`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from jira import JIRAError
from requests import Response

from connectors.http.errors import CredentialsRejected, ObjectError, RequestRejected, RetryableApiError
from connectors.http.paging import EndlessPaging
from connectors.jira.api import segment
from connectors.jira.errors import (
    CaptchaRequired,
    IssueWriteLimited,
    ProjectInaccessible,
    QuotaExhausted,
    classify_error,
)
from connectors.jira.limits import ADD_COMMENT, EDIT_ISSUE, ISSUE, SEARCH, bucket_of, issue_of, rate_limit_wait
from connectors.jira.normalise import parse_time, status_changes
from connectors.jira.source import page_guard

NOW = datetime(2027, 1, 4, 10, 30, 15, tzinfo=UTC)
CHANGED = datetime(2027, 1, 4, 10, 30, 0, tzinfo=UTC)


# -- 1. times ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "created",
    [
        1799058600000,  # epoch milliseconds: what Jira Cloud's bulkfetch and webhooks send
        "1799058600000",  # the same, as a string
        1799058600,  # epoch seconds: the shape of Atlassian's own bulkfetch example (`1492070429`)
        "2027-01-04T10:30:00.000+0000",  # Jira's ISO form in issue fields
        "2027-01-04T13:30:00.000+0300",  # another offset, same instant
        "2027-01-04T10:30:00.000+00:00",
        "2027-01-04T10:30:00Z",
    ],
)
def test_a_changelog_time_in_any_shape_jira_sends_is_the_same_instant(created: object) -> None:
    """`POST /rest/api/3/changelog/bulkfetch` types `created` as `date-time` but its example shows a number
    (`"created":1492070429`, https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/
    #api-rest-api-3-changelog-bulkfetch-post); Jira Cloud clients read epoch milliseconds there
    (https://github.com/sooperset/mcp-atlassian/pull/346), and issue fields carry `+0000` offsets. Each lands
    on the same instant, never in 1970 nor in the year 58,000."""
    assert parse_time(created, "created") == CHANGED


@pytest.mark.parametrize("created", ["yesterday", "", True, 10**20, {"at": 1}])
def test_an_unreadable_changelog_time_is_an_object_error(created: object) -> None:
    with pytest.raises(ObjectError):
        parse_time(created, "created")


def test_an_issue_with_an_unreadable_status_change_time_is_set_apart_not_given_a_wrong_time() -> None:
    """A bad `created` dead-letters that one issue; the others keep their times."""
    status = [{"field": "status", "fieldId": "status"}]
    pages = [
        {"issueId": "1", "changeHistories": [{"id": "7", "created": 1799058600000, "items": status}]},
        {"issueId": "2", "changeHistories": [{"id": "8", "created": "soon", "items": status}]},
    ]
    latest, broken = status_changes(pages)
    assert latest == {"1": CHANGED} and list(broken) == ["2"] and "changelog 8 of issue 2" in str(broken["2"])


# -- 2. rate limits ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "bucket"),
    [
        ("GET", "https://acme.atlassian.net/rest/api/3/issue/WEB-1?fields=id", ISSUE),
        ("PUT", "https://acme.atlassian.net/rest/api/3/issue/WEB-1", EDIT_ISSUE),
        ("PUT", "https://acme.atlassian.net/rest/api/2/issue/10001", EDIT_ISSUE),
        ("POST", "https://acme.atlassian.net/rest/api/3/issue/WEB-9/comment", ADD_COMMENT),
        ("GET", "https://acme.atlassian.net/rest/api/3/search/jql?jql=x", SEARCH),
    ],
)
def test_every_call_counts_in_the_bucket_of_its_method_and_endpoint(method: str, url: str, bucket: str) -> None:
    """Burst limits are "per tenant, endpoint and HTTP method" (https://developer.atlassian.com/cloud/jira/
    platform/rate-limiting/): a bucket is `"<METHOD> <path template>"`, ids and keys folded."""
    assert bucket_of(method, url) == bucket


def test_retry_after_wins_over_every_other_header() -> None:
    """Retry-After "indicates how many seconds the app must wait" (https://developer.atlassian.com/cloud/jira/
    platform/rate-limiting/)."""
    headers = {"Retry-After": "3", "X-RateLimit-Reset": "2027-01-04T10:45Z", "Beta-Retry-After": "9"}
    assert rate_limit_wait(headers, NOW) == 3


def test_without_retry_after_the_wait_runs_to_x_ratelimit_reset() -> None:
    """X-RateLimit-Reset is "the timestamp (in ISO 8601 format) when the rate limit will reset ... in the format:
    yyyy-MM-ddTHH:mmZ" (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/)."""
    assert rate_limit_wait({"X-RateLimit-Reset": "2027-01-04T10:32Z"}, NOW) == 105


def test_a_reset_already_past_at_minute_precision_leaves_the_wait_to_backoff() -> None:
    assert rate_limit_wait({"X-RateLimit-Reset": "2027-01-04T10:30Z"}, NOW) is None


def test_the_beta_headers_are_read_when_nothing_else_says() -> None:
    """Jira's beta rate-limit headers: `Beta-Retry-After`, `X-Beta-RateLimit-Reset`, and the structured
    `Beta-RateLimit: "tenant-app-quota";r=0;t=2107` (seen on Jira Cloud:
    https://community.developer.atlassian.com/t/2026-point-based-rate-limits/97828)."""
    assert rate_limit_wait({"Beta-Retry-After": "4"}, NOW) == 4
    assert rate_limit_wait({"X-Beta-RateLimit-Reset": "2027-01-04T10:31Z"}, NOW) == 45
    structured = '"tenant-app-quota";r=17842;t=90, "burst";r=0;t=2'
    assert rate_limit_wait({"Beta-RateLimit": structured}, NOW) == 2
    assert rate_limit_wait({}, NOW) is None


def refused(status: int, body: object, headers: dict[str, str] | None = None, url: str = "") -> JIRAError:
    """What the `jira` library raises for an HTTP error answer."""
    response = Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers.update(headers or {})
    response.url = url
    return JIRAError(status_code=status, text=json.dumps(body), url=url, response=response)


RATE_LIMITED = {"errorMessages": ["The request has been rate-limited. Please try again later."], "errors": {}}


def test_a_per_issue_write_limit_names_the_issue_and_pauses_no_bucket() -> None:
    """`RateLimit-Reason: jira-per-issue-on-write` limits writes to one issue ("Space out writes to that issue",
    https://developer.atlassian.com/cloud/jira/platform/build-an-app-that-respects-rate-limits/). Its error has
    no 429 status of the endpoint's bucket, so the shared caller pauses nothing else."""
    url = "https://acme.atlassian.net/rest/api/3/issue/WEB-7"
    error = classify_error(
        refused(429, RATE_LIMITED, {"Retry-After": "2", "RateLimit-Reason": "jira-per-issue-on-write"}, url), "edit"
    )
    assert isinstance(error, IssueWriteLimited) and isinstance(error, RetryableApiError)
    assert (error.issue, error.retry_after, error.status) == ("WEB-7", 2, None)


def test_a_burst_429_is_retried_after_its_wait() -> None:
    error = classify_error(
        refused(429, RATE_LIMITED, {"RateLimit-Reason": "jira-burst-based", "Retry-After": "5"}), "x"
    )
    assert isinstance(error, RetryableApiError) and not isinstance(error, IssueWriteLimited)
    assert (error.status, error.retry_after) == (429, 5)


def test_a_spent_quota_holds_every_call() -> None:
    error = classify_error(refused(429, RATE_LIMITED, {"RateLimit-Reason": "jira-quota-tenant-based"}), "x")
    assert isinstance(error, QuotaExhausted) and error.reason == "jira-quota-tenant-based"


# -- 3. 403s and 400s that are not what they seem ------------------------------------------------------------


def test_a_captcha_403_is_its_own_one_line_message() -> None:
    """`X-Authentication-Denied-Reason: CAPTCHA_CHALLENGE; login-url=...` after failed logins
    (https://developer.atlassian.com/server/jira/platform/jira-rest-api-example-basic-authentication-6291732/):
    log in in a browser to clear it, and check the token; not a permission to grant."""
    headers = {"X-Authentication-Denied-Reason": "CAPTCHA_CHALLENGE; login-url=https://acme.atlassian.net/login.jsp"}
    error = classify_error(refused(403, {"errorMessages": ["CAPTCHA_CHALLENGE"]}, headers), "search issues")
    assert isinstance(error, CaptchaRequired) and isinstance(error, CredentialsRejected)
    message = str(error)
    assert "\n" not in message and "browser" in message and "https://acme.atlassian.net/login.jsp" in message
    assert "TANDEM_JIRA_API_TOKEN" in message and "Browse projects" not in message


def test_an_ordinary_403_still_names_the_permissions() -> None:
    error = classify_error(refused(403, {"errorMessages": ["You do not have permission."]}), "search issues")
    assert isinstance(error, CredentialsRejected) and not isinstance(error, CaptchaRequired)
    assert "Browse projects" in str(error)


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (400, "The value 'APP' does not exist for the field 'project'."),
        (404, "No project could be found with key 'APP'."),
    ],
)
def test_a_project_jira_will_not_show_is_named_with_the_permission(status: int, text: str) -> None:
    """Jira answers alike for a project that does not exist and one the account may not browse
    (https://confluence.atlassian.com/jirakb/jql-error-the-value-does-not-exist-for-the-field-project-779160785.html)."""
    error = classify_error(refused(status, {"errorMessages": [text], "errors": {}}), "search issues")
    assert isinstance(error, ProjectInaccessible) and error.project == "APP" and error.status == status
    assert "'Browse projects' on APP" in str(error) and "TANDEM_JIRA_PROJECTS" in str(error)


def test_other_400s_stay_request_errors() -> None:
    error = classify_error(refused(400, {"errorMessages": ["Error in the JQL Query: 'x'"], "errors": {}}), "search")
    assert isinstance(error, RequestRejected) and not isinstance(error, ProjectInaccessible)


# -- 6. pages that never end -------------------------------------------------------------------------------------


def test_a_page_token_seen_before_ends_the_walk() -> None:
    pages = page_guard("search poll")
    pages.admit("a")
    pages.admit("b")
    with pytest.raises(EndlessPaging, match="nextPageToken already followed"):
        pages.admit("a")


def test_more_pages_than_the_cap_end_the_walk() -> None:
    pages = page_guard("search poll", limit=3)
    pages.admit("a")
    pages.admit("b")
    with pytest.raises(EndlessPaging, match="more pages after 3"):
        pages.admit("c")


# -- path segments -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "sent"),
    [
        ("WEB-1", "WEB-1"),
        ("10001", "10001"),
        ("../../../rest/api/3/myself", "..%2F..%2F..%2Frest%2Fapi%2F3%2Fmyself"),
        ("WEB-1?fields=x", "WEB-1%3Ffields%3Dx"),
        ("WEB-1#frag", "WEB-1%23frag"),
        ("a b", "a%20b"),
    ],
)
def test_a_key_is_one_percent_encoded_path_segment(key: str, sent: str) -> None:
    assert segment(key) == sent


@pytest.mark.parametrize("key", ["", ".", "..", "..."])
def test_a_key_of_dots_alone_is_refused(key: str) -> None:
    with pytest.raises(RequestRejected):
        segment(key)


def test_the_issue_of_an_encoded_path_is_the_key_itself() -> None:
    assert issue_of("https://acme.atlassian.net/rest/api/3/issue/web-1%2Fx/comment") == "WEB-1/X"
