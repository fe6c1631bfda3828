"""HubSpot through `hubspot-api-client` 12: campaigns via its raw request builder, owners, tasks and notes
via its typed APIs. Every call is rate-limited, retried and run in a thread (`connectors.http.caller`).

`Client.api_request` sends with bare `requests.get(...)`: no timeout and no connection reuse. Campaign
calls therefore build the request with the same `hubspot.utils.requests` builder `api_request` uses (auth
header, URL, JSON body) and send it on a pooled `requests.Session` with a timeout.
"""

from __future__ import annotations

from typing import Any

import hubspot
import requests
from hubspot.crm.objects.notes import AssociationSpec
from hubspot.crm.objects.notes import PublicAssociationsForObject as NoteAssociation
from hubspot.crm.objects.notes import PublicObjectId as NoteTarget
from hubspot.crm.objects.notes import SimplePublicObjectInputForCreate as NoteInput
from hubspot.crm.objects.tasks import SimplePublicObjectInputForCreate as TaskInput
from hubspot.utils.requests.http_request_builder import Request as HubSpotRequest
from requests.adapters import HTTPAdapter

from connectors.http.caller import ApiCaller, Budget, app_key, leaky_bucket
from connectors.http.classify import HttpFailure, classify, failure_from
from connectors.http.errors import CredentialsRejected
from connectors.http.redact import register_secret
from connectors.http.retry import RetryPolicy
from tandem.settings import Settings

CAMPAIGNS = "/marketing/v3/campaigns"
SCOPES_READ = "marketing.campaigns.read, crm.objects.owners.read"
SCOPES_WRITE = "marketing.campaigns.write, crm.objects.contacts.write (tasks and notes)"
HUBSPOT_BURST = 10


def _classify(exc: BaseException, what: str) -> BaseException:
    typed_status = getattr(exc, "status", None)
    if typed_status is not None and hasattr(exc, "body") and not isinstance(exc, HttpFailure):
        headers = dict(getattr(exc, "headers", None) or {})
        exc = failure_from(int(typed_status), headers, getattr(exc, "body", None))
    return classify(
        exc,
        what,
        system="HubSpot",
        on_unauthorized="set TANDEM_HUBSPOT_TOKEN to a valid private-app access token",
        on_forbidden=(
            f"give the private app in TANDEM_HUBSPOT_TOKEN the scopes {SCOPES_READ} (and {SCOPES_WRITE} for write-back)"
        ),
    )


def rolling_window_bucket(limit: int, window: float) -> tuple[float, float]:
    """(rate per second, burst) of a leaky bucket that never exceeds `limit` requests in any `window` seconds:
    at most burst + rate·window requests fit in a window, so burst + rate·window = limit."""
    burst = float(min(HUBSPOT_BURST, max(1, limit // 2)))
    return (limit - burst) / window, burst


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
        self.caller = ApiCaller(
            "hubspot",
            limiter_factory=limits,
            classify=_classify,
            policy=RetryPolicy.from_settings(settings),
            threads=settings.connector_threads,
            budget=Budget.shared(app_key("hubspot", base, token), limits),  # one budget per app and worker
        )

    @property
    def requests(self) -> int:
        return self.caller.requests

    def close(self) -> None:
        self.caller.close()
        self.session.close()

    # -- raw requests (campaigns) ------------------------------------------------------------------------------

    def _send(self, method: str, path: str, qs: dict[str, Any] | None = None, body: Any = None) -> Any:
        options: dict[str, Any] = {"method": method, "path": path}
        if qs:
            options["qs"] = qs
        if body is not None:
            options["body"] = body
        request = HubSpotRequest(self.client.config, options)
        response = self.session.request(
            request.get_method(), request.get_url(), timeout=self.timeout, **request.get_options_for_sending()
        )
        if response.status_code == 207 or response.ok:
            return response.json() if response.content else None
        raise failure_from(response.status_code, response.headers, response.content)

    async def list_campaigns(
        self, *, sort: str, properties: list[str], after: str | None = None, limit: int = 100
    ) -> dict[str, Any]:
        qs: dict[str, Any] = {"sort": sort, "limit": limit}
        if properties:
            qs["properties"] = ",".join(properties)
        if after:
            qs["after"] = after
        data: dict[str, Any] = await self.caller.call("list campaigns", self._send, "GET", CAMPAIGNS, qs)
        return data

    async def read_campaigns(self, ids: list[str], properties: list[str]) -> dict[str, Any]:
        qs = {"properties": ",".join(properties)} if properties else None
        body = {"inputs": [{"id": ident} for ident in ids]}
        data: dict[str, Any] = await self.caller.call(
            "batch-read campaigns", self._send, "POST", f"{CAMPAIGNS}/batch/read", qs, body
        )
        return data

    async def update_campaign(self, campaign_id: str, properties: dict[str, str]) -> dict[str, Any]:
        data: dict[str, Any] = await self.caller.call(
            "update campaign", self._send, "PATCH", f"{CAMPAIGNS}/{campaign_id}", None, {"properties": properties}
        )
        return data

    # -- typed APIs -------------------------------------------------------------------------------------------

    async def owners_page(self, after: str | None = None, *, archived: bool = False) -> dict[str, Any]:
        api = self.client.crm.owners.owners_api
        kwargs: dict[str, Any] = {"limit": 500, "archived": archived, "_request_timeout": self.timeout}
        if after:
            kwargs["after"] = after
        page = await self.caller.call("list owners", api.get_page, **kwargs)
        data: dict[str, Any] = page.to_dict()
        return data

    async def owner(self, owner_id: str, *, archived: bool = False) -> dict[str, Any]:
        api = self.client.crm.owners.owners_api
        owner = await self.caller.call(
            "read owner", api.get_by_id, int(owner_id), archived=archived, _request_timeout=self.timeout
        )
        data: dict[str, Any] = owner.to_dict()
        return data

    async def create_task(self, properties: dict[str, str]) -> dict[str, Any]:
        api = self.client.crm.objects.tasks.basic_api
        task = TaskInput(properties=properties, associations=[])
        created = await self.caller.call(
            "create task", api.create, simple_public_object_input_for_create=task, _request_timeout=self.timeout
        )
        data: dict[str, Any] = created.to_dict()
        return data

    async def create_note(self, properties: dict[str, str], records: dict[str, str]) -> dict[str, Any]:
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
        created = await self.caller.call(
            "create note", api.create, simple_public_object_input_for_create=note, _request_timeout=self.timeout
        )
        data: dict[str, Any] = created.to_dict()
        return data


__all__ = ["CAMPAIGNS", "NOTE_TO", "HubSpotApi"]
