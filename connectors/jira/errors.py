"""Jira's errors as Tandem's: each failure of a call classified (retry, pause, stop the connector, refuse), with
one line saying what to do."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

from jira import JIRAError
from requests.structures import CaseInsensitiveDict

from connectors.http.classify import HttpFailure, classify, vendor_detail
from connectors.http.errors import CredentialsRejected, RetryableApiError
from connectors.http.redact import redact
from connectors.http.retry import parse_retry_after
from connectors.jira.limits import PER_ISSUE_REASON, QUOTA_REASONS, issue_of, rate_limit_reason, rate_limit_wait

PERMISSIONS = (
    "the account in TANDEM_JIRA_EMAIL needs 'Browse projects' on TANDEM_JIRA_PROJECTS "
    "('Edit issues' and 'Add comments' for write-back, Jira administrator to register webhooks)"
)


# -- errors -------------------------------------------------------------------------------------------------------


class IssueWriteLimited(RetryableApiError):
    """Jira's per-issue write limit (`RateLimit-Reason: jira-per-issue-on-write`): retry this write after
    `retry_after`, and pause writes to `issue` only. Its `status` is None on purpose: the shared caller pauses
    the whole bucket of a 429, and this limit is not the endpoint's."""

    def __init__(self, message: str, *, issue: str | None, retry_after: float | None) -> None:
        super().__init__(message, status=None, retry_after=retry_after)
        self.issue = issue
        self.http_status = 429


class QuotaExhausted(RetryableApiError):
    """An hourly points quota is spent (`jira-quota-*`): every call waits for its reset."""

    def __init__(self, message: str, *, reason: str, retry_after: float | None) -> None:
        super().__init__(message, status=429, retry_after=retry_after)
        self.reason = reason


class CaptchaRequired(CredentialsRejected):
    """403 with `X-Authentication-Denied-Reason`: the account must solve a CAPTCHA in a browser first."""


class ProjectInaccessible(CredentialsRejected):
    """A project of TANDEM_JIRA_PROJECTS does not exist, or the account may not browse it (Jira says the same)."""

    def __init__(self, message: str, *, status: int, project: str) -> None:
        super().__init__(message, status=status)
        self.project = project


_NO_PROJECT_JQL = re.compile(r"The value '([^']+)' does not exist for the field 'project'")
_NO_PROJECT_404 = re.compile(r"No project could be found with key '([^']+)'")


def _captcha(headers: Mapping[str, str], what: str) -> CaptchaRequired | None:
    denied = CaseInsensitiveDict(headers).get("X-Authentication-Denied-Reason")
    if not denied:
        return None
    reason, _, rest = denied.partition(";")
    login = re.search(r"login-url=(\S+)", rest)
    where = f" at {redact(login.group(1))}" if login else ""
    return CaptchaRequired(
        f"Jira denied the login for {what} (403, X-Authentication-Denied-Reason: {redact(reason.strip())}): "
        f"after failed logins Jira wants a CAPTCHA solved and refuses every API call until then; log in once in "
        f"a browser{where} as the account in TANDEM_JIRA_EMAIL to clear it, and check that TANDEM_JIRA_API_TOKEN "
        "is a current API token of that account",
        status=403,
    )


def _inaccessible_project(status: int, detail: str, what: str) -> ProjectInaccessible | None:
    pattern = {400: _NO_PROJECT_JQL, 404: _NO_PROJECT_404}.get(status)
    found = pattern.search(detail) if pattern is not None else None
    if found is None:
        return None
    project = found.group(1)
    return ProjectInaccessible(
        f"Jira has no project '{project}' for the account in TANDEM_JIRA_EMAIL ({what}: HTTP {status} {detail}): "
        f"either it does not exist or the account lacks the 'Browse projects' permission on it; grant "
        f"'Browse projects' on {project}, or fix TANDEM_JIRA_PROJECTS",
        status=status,
        project=project,
    )


def classify_error(exc: BaseException, what: str) -> BaseException:
    """The `connectors.http.errors` exception for what a Jira call raised: the shared classification, plus
    what Jira means by its 429s, its CAPTCHA 403 and its "no such project" 400/404."""
    if isinstance(exc, JIRAError):
        if exc.status_code is None:
            exc = HttpFailure(503, "no response from Jira")
        else:
            response = exc.response
            headers: Mapping[str, str] = response.headers if response is not None else {}
            body = response.content if response is not None else (exc.text or "")
            status = int(exc.status_code)
            detail = vendor_detail(body)
            if status == 403:
                captcha = _captcha(headers, what)
                if captcha is not None:
                    return captcha
            project = _inaccessible_project(status, detail, what)
            if project is not None:
                return project
            if status == 429:
                wait = rate_limit_wait(headers, datetime.now(UTC))
                reason = rate_limit_reason(headers)
                if reason == PER_ISSUE_REASON:
                    issue = issue_of(exc.url or (response.url if response is not None else None))
                    return IssueWriteLimited(
                        f"Jira {what}: HTTP 429 per-issue write limit on {issue or 'the issue'} ({detail})",
                        issue=issue,
                        retry_after=wait,
                    )
                if reason in QUOTA_REASONS:
                    return QuotaExhausted(
                        f"Jira {what}: HTTP 429 {reason}: the hourly quota is spent ({detail})",
                        reason=reason,
                        retry_after=wait,
                    )
                exc = HttpFailure(status, detail, wait)
            else:
                exc = HttpFailure(status, detail, parse_retry_after(CaseInsensitiveDict(headers).get("Retry-After")))
    return classify(
        exc,
        what,
        system="Jira",
        on_unauthorized=(
            "set TANDEM_JIRA_EMAIL and TANDEM_JIRA_API_TOKEN to an Atlassian account and one of its API tokens"
        ),
        on_forbidden=PERMISSIONS,
    )


__all__ = [
    "PERMISSIONS",
    "CaptchaRequired",
    "IssueWriteLimited",
    "ProjectInaccessible",
    "QuotaExhausted",
    "classify_error",
]
