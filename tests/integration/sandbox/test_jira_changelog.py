"""Changelogs: per issue (`/issue/{key}/changelog`, paged by startAt) and in bulk (`/changelog/bulkfetch`,
paged by token), with entries recorded by timeline steps and API writes at sandbox-clock times."""

from __future__ import annotations

import pytest

from tests.integration.sandbox.jira_support import call, client, jira_sandbox, seed, step
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration
__all__ = ["jira_sandbox"]


def spring_timeline(sandboxes: Sandboxes) -> None:
    seed(sandboxes)
    step(
        sandboxes,
        "2027-01-06T10:00:00Z",
        {"update": "WEB-2", "fields": {"status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}}}},
    )
    step(
        sandboxes,
        "2027-01-08T10:00:00Z",
        {"update": "WEB-2", "fields": {"status": {"name": "Done", "statusCategory": {"key": "done"}}}},
    )
    step(sandboxes, "2027-01-14T10:00:00Z", {"update": "WEB-1", "fields": {"duedate": "2027-02-12"}})


def test_an_issues_changelog_lists_its_changes_oldest_first(jira_sandbox: Sandboxes) -> None:
    spring_timeline(jira_sandbox)
    page = call(jira_sandbox, "GET", "/rest/api/3/issue/WEB-2/changelog").json()
    assert page["total"] == 2 and page["isLast"] is True
    first, second = page["values"]
    assert first["created"] == "2027-01-06T10:00:00.000+00:00"
    assert first["items"] == [
        {
            "field": "status",
            "fieldtype": "jira",
            "fieldId": "status",
            "from": "10000",
            "fromString": "To Do",
            "to": "3",
            "toString": "In Progress",
        }
    ]
    assert [item["field"] for item in second["items"]] == ["status", "resolution"]
    assert first["author"]["accountId"] == "u-2"


def test_an_issues_changelog_pages_by_start_at(jira_sandbox: Sandboxes) -> None:
    spring_timeline(jira_sandbox)
    page = call(jira_sandbox, "GET", "/rest/api/3/issue/WEB-2/changelog", params={"maxResults": 1}).json()
    assert len(page["values"]) == 1 and page["isLast"] is False and page["nextPage"].endswith("startAt=1")
    rest = call(jira_sandbox, "GET", "/rest/api/3/issue/WEB-2/changelog", params={"maxResults": 1, "startAt": 1}).json()
    assert rest["isLast"] is True and rest["values"][0]["id"] != page["values"][0]["id"]


def test_an_api_write_is_in_the_changelog_at_the_sandbox_time(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox, start="2027-01-05T08:30:00Z")
    client(jira_sandbox).issue("WEB-1").update(fields={"summary": "Landing page"})
    entry = call(jira_sandbox, "GET", "/rest/api/3/issue/WEB-1/changelog").json()["values"][0]
    assert entry["created"] == "2027-01-05T08:30:00.000+00:00"
    assert entry["author"]["emailAddress"] == jira_sandbox.jira_email
    assert client(jira_sandbox).issue("WEB-1").fields.updated == "2027-01-05T08:30:00.000+0000"


def test_bulkfetch_returns_every_issues_changelog_oldest_first(jira_sandbox: Sandboxes) -> None:
    spring_timeline(jira_sandbox)
    body = call(
        jira_sandbox, "POST", "/rest/api/3/changelog/bulkfetch", json={"issueIdsOrKeys": ["WEB-1", "WEB-2"]}
    ).json()
    assert [(log["issueId"], len(log["changeHistories"])) for log in body["issueChangeLogs"]] == [
        ("10001", 2),
        ("10000", 1),
    ]
    assert "nextPageToken" not in body


def test_bulkfetch_filters_by_field_id(jira_sandbox: Sandboxes) -> None:
    spring_timeline(jira_sandbox)
    body = call(
        jira_sandbox,
        "POST",
        "/rest/api/3/changelog/bulkfetch",
        json={"issueIdsOrKeys": ["WEB-1", "WEB-2"], "fieldIds": ["duedate"]},
    ).json()
    [log] = body["issueChangeLogs"]
    assert log["issueId"] == "10000"
    assert log["changeHistories"][0]["items"][0]["toString"] == "2027-02-12 00:00:00.0"


def test_bulkfetch_pages_by_token(jira_sandbox: Sandboxes) -> None:
    spring_timeline(jira_sandbox)
    request = {"issueIdsOrKeys": ["WEB-1", "WEB-2"], "maxResults": 2}
    first = call(jira_sandbox, "POST", "/rest/api/3/changelog/bulkfetch", json=request).json()
    second = call(
        jira_sandbox,
        "POST",
        "/rest/api/3/changelog/bulkfetch",
        json={**request, "nextPageToken": first["nextPageToken"]},
    ).json()
    ids = [h["id"] for page in (first, second) for log in page["issueChangeLogs"] for h in log["changeHistories"]]
    assert len(ids) == len(set(ids)) == 3 and "nextPageToken" not in second


def test_bulkfetch_needs_issues(jira_sandbox: Sandboxes) -> None:
    response = call(jira_sandbox, "POST", "/rest/api/3/changelog/bulkfetch", json={"issueIdsOrKeys": []})
    assert response.status_code == 400


def test_the_issue_expands_its_changelog_newest_first(jira_sandbox: Sandboxes) -> None:
    spring_timeline(jira_sandbox)
    issue = client(jira_sandbox).issue("WEB-2", expand="changelog")
    assert [h.created for h in issue.changelog.histories] == [
        "2027-01-08T10:00:00.000+00:00",
        "2027-01-06T10:00:00.000+00:00",
    ]


def test_a_parent_change_reads_as_issue_parent_association(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    jira = client(jira_sandbox)
    epic = jira.create_issue(fields={"project": {"key": "WEB"}, "issuetype": {"name": "Epic"}, "summary": "Other"})
    jira.issue("WEB-2").update(fields={"parent": {"key": epic.key}})
    item = call(jira_sandbox, "GET", "/rest/api/3/issue/WEB-2/changelog").json()["values"][0]["items"][0]
    assert item == {
        "field": "IssueParentAssociation",
        "fieldtype": "jira",
        "from": "10000",
        "fromString": "WEB-1",
        "to": epic.id,
        "toString": epic.key,
    }
