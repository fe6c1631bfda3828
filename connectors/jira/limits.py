"""Jira Cloud's rate limits as Tandem meets them: a bucket per endpoint and method, and the headers that say
how long to wait.

Rate limits, as Atlassian documents them (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/
and https://developer.atlassian.com/cloud/jira/platform/build-an-app-that-respects-rate-limits/):

- burst limits are per tenant, endpoint and HTTP method, so every call names its bucket `"<METHOD> <path
  template>"` (`"PUT /rest/api/3/issue/{issueIdOrKey}"`): reads (GET) are capped at
  `TANDEM_JIRA_REQUESTS_PER_SECOND`, writes (POST, PUT, DELETE) at `TANDEM_JIRA_WRITE_REQUESTS_PER_SECOND`,
  and a 429 pauses only the bucket that got it (`RateLimit-Reason: jira-burst-based`);
- the wait is `Retry-After`, else `X-RateLimit-Reset` (ISO time), else the beta headers (`Beta-Retry-After`,
  `X-Beta-RateLimit-Reset`, the `t=` of `RateLimit`/`Beta-RateLimit`); a successful answer carrying
  `Beta-Retry-After` (a limit Jira measures but does not enforce yet) pauses its bucket too;
- the per-issue write limit (`jira-per-issue-on-write`) pauses writes to that one issue only: the error is
  an `IssueWriteLimited` (retried, but not a 429 of the endpoint's bucket), and later writes to the issue
  wait until the pause is over;
- an hourly points quota spent (`jira-quota-global-based`, `jira-quota-tenant-based`; apps, not API tokens,
  but both readings are handled) holds every call until its reset (`ApiPaused`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from requests.structures import CaseInsensitiveDict

from connectors.http.retry import parse_retry_after

JIRA_BURST = 20
READ_METHODS = frozenset({"GET", "HEAD"})
BURST_REASON = "jira-burst-based"
PER_ISSUE_REASON = "jira-per-issue-on-write"
QUOTA_REASONS = frozenset({"jira-quota-global-based", "jira-quota-tenant-based"})
QUOTA_FALLBACK_SECONDS = 60.0
"""How long a spent quota holds the budget when Jira does not say (quotas reset on the UTC hour)."""


# -- buckets: "<METHOD> <path template>", one per endpoint and method, as Jira counts them --------------------

SERVER_INFO = "GET /rest/api/2/serverInfo"
FIELDS = "GET /rest/api/3/field"
MYSELF = "GET /rest/api/3/myself"
PROJECT = "GET /rest/api/3/project/{projectIdOrKey}"
SEARCH = "GET /rest/api/3/search/jql"
ISSUE = "GET /rest/api/3/issue/{issueIdOrKey}"
EDIT_ISSUE = "PUT /rest/api/3/issue/{issueIdOrKey}"
CHANGELOGS = "POST /rest/api/3/changelog/bulkfetch"
REMOTE_LINKS = "GET /rest/api/3/issue/{issueIdOrKey}/remotelink"
UPSERT_REMOTE_LINK = "POST /rest/api/3/issue/{issueIdOrKey}/remotelink"
DELETE_REMOTE_LINK = "DELETE /rest/api/3/issue/{issueIdOrKey}/remotelink"
COMMENTS = "GET /rest/api/3/issue/{issueIdOrKey}/comment"
ADD_COMMENT = "POST /rest/api/3/issue/{issueIdOrKey}/comment"
LIST_WEBHOOKS = "GET /rest/webhooks/1.0/webhook"
REGISTER_WEBHOOK = "POST /rest/webhooks/1.0/webhook"
UPDATE_WEBHOOK = "PUT /rest/webhooks/1.0/webhook/{id}"
WRITE_BUCKETS = (EDIT_ISSUE, CHANGELOGS, UPSERT_REMOTE_LINK, DELETE_REMOTE_LINK, ADD_COMMENT, REGISTER_WEBHOOK,
                 UPDATE_WEBHOOK)  # fmt: skip

_API = r"/rest/api/(?:2|3|latest)"
_TEMPLATES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), template)
    for pattern, template in (
        (rf"^{_API}/issue/[^/]+/remotelink(?:/[^/]+)?$", "/rest/api/3/issue/{issueIdOrKey}/remotelink"),
        (rf"^{_API}/issue/[^/]+/comment(?:/[^/]+)?$", "/rest/api/3/issue/{issueIdOrKey}/comment"),
        (rf"^{_API}/issue/[^/]+$", "/rest/api/3/issue/{issueIdOrKey}"),
        (rf"^{_API}/project/[^/]+$", "/rest/api/3/project/{projectIdOrKey}"),
        (r"^/rest/webhooks/1\.0/webhook/[^/]+$", "/rest/webhooks/1.0/webhook/{id}"),
    )
)
_ISSUE_IN_PATH = re.compile(r"/rest/api/(?:2|3|latest)/issue/([^/?]+)")


def bucket_of(method: str, url: str) -> str:
    """The bucket of a request: its method and the path's template (`GET /rest/api/3/issue/{issueIdOrKey}`)."""
    path = urlsplit(url).path
    for pattern, template in _TEMPLATES:
        if pattern.match(path):
            return f"{method.upper()} {template}"
    return f"{method.upper()} {path.replace('/rest/api/latest/', '/rest/api/3/')}"


def issue_of(url: str | None) -> str | None:
    """The issue key or id a request URL addresses, if any."""
    found = _ISSUE_IN_PATH.search(urlsplit(url or "").path)
    return unquote(found.group(1)).upper() if found else None


# -- rate-limit headers ------------------------------------------------------------------------------------------

_RESET_FORMATS = ("%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z")
_STRUCTURED_ITEM = re.compile(r'^\s*"?([^";]*)"?\s*;(.*)$')


def _reset_in(value: str | None, now: datetime) -> float | None:
    """Seconds until an ISO-8601 reset time (`2027-01-04T10:31Z`, minute precision as Jira sends it); None when
    absent, unreadable, or already past (minute precision can put a reset a few seconds ago)."""
    if not value or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    when: datetime | None = None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        for pattern in _RESET_FORMATS:
            try:
                when = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - now).total_seconds()
    return seconds if seconds > 0 else None


def _structured_reset(value: str | None) -> float | None:
    """The `t` (seconds until reset) of a structured `RateLimit` header (`"tenant-app-quota";r=0;t=2107`):
    the latest of the exhausted policies (`r=0`), else of all of them."""
    if not value:
        return None
    exhausted: list[float] = []
    every: list[float] = []
    for item in value.split(","):
        match = _STRUCTURED_ITEM.match(item)
        if match is None:
            continue
        params = dict(part.strip().split("=", 1) for part in match.group(2).split(";") if "=" in part and part.strip())
        try:
            reset = float(params["t"])
        except (KeyError, ValueError):
            continue
        every.append(reset)
        if params.get("r", "").strip() == "0":
            exhausted.append(reset)
    chosen = exhausted or every
    return max(chosen) if chosen else None


def rate_limit_wait(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds a 429 asks Tandem to wait, from the first header that says: `Retry-After`, `X-RateLimit-Reset`,
    `Beta-Retry-After`, `X-Beta-RateLimit-Reset`, then the `t=` of `RateLimit` and `Beta-RateLimit`. None: no
    header says (Tandem backs off exponentially)."""
    found = CaseInsensitiveDict(headers)
    for wait in (
        lambda: parse_retry_after(found.get("Retry-After")),
        lambda: _reset_in(found.get("X-RateLimit-Reset"), now),
        lambda: parse_retry_after(found.get("Beta-Retry-After")),
        lambda: _reset_in(found.get("X-Beta-RateLimit-Reset"), now),
        lambda: _structured_reset(found.get("RateLimit")),
        lambda: _structured_reset(found.get("Beta-RateLimit")),
    ):
        seconds = wait()
        if seconds is not None:
            return seconds
    return None


def rate_limit_reason(headers: Mapping[str, str]) -> str | None:
    found = CaseInsensitiveDict(headers)
    reason = found.get("RateLimit-Reason") or found.get("X-Beta-RateLimit-Reason")
    return reason.strip().lower() if reason else None


__all__ = [
    "ADD_COMMENT",
    "BURST_REASON",
    "CHANGELOGS",
    "COMMENTS",
    "DELETE_REMOTE_LINK",
    "EDIT_ISSUE",
    "FIELDS",
    "ISSUE",
    "JIRA_BURST",
    "LIST_WEBHOOKS",
    "MYSELF",
    "PER_ISSUE_REASON",
    "PROJECT",
    "QUOTA_FALLBACK_SECONDS",
    "QUOTA_REASONS",
    "READ_METHODS",
    "REGISTER_WEBHOOK",
    "REMOTE_LINKS",
    "SEARCH",
    "SERVER_INFO",
    "UPDATE_WEBHOOK",
    "UPSERT_REMOTE_LINK",
    "WRITE_BUCKETS",
    "bucket_of",
    "issue_of",
    "rate_limit_reason",
    "rate_limit_wait",
]
