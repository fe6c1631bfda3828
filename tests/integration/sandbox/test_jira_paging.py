"""Paging 10,000 issues through `/search/jql` with the real client: every issue exactly once."""

from __future__ import annotations

import pytest

from tests.integration.sandbox.jira_support import call, client, jira_sandbox, seed, store
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration
__all__ = ["jira_sandbox"]

ISSUES = 10_000


def seed_many(sandboxes: Sandboxes) -> None:
    """Seed straight into the store: 10,000 API round trips would only test the seeding."""
    seed(sandboxes, {"users": [], "projects": [{"key": "BIG", "name": "Big"}], "issues": []})
    jira = store(sandboxes)

    def create() -> None:
        for n in range(ISSUES):
            labels = ["even"] if n % 2 == 0 else []
            fields = {
                "project": {"key": "BIG"},
                "issuetype": {"name": "Task"},
                "summary": f"Task {n}",
                "labels": labels,
            }
            jira.create_issue(fields, notify=False)

    sandboxes.call(create)


def test_enhanced_search_pages_through_10000_issues_once_each(jira_sandbox: Sandboxes) -> None:
    seed_many(jira_sandbox)
    found = client(jira_sandbox).enhanced_search_issues(
        "project = BIG ORDER BY updated DESC", maxResults=0, fields="summary"
    )
    keys = [issue.key for issue in found]
    assert len(keys) == ISSUES
    assert len(set(keys)) == ISSUES


def test_id_only_pages_are_up_to_5000_issues(jira_sandbox: Sandboxes) -> None:
    seed_many(jira_sandbox)
    first = call(
        jira_sandbox,
        "POST",
        "/rest/api/3/search/jql",
        json={"jql": "project = BIG", "maxResults": 9000, "fields": ["id"]},
    ).json()
    assert len(first["issues"]) == 5000 and first["isLast"] is False
    rest = call(
        jira_sandbox,
        "POST",
        "/rest/api/3/search/jql",
        json={"jql": "project = BIG", "maxResults": 9000, "fields": ["id"], "nextPageToken": first["nextPageToken"]},
    ).json()
    assert len(rest["issues"]) == 5000 and rest["isLast"] is True and "nextPageToken" not in rest
    assert len({i["id"] for i in first["issues"]} | {i["id"] for i in rest["issues"]}) == ISSUES


def test_pages_with_fields_are_at_most_100_issues(jira_sandbox: Sandboxes) -> None:
    seed_many(jira_sandbox)
    page = call(
        jira_sandbox,
        "GET",
        "/rest/api/3/search/jql",
        params={"jql": "labels = even", "maxResults": 500, "fields": "*navigable"},
    ).json()
    assert len(page["issues"]) == 100 and "total" not in page


def test_the_approximate_count_counts_them_all(jira_sandbox: Sandboxes) -> None:
    seed_many(jira_sandbox)
    assert client(jira_sandbox).approximate_issue_count("labels = even") == ISSUES // 2
