"""Jira Cloud through the `jira` library (REST v3): search with `nextPageToken`, fields, projects, remote
links, comments, edits, admin webhooks; `changelog/bulkfetch` (which the library lacks) through its own
session. Every call runs in a thread under the app's shared budget (`connectors.http.caller`), retried; the
library's own retries are off (`max_retries=0`).

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

Jira's search is eventually consistent: writes made through any `JiraApi` of one site and account are
remembered (`Site.wrote`) for `TANDEM_JIRA_READ_AFTER_WRITE_SECONDS`, and `reconcile_ids()` gives their issue
ids for the `reconcileIssues` parameter of `search/jql` (at most 50).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote, unquote, urlsplit

from jira import JIRA, JIRAError
from requests import Response
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from connectors.http.caller import ApiCaller, Budget, PerLoop, app_key, leaky_bucket
from connectors.http.classify import HttpFailure, classify, vendor_detail
from connectors.http.errors import CredentialsRejected, RequestRejected, RetryableApiError
from connectors.http.paging import EndlessPaging
from connectors.http.redact import redact, register_secret
from connectors.http.retry import RetryPolicy, parse_retry_after
from streams.errors import FatalError
from tandem.settings import Settings

WEBHOOKS = "/rest/webhooks/1.0/webhook"
JIRA_BURST = 20
PERMISSIONS = (
    "the account in TANDEM_JIRA_EMAIL needs 'Browse projects' on TANDEM_JIRA_PROJECTS "
    "('Edit issues' and 'Add comments' for write-back, Jira administrator to register webhooks)"
)
READ_METHODS = frozenset({"GET", "HEAD"})
BURST_REASON = "jira-burst-based"
PER_ISSUE_REASON = "jira-per-issue-on-write"
QUOTA_REASONS = frozenset({"jira-quota-global-based", "jira-quota-tenant-based"})
RECONCILE_MAX = 50
"""`reconcileIssues` "accepts max 50 ids" (the description of `GET /rest/api/3/search/jql`)."""
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


def segment(value: str) -> str:
    """`value` as one path segment, every reserved character percent-encoded (`quote(value, safe="")`), so no
    issue key, project key or id can climb out of its place in a REST path (`../../rest/api/3/myself` becomes
    one segment, `..%2F..%2Frest%2Fapi%2F3%2Fmyself`). A segment of dots alone (`.`, `..`) is refused: `.` is
    unreserved, so HTTP clients send `%2E` as `.` again, and servers and proxies resolve dot-segments (RFC 3986
    §5.2.4); no Jira key or id is made of dots."""
    text = str(value)
    if not text or text.strip(".") == "":
        raise RequestRejected(f"Jira: {text!r} is not an issue or project key or id", status=400)
    return quote(text, safe="")


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


EndlessPages = EndlessPaging
"""Jira kept handing out page tokens (a repeated `nextPageToken`, or more pages than any site has): the poll
stops instead of looping; the next poll starts again from the cursor."""


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


def _classify(exc: BaseException, what: str) -> BaseException:
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


# -- what every client of one site and account shares -------------------------------------------------------------


@dataclass
class Site:
    """One Jira site and account in this process: the issues Tandem wrote lately, per-issue write pauses,
    and the ids of issues seen (keys → ids, for `reconcileIssues`)."""

    _shared: ClassVar[PerLoop[Site]] = PerLoop()
    _lock: ClassVar[threading.Lock] = threading.Lock()

    read_after_write: float = 300.0
    written: dict[str, float] = field(default_factory=dict)
    """issue key → monotonic time of Tandem's latest write to it."""
    paused: dict[str, float] = field(default_factory=dict)
    """issue key or id → monotonic time before which no write goes to it."""
    ids: dict[str, str] = field(default_factory=dict)

    @classmethod
    def shared(cls, key: str, read_after_write: float) -> Site:
        """The site of app `key` in this event loop (keyed by loop like `Budget.shared`, whose budget it
        accompanies)."""
        with cls._lock:
            found = cls._shared.get(key, lambda: cls(read_after_write))
            found.read_after_write = read_after_write
            return found

    def wrote(self, key: str) -> None:
        self.written[key.upper()] = time.monotonic()

    def recent(self) -> list[str]:
        """Keys Tandem wrote within the read-after-write window, newest first (expired ones are forgotten)."""
        horizon = time.monotonic() - self.read_after_write
        for key in [k for k, at in self.written.items() if at < horizon]:
            del self.written[key]
        return [key for key, _ in sorted(self.written.items(), key=lambda pair: -pair[1])]

    def forget(self, key: str) -> None:
        self.written.pop(key.upper(), None)
        self.ids.pop(key.upper(), None)

    def learn(self, issues: Iterable[Mapping[str, Any]]) -> None:
        for issue in issues:
            key, ident = issue.get("key"), issue.get("id")
            if isinstance(key, str) and ident is not None:
                self.ids[key.upper()] = str(ident)

    def pause(self, issue: str, seconds: float) -> None:
        until = time.monotonic() + max(0.0, seconds)
        self.paused[issue.upper()] = max(self.paused.get(issue.upper(), 0.0), until)

    def pause_left(self, issue: str) -> float:
        names = {issue.upper()}
        ident = self.ids.get(issue.upper())
        if ident is not None:
            names.add(ident)
        until = max((self.paused.get(name, 0.0) for name in names), default=0.0)
        return max(0.0, until - time.monotonic())


class JiraApi:
    """The Jira calls Tandem makes, each `await`-able."""

    _rates_set: ClassVar[weakref.WeakSet[Budget]] = weakref.WeakSet()
    """Budgets whose write buckets got the write rate (weak: a budget's id may be reused once it is gone)."""

    def __init__(self, settings: Settings) -> None:
        missing = [
            name
            for name, value in (
                ("TANDEM_JIRA_URL", settings.jira_url),
                ("TANDEM_JIRA_EMAIL", settings.jira_email),
                ("TANDEM_JIRA_API_TOKEN", settings.jira_api_token),
            )
            if value is None
        ]
        if missing:
            raise CredentialsRejected(f"{', '.join(missing)} not set: the Jira connector needs all three", status=401)
        assert settings.jira_url and settings.jira_email and settings.jira_api_token
        register_secret(settings.jira_api_token)
        self.server = settings.jira_url.rstrip("/")
        self._auth = (settings.jira_email, settings.jira_api_token.get_secret_value())
        self.timeout = settings.http_timeout_seconds
        self.threads = settings.connector_threads
        self._jira: JIRA | None = None
        self._account_id: str | None = None
        self._connect_lock = threading.Lock()
        app = app_key("jira", str(settings.jira_url), *self._auth)
        reads = leaky_bucket(settings.jira_requests_per_second, min(JIRA_BURST, settings.jira_requests_per_second))
        budget = Budget.shared(app, reads)  # one per app: the pollers, write-back and notifications share it
        if budget not in JiraApi._rates_set:
            writes = leaky_bucket(
                settings.jira_write_requests_per_second, min(JIRA_BURST, settings.jira_write_requests_per_second)
            )
            for bucket in WRITE_BUCKETS:
                budget.set_rate(writes, bucket)
            JiraApi._rates_set.add(budget)
        self.site = Site.shared(app, settings.jira_read_after_write_seconds)
        self.caller = ApiCaller(
            "jira",
            limiter_factory=reads,
            classify=self._on_error,
            policy=RetryPolicy.from_settings(settings),
            threads=settings.connector_threads,
            budget=budget,
        )
        self.issue_throttled = 0
        """Answers with the per-issue write limit (429 `jira-per-issue-on-write`)."""
        self.beta_pauses = 0
        """Successful answers that carried `Beta-Retry-After` (and paused their bucket)."""

    @property
    def requests(self) -> int:
        return self.caller.requests

    def close(self) -> None:
        self.caller.close()
        if self._jira is not None:
            self._jira.close()

    # -- errors and headers ---------------------------------------------------------------------------------------

    def _on_error(self, exc: BaseException, what: str) -> BaseException:
        error = _classify(exc, what)
        if isinstance(error, IssueWriteLimited):
            self.issue_throttled += 1
            if error.issue:
                self.site.pause(error.issue, error.retry_after if error.retry_after is not None else 1.0)
        elif isinstance(error, QuotaExhausted):
            seconds = error.retry_after if error.retry_after is not None else QUOTA_FALLBACK_SECONDS
            self.caller.budget.hold(seconds, f"Jira's hourly quota is spent ({error.reason})", reserve=False)
        return error

    def _observe(self, response: Response, *_args: Any, **_kwargs: Any) -> Response:
        """A `requests` response hook: a successful answer with `Beta-Retry-After` (Jira would have refused it
        under a limit it does not enforce yet) pauses its bucket for that long."""
        if response.status_code < 400:
            wait = parse_retry_after(response.headers.get("Beta-Retry-After"))
            if wait:
                request = response.request
                self.beta_pauses += 1
                self.caller.budget.pause(
                    bucket_of(request.method or "GET", request.url or ""), min(wait, self.caller.policy.max_backoff)
                )
        return response

    # -- the client -----------------------------------------------------------------------------------------------

    def _client(self) -> JIRA:
        with self._connect_lock:
            if self._jira is None:
                jira = JIRA(
                    self.server,
                    basic_auth=self._auth,
                    options={"rest_api_version": "3", "check_update": False},
                    max_retries=0,
                    timeout=self.timeout,
                    logging=False,
                )
                adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.threads, max_retries=0)
                jira._session.mount("http://", adapter)
                jira._session.mount("https://", adapter)
                jira._session.hooks["response"].append(self._observe)
                self._jira = jira
            return self._jira

    async def connect(self) -> None:
        """Create the client (it reads `serverInfo`): the first call that proves the credentials."""
        await self.caller.call("connect", self._client, bucket=SERVER_INFO)

    def _json(self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None) -> Any:
        jira = self._client()
        url = path if path.startswith("http") else f"{self.server}{path}"
        data = None if body is None else json.dumps(body)
        response = jira._session.request(method, url, data=data, params=params)
        return response.json() if response.content else None

    async def _write(self, key: str, what: str, bucket: str, fn: Any, *args: Any, look: Any = None) -> Any:
        """A write to issue `key`: after any per-issue pause Jira imposed on it, with priority (write-back and
        alerts pass a hold kept for them); remembered for read-after-write whether or not Jira answered.
        `look`: see `ApiCaller.call` (a write that must not be sent twice after an ambiguous failure)."""
        wait = self.site.pause_left(key)
        if wait > 0:
            await asyncio.sleep(wait)
        try:
            return await self.caller.call(what, fn, *args, bucket=bucket, priority=True, look=look)
        finally:
            self.site.wrote(key)

    # -- reads ----------------------------------------------------------------------------------------------------

    async def fields(self) -> list[dict[str, Any]]:
        fields: list[dict[str, Any]] = await self.caller.call(
            "list fields", lambda: self._client().fields(), bucket=FIELDS
        )
        return fields

    async def myself(self) -> dict[str, Any]:
        me: dict[str, Any] = await self.caller.call("read myself", lambda: self._client().myself(), bucket=MYSELF)
        return me

    async def project(self, key: str) -> dict[str, Any]:
        project = await self.caller.call(
            f"read project {key}", lambda: self._client().project(segment(key)), bucket=PROJECT
        )
        raw: dict[str, Any] = project.raw
        return raw

    async def search(
        self,
        jql: str,
        fields: list[str],
        token: str | None,
        max_results: int,
        reconcile: list[int] | None = None,
    ) -> dict[str, Any]:
        """One page of `search/jql`; `reconcile`: issue ids to read consistently (the same on every page)."""

        def run() -> dict[str, Any]:
            result: dict[str, Any] = self._client().enhanced_search_issues(
                jql,
                nextPageToken=token,
                maxResults=max_results,
                fields=list(fields),
                reconcileIssues=list(reconcile or []) or None,
                json_result=True,
            )
            return result

        page: dict[str, Any] = await self.caller.call("search issues", run, bucket=SEARCH)
        self.site.learn(page.get("issues") or [])
        return page

    async def issue(self, key: str, fields: list[str]) -> dict[str, Any]:
        issue = await self.caller.call(
            f"read issue {key}", lambda: self._client().issue(segment(key), fields=",".join(fields)), bucket=ISSUE
        )
        raw: dict[str, Any] = issue.raw
        self.site.learn([raw])
        return raw

    async def reconcile_ids(self) -> list[int]:
        """Ids of the issues Tandem wrote within the read-after-write window, newest first, at most 50 (for
        `reconcileIssues`). An id not seen yet is read once (`GET issue?fields=id`); a gone issue is dropped."""
        ids: list[int] = []
        for key in self.site.recent():
            if len(ids) >= RECONCILE_MAX:
                break
            if key not in self.site.ids:
                try:
                    await self.issue(key, ["id"])
                except RequestRejected as exc:
                    if exc.status == 404:
                        self.site.forget(key)
                        continue
                    raise
            ident = self.site.ids.get(key)
            if ident is not None and ident.isdigit():
                ids.append(int(ident))
        return ids

    async def status_changes(self, issue_ids: list[str], token: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"issueIdsOrKeys": issue_ids, "fieldIds": ["status"], "maxResults": 1000}
        if token:
            body["nextPageToken"] = token
        data: dict[str, Any] = await self.caller.call(
            "bulk-fetch changelogs", self._json, "POST", "/rest/api/3/changelog/bulkfetch", body, bucket=CHANGELOGS
        )
        return data

    async def remote_links(self, key: str) -> list[dict[str, Any]]:
        links = await self.caller.call(
            f"read remote links of {key}", lambda: self._client().remote_links(segment(key)), bucket=REMOTE_LINKS
        )
        return [link.raw for link in links]

    async def comments(self, key: str, max_results: int = 100) -> dict[str, Any]:
        data: dict[str, Any] = await self.caller.call(
            f"read comments of {key}",
            self._json,
            "GET",
            f"/rest/api/3/issue/{segment(key)}/comment",
            None,
            {"orderBy": "-created", "maxResults": max_results},
            bucket=COMMENTS,
        )
        return data

    # -- writes ---------------------------------------------------------------------------------------------------

    async def add_comment(
        self,
        key: str,
        document: dict[str, Any],
        look: Callable[[], Awaitable[dict[str, Any] | None]] | None = None,
    ) -> dict[str, Any]:
        """Post a comment; `look` finds it when a timeout or 5xx leaves unclear whether Jira posted it."""
        data: dict[str, Any] = await self._write(
            key,
            f"comment on {key}",
            ADD_COMMENT,
            self._json,
            "POST",
            f"/rest/api/3/issue/{segment(key)}/comment",
            {"body": document},
            look=look,
        )
        return data

    async def upsert_remote_link(self, key: str, global_id: str, url: str, title: str) -> dict[str, Any]:
        """Create, or replace in place, the remote link with `global_id` on `key`.

        Posted straight to `/rest/api/3/issue/{key}/remotelink`: the `jira` library's `add_remote_link`
        first reads the site's application links, which fails on sites without that endpoint."""
        body = {"globalId": global_id, "object": {"url": url, "title": title}}
        data: dict[str, Any] = await self._write(
            key,
            f"upsert remote link on {key}",
            UPSERT_REMOTE_LINK,
            self._json,
            "POST",
            f"/rest/api/3/issue/{segment(key)}/remotelink",
            body,
        )
        return data or {}

    async def delete_remote_link(self, key: str, global_id: str) -> None:
        """Delete the remote link with `global_id` from `key` (Jira answers 204, or 404 when there is none)."""
        await self._write(
            key,
            f"delete remote link on {key}",
            DELETE_REMOTE_LINK,
            self._json,
            "DELETE",
            f"/rest/api/3/issue/{segment(key)}/remotelink",
            None,
            {"globalId": global_id},
        )

    async def account_id(self) -> str:
        """The account id of the user Tandem acts as (its comments are the ones whose markers count)."""
        if self._account_id is None:
            self._account_id = str((await self.myself()).get("accountId") or "")
        return self._account_id

    async def edit_issue(
        self, key: str, *, fields: dict[str, Any] | None = None, update: dict[str, Any] | None = None
    ) -> None:
        body: dict[str, Any] = {}
        if fields:
            body["fields"] = fields
        if update:
            body["update"] = update
        await self._write(key, f"edit {key}", EDIT_ISSUE, self._json, "PUT", f"/rest/api/3/issue/{segment(key)}", body)

    async def webhooks(self) -> list[dict[str, Any]]:
        data = await self.caller.call("list webhooks", self._json, "GET", WEBHOOKS, bucket=LIST_WEBHOOKS)
        return list(data or [])

    async def register_webhook(self, body: dict[str, Any], replace: str | None = None) -> dict[str, Any]:
        if replace:
            data = await self.caller.call("update webhook", self._json, "PUT", replace, body, bucket=UPDATE_WEBHOOK)
        else:
            data = await self.caller.call(
                "register webhook", self._json, "POST", WEBHOOKS, body, bucket=REGISTER_WEBHOOK
            )
        return dict(data or {})


def require_projects(settings: Settings) -> list[str]:
    if not settings.jira_projects:
        raise FatalError(
            "TANDEM_JIRA_PROJECTS is empty: set it to the keys of the Jira projects to watch (e.g. WEB,APP)"
        )
    return list(settings.jira_projects)


__all__ = [
    "PER_ISSUE_REASON",
    "RECONCILE_MAX",
    "WEBHOOKS",
    "CaptchaRequired",
    "EndlessPages",
    "IssueWriteLimited",
    "JiraApi",
    "ProjectInaccessible",
    "QuotaExhausted",
    "Site",
    "bucket_of",
    "issue_of",
    "rate_limit_reason",
    "rate_limit_wait",
    "require_projects",
    "segment",
]
