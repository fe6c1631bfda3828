"""Jira Cloud through the `jira` library (REST v3): search with `nextPageToken`, fields, projects, remote
links, comments, edits, admin webhooks; `changelog/bulkfetch` (which the library lacks) through its own
session. Every call is rate-limited per endpoint (Jira's burst buckets are per endpoint and method),
retried, and run in a thread (`connectors.http.caller`). The library's own retries are off (`max_retries=0`).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from jira import JIRA, JIRAError
from requests.adapters import HTTPAdapter

from connectors.http.caller import ApiCaller, Budget, app_key, leaky_bucket
from connectors.http.classify import HttpFailure, classify, failure_from
from connectors.http.errors import CredentialsRejected
from connectors.http.redact import register_secret
from connectors.http.retry import RetryPolicy
from streams.errors import FatalError
from tandem.settings import Settings

WEBHOOKS = "/rest/webhooks/1.0/webhook"
JIRA_BURST = 20
PERMISSIONS = (
    "the account in TANDEM_JIRA_EMAIL needs 'Browse projects' on TANDEM_JIRA_PROJECTS "
    "('Edit issues' and 'Add comments' for write-back, Jira administrator to register webhooks)"
)


def _classify(exc: BaseException, what: str) -> BaseException:
    if isinstance(exc, JIRAError):
        if exc.status_code is None:
            exc = HttpFailure(503, "no response from Jira")
        else:
            response = exc.response
            headers = dict(response.headers) if response is not None else {}
            body = response.content if response is not None else (exc.text or "")
            exc = failure_from(int(exc.status_code), headers, body)
    return classify(
        exc,
        what,
        system="Jira",
        on_unauthorized=(
            "set TANDEM_JIRA_EMAIL and TANDEM_JIRA_API_TOKEN to an Atlassian account and one of its API tokens"
        ),
        on_forbidden=PERMISSIONS,
    )


class JiraApi:
    """The Jira calls Tandem makes, each `await`-able."""

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
        limits = leaky_bucket(settings.jira_requests_per_second, min(JIRA_BURST, settings.jira_requests_per_second))
        self.caller = ApiCaller(
            "jira",
            limiter_factory=limits,
            classify=_classify,
            policy=RetryPolicy.from_settings(settings),
            threads=settings.connector_threads,
            budget=Budget.shared(app_key("jira", str(settings.jira_url), *self._auth), limits),  # one per app
        )

    @property
    def requests(self) -> int:
        return self.caller.requests

    def close(self) -> None:
        self.caller.close()
        if self._jira is not None:
            self._jira.close()

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
                self._jira = jira
            return self._jira

    async def connect(self) -> None:
        """Create the client (it reads `serverInfo`): the first call that proves the credentials."""
        await self.caller.call("connect", self._client, bucket="serverInfo")

    def _json(self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None) -> Any:
        jira = self._client()
        url = path if path.startswith("http") else f"{self.server}{path}"
        data = None if body is None else json.dumps(body)
        response = jira._session.request(method, url, data=data, params=params)
        return response.json() if response.content else None

    # -- reads ----------------------------------------------------------------------------------------------------

    async def fields(self) -> list[dict[str, Any]]:
        fields: list[dict[str, Any]] = await self.caller.call(
            "list fields", lambda: self._client().fields(), bucket="field"
        )
        return fields

    async def myself(self) -> dict[str, Any]:
        me: dict[str, Any] = await self.caller.call("read myself", lambda: self._client().myself(), bucket="myself")
        return me

    async def project(self, key: str) -> dict[str, Any]:
        project = await self.caller.call(f"read project {key}", lambda: self._client().project(key), bucket="project")
        raw: dict[str, Any] = project.raw
        return raw

    async def search(self, jql: str, fields: list[str], token: str | None, max_results: int) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            result: dict[str, Any] = self._client().enhanced_search_issues(
                jql, nextPageToken=token, maxResults=max_results, fields=list(fields), json_result=True
            )
            return result

        page: dict[str, Any] = await self.caller.call("search issues", run, bucket="search")
        return page

    async def issue(self, key: str, fields: list[str]) -> dict[str, Any]:
        issue = await self.caller.call(
            f"read issue {key}", lambda: self._client().issue(key, fields=",".join(fields)), bucket="issue"
        )
        raw: dict[str, Any] = issue.raw
        return raw

    async def status_changes(self, issue_ids: list[str], token: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"issueIdsOrKeys": issue_ids, "fieldIds": ["status"], "maxResults": 1000}
        if token:
            body["nextPageToken"] = token
        data: dict[str, Any] = await self.caller.call(
            "bulk-fetch changelogs", self._json, "POST", "/rest/api/3/changelog/bulkfetch", body, bucket="changelog"
        )
        return data

    async def remote_links(self, key: str) -> list[dict[str, Any]]:
        links = await self.caller.call(
            f"read remote links of {key}", lambda: self._client().remote_links(key), bucket="remotelink"
        )
        return [link.raw for link in links]

    async def comments(self, key: str, max_results: int = 100) -> dict[str, Any]:
        data: dict[str, Any] = await self.caller.call(
            f"read comments of {key}",
            self._json,
            "GET",
            f"/rest/api/3/issue/{key}/comment",
            None,
            {"orderBy": "-created", "maxResults": max_results},
            bucket="comment-read",
        )
        return data

    # -- writes ---------------------------------------------------------------------------------------------------

    async def add_comment(self, key: str, document: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = await self.caller.call(
            f"comment on {key}",
            self._json,
            "POST",
            f"/rest/api/3/issue/{key}/comment",
            {"body": document},
            bucket="comment",
        )
        return data

    async def upsert_remote_link(self, key: str, global_id: str, url: str, title: str) -> dict[str, Any]:
        """Create, or replace in place, the remote link with `global_id` on `key`.

        Posted straight to `/rest/api/3/issue/{key}/remotelink`: the `jira` library's `add_remote_link`
        first reads the site's application links, which fails on sites without that endpoint."""
        body = {"globalId": global_id, "object": {"url": url, "title": title}}
        data: dict[str, Any] = await self.caller.call(
            f"upsert remote link on {key}",
            self._json,
            "POST",
            f"/rest/api/3/issue/{key}/remotelink",
            body,
            bucket="remotelink-write",
        )
        return data or {}

    async def delete_remote_link(self, key: str, global_id: str) -> None:
        """Delete the remote link with `global_id` from `key` (Jira answers 204, or 404 when there is none)."""
        await self.caller.call(
            f"delete remote link on {key}",
            self._json,
            "DELETE",
            f"/rest/api/3/issue/{key}/remotelink",
            None,
            {"globalId": global_id},
            bucket="remotelink-write",
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
        await self.caller.call(f"edit {key}", self._json, "PUT", f"/rest/api/3/issue/{key}", body, bucket="issue-edit")

    async def webhooks(self) -> list[dict[str, Any]]:
        data = await self.caller.call("list webhooks", self._json, "GET", WEBHOOKS, bucket="webhooks")
        return list(data or [])

    async def register_webhook(self, body: dict[str, Any], replace: str | None = None) -> dict[str, Any]:
        if replace:
            data = await self.caller.call("update webhook", self._json, "PUT", replace, body, bucket="webhooks-write")
        else:
            data = await self.caller.call(
                "register webhook", self._json, "POST", WEBHOOKS, body, bucket="webhooks-write"
            )
        return dict(data or {})


def require_projects(settings: Settings) -> list[str]:
    if not settings.jira_projects:
        raise FatalError(
            "TANDEM_JIRA_PROJECTS is empty: set it to the keys of the Jira projects to watch (e.g. WEB,APP)"
        )
    return list(settings.jira_projects)


__all__ = ["WEBHOOKS", "JiraApi", "require_projects"]
