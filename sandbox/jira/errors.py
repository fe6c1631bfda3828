"""Jira Cloud's error bodies, as its REST API sends them.

Almost every error is an `ErrorCollection`: `{"errorMessages": [...], "errors": {field: message}}`. The store
raises `JiraError`; the routes turn it into the response. Authentication failures are the exception: Jira's edge
answers them with its own body (see `auth.py`).
"""

from __future__ import annotations

from typing import Any


class JiraError(Exception):
    """An API error to answer with Jira's body; raised by the store and the routes."""

    def __init__(
        self,
        status: int,
        messages: list[str] | tuple[str, ...] = (),
        errors: dict[str, str] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__("; ".join([*messages, *(f"{k}: {v}" for k, v in (errors or {}).items())]))
        self.status = status
        self.messages = list(messages)
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return error_body(self.messages, self.errors)


def error_body(messages: list[str] | tuple[str, ...] = (), errors: dict[str, str] | None = None) -> dict[str, Any]:
    return {"errorMessages": list(messages), "errors": dict(errors or {})}


def bad_request(*messages: str) -> JiraError:
    return JiraError(400, messages)


def field_errors(errors: dict[str, str]) -> JiraError:
    return JiraError(400, (), errors)


ISSUE_NOT_FOUND = "Issue does not exist or you do not have permission to see it."
USER_NOT_FOUND = "Specified user does not exist or you do not have required permissions"
SEARCH_REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)
UNBOUNDED_JQL = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
RATE_LIMITED = "The request has been rate-limited. Please try again later."
NOT_ADF = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
COMMENT_NOT_VALID = "Comment body is not valid!"
SERVER_ERRORS = {
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable. Please try again later.",
}


def issue_not_found() -> JiraError:
    return JiraError(404, (ISSUE_NOT_FOUND,))


def project_not_found(key: str) -> JiraError:
    return JiraError(404, (f"No project could be found with key '{key}'.",))


def cannot_set(field: str) -> str:
    return f"Field '{field}' cannot be set. It is not on the appropriate screen, or unknown."


__all__ = [
    "COMMENT_NOT_VALID",
    "ISSUE_NOT_FOUND",
    "NOT_ADF",
    "RATE_LIMITED",
    "SEARCH_REMOVED",
    "SERVER_ERRORS",
    "UNBOUNDED_JQL",
    "USER_NOT_FOUND",
    "JiraError",
    "bad_request",
    "cannot_set",
    "error_body",
    "field_errors",
    "issue_not_found",
    "project_not_found",
]
