"""The Jira sandbox's Jira Cloud behaviours (`sandbox/jira/quirks.py`, `PUT /_sandbox/jira/quirks`): bulk
changelog times, an eventually consistent search with `reconcileIssues`, a lost index entry, repeated page
tokens, projects the account may not browse, the CAPTCHA after failed logins, and the rate-limit header styles
and per-issue write limit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from tests.integration.sandbox.jira_support import SPRING, call, jira_sandbox, seed, step, url
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration
__all__ = ["jira_sandbox"]


def quirks(sandboxes: Sandboxes, **switches: Any) -> requests.Response:
    return requests.put(f"{url(sandboxes)}/_sandbox/jira/quirks", json=switches, timeout=10)


def limits(sandboxes: Sandboxes, **changes: Any) -> None:
    response = requests.put(f"{url(sandboxes)}/_sandbox/jira/limits", json=changes, timeout=10)
    assert response.status_code == 200, response.text


def to_in_progress(sandboxes: Sandboxes) -> None:
    step(sandboxes, "2027-01-06T10:00:00Z", {"update": "WEB-2", "fields": {"status": {"name": "In Progress"}}})


def bulk_created(sandboxes: Sandboxes) -> Any:
    body = call(sandboxes, "POST", "/rest/api/3/changelog/bulkfetch", json={"issueIdsOrKeys": ["WEB-2"]}).json()
    return body["issueChangeLogs"][0]["changeHistories"][0]["created"]


def search_keys(sandboxes: Sandboxes, jql: str, **extra: Any) -> list[str]:
    body = {"jql": jql, "fields": ["labels"], **extra}
    response = call(sandboxes, "POST", "/rest/api/3/search/jql", json=body)
    assert response.status_code == 200, response.text
    return [issue["key"] for issue in response.json()["issues"]]


def test_bulkfetch_sends_created_in_epoch_milliseconds(jira_sandbox: Sandboxes) -> None:
    """Jira Cloud's bulkfetch sends `created` as a number; clients read it as epoch milliseconds
    (https://github.com/sooperset/mcp-atlassian/pull/346), while the description types it `date-time` and its
    example shows seconds (`1492070429`)."""
    seed(jira_sandbox)
    to_in_progress(jira_sandbox)
    created = bulk_created(jira_sandbox)
    assert created == int(datetime(2027, 1, 6, 10, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize(("shape", "expected"), [("iso", "2027-01-06T10:00:00.000+0000"), ("epoch_s", 1799229600)])
def test_bulkfetch_can_send_created_as_the_described_string_or_the_examples_seconds(
    jira_sandbox: Sandboxes, shape: str, expected: object
) -> None:
    seed(jira_sandbox)
    to_in_progress(jira_sandbox)
    assert quirks(jira_sandbox, changelog_created=shape).status_code == 200
    assert bulk_created(jira_sandbox) == expected


def test_an_api_write_reaches_search_only_after_the_lag_unless_reconciled(jira_sandbox: Sandboxes) -> None:
    """ "The delay might vary from a few seconds to minutes"; `reconcileIssues` (issue ids, at most 50) reads
    those issues consistently (https://developer.atlassian.com/cloud/jira/platform/search-and-reconcile/)."""
    seed(jira_sandbox)
    assert quirks(jira_sandbox, search_lag_seconds=30).status_code == 200
    edit = call(jira_sandbox, "PUT", "/rest/api/3/issue/WEB-2", json={"update": {"labels": [{"add": "spring"}]}})
    assert edit.status_code == 204
    assert search_keys(jira_sandbox, "labels = spring") == []
    issue_id = call(jira_sandbox, "GET", "/rest/api/3/issue/WEB-2?fields=id").json()["id"]
    assert search_keys(jira_sandbox, "labels = spring", reconcileIssues=[int(issue_id)]) == ["WEB-2"]
    assert quirks(jira_sandbox, search_lag_seconds=0).status_code == 200


def test_reconcile_issues_takes_at_most_50_ids(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    body = {"jql": "project = WEB", "reconcileIssues": list(range(1, 52))}
    assert call(jira_sandbox, "POST", "/rest/api/3/search/jql", json=body).status_code == 400


def test_an_issue_lost_from_the_index_is_missing_from_search_but_still_readable(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    assert quirks(jira_sandbox, unindexed=["WEB-1"]).status_code == 200
    assert search_keys(jira_sandbox, "project = WEB ORDER BY key ASC") == ["WEB-2"]
    assert call(jira_sandbox, "GET", "/rest/api/3/issue/WEB-1").status_code == 200


def test_a_repeated_page_token_answers_the_same_token_again(jira_sandbox: Sandboxes) -> None:
    issues = [
        {"key": f"WEB-{n}", "fields": {"summary": f"Item {n}", "issuetype": {"name": "Story"}}} for n in range(1, 6)
    ]
    seed(jira_sandbox, {**SPRING, "issues": issues})
    assert quirks(jira_sandbox, repeat_page_tokens=True).status_code == 200
    request = {"jql": "project = WEB ORDER BY key ASC", "fields": ["key"], "maxResults": 2}
    first = call(jira_sandbox, "POST", "/rest/api/3/search/jql", json=request).json()
    token = first["nextPageToken"]
    for _ in range(3):
        again = call(jira_sandbox, "POST", "/rest/api/3/search/jql", json={**request, "nextPageToken": token}).json()
        assert again["nextPageToken"] == token


def test_a_project_the_account_may_not_browse_answers_as_if_it_did_not_exist(jira_sandbox: Sandboxes) -> None:
    """JQL 400 "The value 'WEB' does not exist for the field 'project'" and 404 "No project could be found with
    key 'WEB'" (https://confluence.atlassian.com/jirakb/jql-error-the-value-does-not-exist-for-the-field-project-
    779160785.html)."""
    seed(jira_sandbox)
    assert quirks(jira_sandbox, hidden_projects=["WEB"]).status_code == 200
    jql = call(jira_sandbox, "POST", "/rest/api/3/search/jql", json={"jql": "project = WEB"})
    assert jql.status_code == 400
    assert "The value 'WEB' does not exist for the field 'project'." in jql.json()["errorMessages"]
    project = call(jira_sandbox, "GET", "/rest/api/3/project/WEB")
    assert project.status_code == 404 and "No project could be found with key 'WEB'." in project.json()["errorMessages"]
    assert call(jira_sandbox, "GET", "/rest/api/3/issue/WEB-1").status_code == 404


def test_failed_logins_bring_a_captcha_403_until_a_browser_login(jira_sandbox: Sandboxes) -> None:
    """After failed logins Jira answers 403 with `X-Authentication-Denied-Reason: CAPTCHA_CHALLENGE;
    login-url=...` (https://developer.atlassian.com/server/jira/platform/jira-rest-api-example-basic-
    authentication-6291732/), even to the right token, until the user logs in through the browser."""
    seed(jira_sandbox)
    assert quirks(jira_sandbox, captcha_after_failures=2).status_code == 200
    for _ in range(2):
        assert call(jira_sandbox, "GET", "/rest/api/3/myself", auth=(jira_sandbox.jira_email, "no")).status_code == 401
    denied = call(jira_sandbox, "GET", "/rest/api/3/myself")
    assert denied.status_code == 403
    assert denied.headers["X-Authentication-Denied-Reason"].startswith("CAPTCHA_CHALLENGE; login-url=")
    cleared = requests.post(f"{url(jira_sandbox)}/_sandbox/jira/browser-login", json={}, timeout=10)
    assert cleared.status_code == 200
    assert call(jira_sandbox, "GET", "/rest/api/3/myself").status_code == 200


def test_a_429_can_come_with_x_ratelimit_reset_alone(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    assert quirks(jira_sandbox, rate_limit_headers="reset_only").status_code == 200
    limits(jira_sandbox, read_capacity=1, read_per_second=0.1)
    answers = [call(jira_sandbox, "GET", "/rest/api/3/issue/WEB-1") for _ in range(2)]
    assert answers[-1].status_code == 429
    assert "Retry-After" not in answers[-1].headers and answers[-1].headers["X-RateLimit-Reset"].endswith("Z")
    assert answers[-1].headers["RateLimit-Reason"] == "jira-burst-based"


def test_a_limit_in_beta_lets_the_request_through_with_beta_headers(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    assert quirks(jira_sandbox, rate_limit_headers="beta").status_code == 200
    limits(jira_sandbox, read_capacity=1, read_per_second=0.1)
    answers = [call(jira_sandbox, "GET", "/rest/api/3/issue/WEB-1") for _ in range(2)]
    assert answers[-1].status_code == 200
    assert int(answers[-1].headers["Beta-Retry-After"]) >= 1
    assert answers[-1].headers["X-Beta-RateLimit-Reason"] == "jira-burst-based"


def test_writes_to_one_issue_meet_the_per_issue_limit(jira_sandbox: Sandboxes) -> None:
    """`RateLimit-Reason: jira-per-issue-on-write` (https://developer.atlassian.com/cloud/jira/platform/
    rate-limiting/): writes to the busy issue are refused, writes to another issue are not."""
    seed(jira_sandbox)
    limits(jira_sandbox, issue_writes=[[2, 30.0]])
    label = {"update": {"labels": [{"add": "x"}]}}
    answers = [call(jira_sandbox, "PUT", "/rest/api/3/issue/WEB-1", json=label) for _ in range(3)]
    assert [a.status_code for a in answers] == [204, 204, 429]
    assert answers[-1].headers["RateLimit-Reason"] == "jira-per-issue-on-write" and answers[-1].headers["Retry-After"]
    assert call(jira_sandbox, "PUT", "/rest/api/3/issue/WEB-2", json=label).status_code == 204
    assert call(jira_sandbox, "GET", "/rest/api/3/issue/WEB-1").status_code == 200


def test_an_unknown_quirk_is_refused_by_name(jira_sandbox: Sandboxes) -> None:
    answer = quirks(jira_sandbox, search_lag=3)
    assert answer.status_code == 400 and "search_lag" in answer.json()["error"]


def test_a_comment_is_authored_by_the_calling_account(jira_sandbox: Sandboxes) -> None:
    """A comment's `author` is the account that posted it
    (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/)."""
    seed(jira_sandbox)
    body = {"body": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": "hello"}]}]}}  # fmt: skip
    posted = call(jira_sandbox, "POST", "/rest/api/3/issue/WEB-1/comment", json=body).json()
    me = call(jira_sandbox, "GET", "/rest/api/3/myself").json()
    assert posted["author"]["accountId"] == me["accountId"]
