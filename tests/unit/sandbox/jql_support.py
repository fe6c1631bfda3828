"""A small Jira site for the JQL tests, and `keys(jql)`: which issues a query finds, in its order."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.clock import SandboxClock
from sandbox.jira.errors import JiraError
from sandbox.jira.search import search
from sandbox.jira.store import JiraStore

NOW = datetime(2027, 1, 10, 12, 0, 30, tzinfo=UTC)

SITE = {
    "users": [
        {"accountId": "u-1", "displayName": "Ivan Petrov", "emailAddress": "ivan@acme.test"},
        {"accountId": "u-2", "displayName": "Olga Smirnova", "emailAddress": "olga@acme.test"},
    ],
    "projects": [{"key": "WEB", "name": "Website", "lead": "u-1"}, {"key": "APP", "name": "Mobile App", "lead": "u-2"}],
    "issues": [
        {
            "key": "WEB-1",
            "fields": {
                "issuetype": {"name": "Epic"},
                "summary": "Landing page",
                "status": {"name": "In Progress"},
                "labels": ["launch"],
                "assignee": {"accountId": "u-1"},
                "duedate": "2027-02-20",
                "created": "2027-01-04T09:00:00Z",
                "updated": "2027-01-09T10:15:45Z",
            },
        },
        {
            "key": "WEB-2",
            "fields": {
                "issuetype": {"name": "Story"},
                "parent": {"key": "WEB-1"},
                "summary": "Hero",
                "status": {"name": "To Do"},
                "labels": ["launch", "frontend"],
                "assignee": {"accountId": "u-2"},
                "customfield_10016": 5,
                "created": "2027-01-05T09:00:00Z",
                "updated": "2027-01-10T11:58:10Z",
            },
        },
        {
            "key": "WEB-3",
            "fields": {
                "issuetype": {"name": "Story"},
                "parent": {"key": "WEB-1"},
                "summary": "Signup",
                "status": {"name": "Done"},
                "customfield_10016": 3,
                "created": "2027-01-05T10:00:00Z",
                "updated": "2027-01-08T00:00:00Z",
            },
        },
        {
            "key": "APP-1",
            "fields": {
                "issuetype": {"name": "Task"},
                "summary": "Push notifications",
                "status": {"name": "In Review"},
                "labels": ["backend"],
                "assignee": {"accountId": "u-1"},
                "created": "2026-12-20T08:00:00Z",
                "updated": "2027-01-10T12:00:05Z",
            },
        },
        {
            "key": "APP-2",
            "fields": {
                "issuetype": {"name": "Bug"},
                "summary": "Crash on start",
                "status": {"name": "Backlog"},
                "created": "2027-01-07T16:30:00Z",
                "updated": "2027-01-07T16:30:00Z",
            },
        },
    ],
}


def site() -> JiraStore:
    store = JiraStore(SandboxClock(NOW))
    store.load(SITE)
    return store


def keys(jql: str, store: JiraStore | None = None, *, current_user: str | None = "u-1") -> list[str]:
    """The keys `jql` finds, in order (all pages)."""
    store = store or site()
    found: list[str] = []
    token: str | None = None
    while True:
        page = search(store, jql, max_results=2, next_page_token=token, now=NOW, current_user=current_user)
        found += [issue.key for issue in page.issues]
        token = page.next_page_token
        if token is None:
            return found


def error(jql: str) -> str:
    """The 400 message Jira answers for `jql`."""
    try:
        keys(jql)
    except JiraError as raised:
        assert raised.status == 400
        return raised.messages[0]
    raise AssertionError(f"{jql!r} was accepted")


__all__ = ["NOW", "SITE", "error", "keys", "site"]
