"""HubSpot through `hubspot-api-client` 12: campaigns via its raw request builder, owners, tasks and notes
via its typed APIs. Every call is rate-limited, retried and run in a thread (`connectors.http.caller`), and
every answer's limit headers are read back on the event loop (`connectors.hubspot.limits`).

`Client.api_request` sends with bare `requests.get(...)`: no timeout and no connection reuse. Campaign
calls therefore build the request with the same `hubspot.utils.requests` builder `api_request` uses (auth
header, URL, JSON body) and send it on a pooled `requests.Session` with a timeout. The typed calls use the
client's `*_with_http_info` variants, which return the response headers with the data.

`priority=True` marks the calls of write-back and alerts (campaign status and property writes, tasks,
notes): they go on while only HubSpot's daily reserve is left, when polling waits for the daily reset.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

import hubspot
import requests
from aiolimiter import AsyncLimiter
from hubspot.crm.objects.notes import AssociationSpec
from hubspot.crm.objects.notes import PublicAssociationsForObject as NoteAssociation
from hubspot.crm.objects.notes import PublicObjectId as NoteTarget
from hubspot.crm.objects.notes import SimplePublicObjectInputForCreate as NoteInput
from hubspot.crm.objects.tasks import Filter, FilterGroup, PublicObjectSearchRequest
from hubspot.crm.objects.tasks import SimplePublicObjectInputForCreate as TaskInput
from hubspot.utils.requests.http_request_builder import Request as HubSpotRequest
from requests.adapters import HTTPAdapter

from connectors.http.caller import ApiCaller, Budget, app_key, leaky_bucket
from connectors.http.classify import HttpFailure, classify, vendor_detail
from connectors.http.errors import ApiPaused, CredentialsRejected, WriteUnsure
from connectors.http.redact import register_secret
from connectors.http.retry import RetryPolicy, parse_retry_after
from connectors.hubspot.limits import (
    DAILY_POLICY,
    Headers,
    HubSpotLimits,
    header,
    policy_of,
    rolling_window_bucket,
)
from tandem.settings import Settings

CAMPAIGNS = "/marketing/v3/campaigns"
SEARCH_PER_SECOND = 3
"""Below HubSpot's four search requests a second per token (its CRM search guide, "Limitations")."""
SCOPES_READ = "marketing.campaigns.read, crm.objects.owners.read"
SCOPES_WRITE = "marketing.campaigns.write, crm.objects.contacts.write (tasks and notes)"

T = TypeVar("T")


def _path(base: str, *segments: str) -> str:
    """`base` and each segment quoted whole (`/` too): an id from elsewhere (a reference in a Jira label, say) is
    one path segment, never `..` steps to another endpoint."""
    return "/".join([base, *(quote(str(segment), safe="") for segment in segments)])


class HubSpotFailure(HttpFailure):
    """A non-2xx HubSpot answer, with its headers (rate-limit counts) and the 429's `policyName`."""

    def __init__(self, status: int, headers: Headers, body: Any) -> None:
        retry_after = parse_retry_after(header(headers, "Retry-After"))
        super().__init__(status, vendor_detail(body), retry_after)
        self.headers = headers
        self.policy = policy_of(body) if status == 429 else None


def _failure(exc: BaseException) -> BaseException:
    """The typed client's `ApiException` as a `HubSpotFailure` (others unchanged)."""
    typed_status = getattr(exc, "status", None)
    if typed_status is not None and hasattr(exc, "body") and not isinstance(exc, HttpFailure):
        return HubSpotFailure(int(typed_status), getattr(exc, "headers", None), getattr(exc, "body", None))
    return exc


def _classify(exc: BaseException, what: str) -> BaseException:
    return classify(
        _failure(exc),
        what,
        system="HubSpot",
        on_unauthorized="set TANDEM_HUBSPOT_TOKEN to a valid private-app access token",
        on_forbidden=(
            f"give the private app in TANDEM_HUBSPOT_TOKEN the scopes {SCOPES_READ} (and {SCOPES_WRITE} for write-back)"
        ),
    )


NOTE_TO = {"contact": 202, "company": 190, "deal": 214}
"""HubSpot-defined association types from a note to the records it can be shown on."""


class HubSpotApi:
    """The HubSpot calls Tandem makes, each `await`-able."""

    def __init__(self, settings: Settings) -> None:
        if settings.hubspot_token is None:
            raise CredentialsRejected(
                "TANDEM_HUBSPOT_TOKEN is not set: set it to a private-app access token", status=401
            )
        register_secret(settings.hubspot_token)
        token = settings.hubspot_token.get_secret_value()
        base = settings.hubspot_base_url.rstrip("/")
        self.timeout = settings.http_timeout_seconds
        self.client = hubspot.Client.create(access_token=token, base_url=base, host=base)
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=settings.connector_threads, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        limits = leaky_bucket(*rolling_window_bucket(settings.hubspot_requests_per_10s, 10.0))
        budget = Budget.shared(app_key("hubspot", base, token), limits)  # one budget per app and worker
        self.caller = ApiCaller(
            "hubspot",
            limiter_factory=limits,
            classify=self._classify,
            policy=RetryPolicy.from_settings(settings),
            threads=settings.connector_threads,
            budget=budget,
        )
        self._search_limiter: AsyncLimiter | None = None
        self.limits = HubSpotLimits.of(
            budget,
            per_10s=settings.hubspot_requests_per_10s,
            reserve=settings.hubspot_daily_reserve,
            zone=ZoneInfo(settings.hubspot_timezone or "UTC"),
        )

    @property
    def search_limiter(self) -> AsyncLimiter:
        """HubSpot's search endpoints allow `SEARCH_PER_SECOND` requests a second per token (made on first use:
        a limiter belongs to the event loop that first waits on it)."""
        if self._search_limiter is None:
            self._search_limiter = AsyncLimiter(SEARCH_PER_SECOND, 1.0)
        return self._search_limiter

    @property
    def requests(self) -> int:
        return self.caller.requests

    def close(self) -> None:
        self.caller.close()
        self.session.close()

    def _classify(self, exc: BaseException, what: str) -> BaseException:
        """Classify a failed call, after reading its limit headers (on the loop): a 429 `DAILY` holds the
        budget until the daily reset and is not retried."""
        failure = _failure(exc)
        if isinstance(failure, HubSpotFailure):
            self.limits.observe(failure.headers)
            if failure.status == 429 and failure.policy == DAILY_POLICY:
                until = self.limits.daily_spent()
                return ApiPaused(f"HubSpot {what}: {self.limits.held_reason}", until=until)
        return _classify(failure, what)

    async def _call(
        self,
        what: str,
        fn: Callable[..., tuple[T, Headers]],
        *args: Any,
        priority: bool = False,
        once: bool = False,
        look: Callable[[], Awaitable[T | None]] | None = None,
    ) -> T:
        """`once`: a write HubSpot cannot be asked about (no idempotency key, nothing to look for), so after a
        timeout or 5xx that may hide it having been done, `WriteUnsure` instead of a blind resend. `look`: a
        write that can be looked for; after such a failure, what it finds is the write done, else it is resent."""

        async def unsure() -> None:
            raise WriteUnsure(f"HubSpot {what}: no answer, and it may have been done; not sent again")

        async def found() -> tuple[T, Headers] | None:
            assert look is not None
            done = await look()
            return None if done is None else (done, {})

        seek = found if look is not None else (unsure if once else None)
        data, headers = await self.caller.call(what, fn, *args, priority=priority, look=seek)
        self.limits.observe(headers)
        return data

    # -- raw requests (campaigns) ------------------------------------------------------------------------------

    def _send(self, method: str, path: str, qs: dict[str, Any] | None = None, body: Any = None) -> tuple[Any, Headers]:
        options: dict[str, Any] = {"method": method, "path": path}
        if qs:
            options["qs"] = qs
        if body is not None:
            options["body"] = body
        request = HubSpotRequest(self.client.config, options)
        response = self.session.request(
            request.get_method(), request.get_url(), timeout=self.timeout, **request.get_options_for_sending()
        )
        headers = dict(response.headers)
        if response.status_code == 207 or response.ok:
            return (response.json() if response.content else None), headers
        raise HubSpotFailure(response.status_code, headers, response.content)

    async def list_campaigns(
        self, *, sort: str, properties: list[str], after: str | None = None, limit: int = 100
    ) -> dict[str, Any]:
        qs: dict[str, Any] = {"sort": sort, "limit": limit}
        if properties:
            qs["properties"] = ",".join(properties)
        if after:
            qs["after"] = after
        data: dict[str, Any] = await self._call("list campaigns", self._send, "GET", CAMPAIGNS, qs)
        return data

    async def get_campaign(self, campaign_id: str) -> dict[str, Any]:
        """One campaign (no properties): `RequestRejected` with status 404 when HubSpot has none by that id."""
        data: dict[str, Any] = await self._call("read campaign", self._send, "GET", _path(CAMPAIGNS, campaign_id))
        return data

    async def read_campaigns(self, ids: list[str], properties: list[str], *, priority: bool = False) -> dict[str, Any]:
        qs = {"properties": ",".join(properties)} if properties else None
        body = {"inputs": [{"id": ident} for ident in ids]}
        data: dict[str, Any] = await self._call(
            "batch-read campaigns", self._send, "POST", f"{CAMPAIGNS}/batch/read", qs, body, priority=priority
        )
        return data

    async def update_campaign(
        self, campaign_id: str, properties: dict[str, str], *, priority: bool = False
    ) -> dict[str, Any]:
        data: dict[str, Any] = await self._call(
            "update campaign",
            self._send,
            "PATCH",
            _path(CAMPAIGNS, campaign_id),
            None,
            {"properties": properties},
            priority=priority,
        )
        return data

    # -- typed APIs -------------------------------------------------------------------------------------------

    @staticmethod
    def _typed(fn: Callable[..., Any], **kwargs: Any) -> tuple[dict[str, Any], Headers]:
        """A typed `*_with_http_info` call: (the answer as a dict, its headers)."""
        data, _status, headers = fn(**kwargs)
        return data.to_dict(), headers

    async def owners_page(self, after: str | None = None, *, archived: bool = False) -> dict[str, Any]:
        api = self.client.crm.owners.owners_api
        kwargs: dict[str, Any] = {"limit": 500, "archived": archived, "_request_timeout": self.timeout}
        if after:
            kwargs["after"] = after
        return await self._call("list owners", lambda: self._typed(api.get_page_with_http_info, **kwargs))

    async def owner(self, owner_id: str, *, archived: bool = False) -> dict[str, Any]:
        api = self.client.crm.owners.owners_api
        kwargs = {"owner_id": int(owner_id), "archived": archived, "_request_timeout": self.timeout}
        return await self._call("read owner", lambda: self._typed(api.get_by_id_with_http_info, **kwargs))

    async def create_task(
        self,
        properties: dict[str, str],
        *,
        priority: bool = False,
        look: Callable[[], Awaitable[dict[str, Any] | None]] | None = None,
    ) -> dict[str, Any]:
        """Create a task; `look` finds it when a timeout or 5xx leaves unclear whether HubSpot made it."""
        api = self.client.crm.objects.tasks.basic_api
        task = TaskInput(properties=properties, associations=[])
        kwargs = {"simple_public_object_input_for_create": task, "_request_timeout": self.timeout}
        return await self._call(
            "create task",
            lambda: self._typed(api.create_with_http_info, **kwargs),
            priority=priority,
            once=look is None,
            look=look,
        )

    async def search_tasks(
        self, equal: dict[str, str], properties: list[str], *, after: str | None = None, priority: bool = False
    ) -> dict[str, Any]:
        """One page (100) of the tasks whose properties equal `equal`, by HubSpot's CRM search, which allows
        four requests a second per token besides the account's limits: held to `SEARCH_PER_SECOND` here."""
        api = self.client.crm.objects.tasks.search_api
        filters = [Filter(property_name=name, operator="EQ", value=value) for name, value in sorted(equal.items())]
        request = PublicObjectSearchRequest(
            filter_groups=[FilterGroup(filters=filters)], properties=properties, limit=100, after=after, sorts=[]
        )
        kwargs = {"public_object_search_request": request, "_request_timeout": self.timeout}
        async with self.search_limiter:
            return await self._call(
                "search tasks", lambda: self._typed(api.do_search_with_http_info, **kwargs), priority=priority
            )

    async def create_note(
        self, properties: dict[str, str], records: dict[str, str], *, priority: bool = False
    ) -> dict[str, Any]:
        """A note on `records` (`contact`, `company` or `deal` → id), with HubSpot's own association types."""
        api = self.client.crm.objects.notes.basic_api
        associations = [
            NoteAssociation(
                to=NoteTarget(id=record_id),
                types=[AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=NOTE_TO[kind])],
            )
            for kind, record_id in sorted(records.items())
        ]
        note = NoteInput(properties=properties, associations=associations)
        kwargs = {"simple_public_object_input_for_create": note, "_request_timeout": self.timeout}
        return await self._call(
            "create note", lambda: self._typed(api.create_with_http_info, **kwargs), priority=priority, once=True
        )


__all__ = ["CAMPAIGNS", "NOTE_TO", "HubSpotApi", "HubSpotFailure", "rolling_window_bucket"]
