"""Jira Cloud through the `jira` library (REST v3): search with `nextPageToken`, fields, projects, remote
links, comments, edits, admin webhooks; `changelog/bulkfetch` (which the library lacks) through its own
session. Every call runs in a thread under the app's shared budget (`connectors.http.caller`), retried; the
library's own retries are off (`max_retries=0`).

Rate limits and errors: `connectors.jira.limits` and `connectors.jira.errors`; what clients of one site share:
`connectors.jira.site`.
"""

from __future__ import annotations

import asyncio
import json
import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar
from urllib.parse import quote

from jira import JIRA
from requests import Response
from requests.adapters import HTTPAdapter

from connectors.http.caller import ApiCaller, Budget, app_key, leaky_bucket
from connectors.http.errors import CredentialsRejected, RequestRejected
from connectors.http.redact import register_secret
from connectors.http.retry import RetryPolicy, parse_retry_after
from connectors.jira.errors import IssueWriteLimited, QuotaExhausted, classify_error
from connectors.jira.limits import (
    ADD_COMMENT,
    CHANGELOGS,
    COMMENTS,
    DELETE_REMOTE_LINK,
    EDIT_ISSUE,
    FIELDS,
    ISSUE,
    JIRA_BURST,
    LIST_WEBHOOKS,
    MYSELF,
    PROJECT,
    QUOTA_FALLBACK_SECONDS,
    REGISTER_WEBHOOK,
    REMOTE_LINKS,
    SEARCH,
    SERVER_INFO,
    UPDATE_WEBHOOK,
    UPSERT_REMOTE_LINK,
    WRITE_BUCKETS,
    bucket_of,
)
from connectors.jira.site import Site
from streams.errors import FatalError
from tandem.settings import Settings

WEBHOOKS = "/rest/webhooks/1.0/webhook"
RECONCILE_MAX = 50
"""`reconcileIssues` "accepts max 50 ids" (the description of `GET /rest/api/3/search/jql`)."""


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
        error = classify_error(exc, what)
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


__all__ = ["RECONCILE_MAX", "WEBHOOKS", "JiraApi", "require_projects", "segment"]
