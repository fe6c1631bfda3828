"""The HubSpot sandbox's HTTP API: the endpoints Tandem uses, shaped as in HubSpot's OpenAPI descriptions.

`create_app(world, validator=..., base_url=...)` builds an aiohttp app serving
- Marketing Campaigns v3: list (`after`, `limit`, `sort`, `properties`, `name`), create, read, update,
  delete, batch read, budget totals, metrics;
- CRM Owners v3: list (`after`, `limit`, `email`, `archived`) and read by id;
- CRM Tasks and Notes v3: create (with HubSpot-defined associations) and read by id.
Bearer-token auth and HubSpot's limits sit in front (see `core.vendor_middlewares`): the DAILY limit, then the
TEN_SECONDLY_ROLLING window, both announced on every answer in HubSpot's `X-HubSpot-RateLimit-*` headers.
Control routes of its own, beside the shared control plane:
- `GET/PUT /_sandbox/hubspot/limits`: `{"per_10s", "interval_ms", "daily", "used_today", "time_zone"}` (the
  account's tier: 100 or 190 per 10 s, a daily limit or `null` for none, requests already spent today);
- `GET/PUT /_sandbox/hubspot/paging`: `{"cursors": "offset" | "keyset"}` (what the campaign listing's `after` is).
Loading a scenario restores both to their defaults. Deliberate differences from HubSpot are listed in
BEHAVIOR.md beside this file.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from sandbox.core import RollingWindowLimiter, SandboxWorld, vendor_middlewares
from sandbox.hubspot.errors import (
    HubSpotError,
    auth_body,
    correlation_id,
    daily_limit_body,
    not_found,
    rate_limit_body,
    status_body,
    validation_error,
)
from sandbox.hubspot.paging import KINDS, Cursor, Kind, paginate
from sandbox.hubspot.params import bool_param, date_param, int_param, json_body, list_param, paging_cursor
from sandbox.hubspot.search import search
from sandbox.hubspot.shapes import campaign_json, money_json, object_json, owner_json
from sandbox.hubspot.store import Campaign, HubSpotStore, iso
from sandbox.limits import DailyLimit
from sandbox.validation import ResponseValidator

SYSTEM = "hubspot"
SPEC_DIR = Path(__file__).resolve().parent.parent / "specs" / "hubspot"
SPEC_FILES = ("campaigns-v3.json", "owners-v3.json", "tasks-v3.json", "notes-v3.json")
DEFAULT_RATE_LIMIT = (190, 10.0)
"""Professional/Enterprise private apps: 190 requests per rolling 10 seconds."""
DEFAULT_DAILY_LIMIT = 650_000
"""Professional private apps' daily limit (https://developers.hubspot.com/changelog/increasing-our-api-limits)."""
DEFAULT_CURSORS: Kind = "offset"
"""HubSpot does not document what the campaign listing's `after` is: an offset is the stricter reading."""

CAMPAIGN_SORTS = {"hs_name", "createdAt", "updatedAt"}
CAMPAIGN_DEFAULT_LIMIT = 50
CAMPAIGN_MAX_LIMIT = 100
BATCH_READ_MAX = 50
OWNER_DEFAULT_LIMIT = 100
OWNER_MAX_LIMIT = 500

STORE: web.AppKey[HubSpotStore] = web.AppKey("hubspot_store", HubSpotStore)
BASE_URL: web.AppKey[str] = web.AppKey("hubspot_base_url", str)
WORLD: web.AppKey[SandboxWorld] = web.AppKey("hubspot_world", SandboxWorld)
RATE_HEADERS: web.RequestKey[dict[str, str]] = web.RequestKey("hubspot_rate_headers", dict)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def spec_paths() -> list[Path]:
    """HubSpot's OpenAPI descriptions for the endpoints this sandbox serves."""
    return [SPEC_DIR / name for name in SPEC_FILES]


@dataclass
class Account:
    """The sandbox portal's API terms: its limits (tier, daily) and the kind of campaign-listing cursor.
    `reset()` (loading a scenario) restores the defaults it was made with and forgets every count."""

    window: RollingWindowLimiter
    daily: DailyLimit
    cursors: Kind = DEFAULT_CURSORS
    _defaults: tuple[int, float, int | None, str] = field(init=False)

    def __post_init__(self) -> None:
        self._defaults = (self.window.limit, self.window.window, self.daily.limit, self.daily.zone.key)

    def reset(self) -> None:
        limit, window, daily, zone = self._defaults
        self.window.limit, self.window.window = limit, window
        self.daily.limit, self.daily.zone = daily, ZoneInfo(zone)
        self.cursors = DEFAULT_CURSORS
        self.window.reset()
        self.daily.reset()

    def limits_json(self, key: str) -> dict[str, Any]:
        return {
            "per_10s": self.window.limit,
            "interval_ms": int(self.window.window * 1000),
            "daily": self.daily.limit,
            "used_today": self.daily.used(key),
            "time_zone": self.daily.zone.key,
        }


ACCOUNT: web.AppKey[Account] = web.AppKey("hubspot_account", Account)


# --- helpers ---------------------------------------------------------------------------------------------


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, content_type="application/json")


def _store(request: web.Request) -> HubSpotStore:
    return request.app[STORE]


def _next_paging(request: web.Request, cursor: Cursor | None) -> dict[str, Any] | None:
    asked = request.query.get("after")
    if asked and request.app[WORLD].faults.repeats_cursor(SYSTEM, request.path):
        after = asked  # the fault: the cursor asked with comes back as the next one
    elif cursor is None:
        return None
    else:
        after = cursor.encode()
    query = [(k, v) for k, v in request.query.items() if k != "after"] + [("after", after)]
    link = f"{request.app[BASE_URL]}{request.path}?{urlencode(query)}"
    return {"next": {"after": after, "link": link}}


# --- campaigns -------------------------------------------------------------------------------------------


def _campaign_sort(request: web.Request) -> tuple[str, bool]:
    raw = request.query.get("sort", "createdAt") or "createdAt"
    field_name = raw.removeprefix("-")
    if field_name not in CAMPAIGN_SORTS:
        raise validation_error(
            f"Invalid sort '{raw}'. Sortable: {', '.join(sorted(CAMPAIGN_SORTS))} (prefix - for descending)",
            in_="sort",
            code="INVALID_SORT",
        )
    return raw, raw.startswith("-")


def _sort_key(sort: str) -> Callable[[Campaign], str | int]:
    field_name = sort.removeprefix("-")
    if field_name == "hs_name":
        return lambda c: c.properties.get("hs_name", "").casefold()
    if field_name == "createdAt":
        return lambda c: int(c.created_at.timestamp() * 1_000_000)
    return lambda c: int(c.updated_at.timestamp() * 1_000_000)


async def list_campaigns(request: web.Request) -> web.Response:
    limit = int_param(request, "limit", CAMPAIGN_DEFAULT_LIMIT, 1, CAMPAIGN_MAX_LIMIT)
    sort, descending = _campaign_sort(request)
    after = paging_cursor(request, sort)
    properties = list_param(request, "properties") or []
    name = (request.query.get("name") or "").casefold()
    matching = [c for c in _store(request).campaigns.values() if name in c.properties.get("hs_name", "").casefold()]
    page = paginate(
        matching,
        sort=sort,
        key=_sort_key(sort),
        ident=lambda c: c.id,
        descending=descending,
        after=after,
        limit=limit,
        kind=request.app[ACCOUNT].cursors,
    )
    body: dict[str, Any] = {"total": len(matching), "results": [campaign_json(c, properties) for c in page.items]}
    paging = _next_paging(request, page.next)
    if paging:
        body["paging"] = paging
    return _json(body)


def _campaign_input(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("properties"), dict):
        raise validation_error("properties is required and must be an object", in_="properties", code="REQUIRED_FIELD")
    properties: dict[str, Any] = data["properties"]
    return properties


async def create_campaign(request: web.Request) -> web.Response:
    properties = _campaign_input(await json_body(request))
    campaign = _store(request).create_campaign(properties)
    response = _json(campaign_json(campaign, None), status=201)
    response.headers["Location"] = f"{request.app[BASE_URL]}/marketing/v3/campaigns/{campaign.id}"
    return response


def _campaign(request: web.Request) -> Campaign:
    guid = request.match_info["campaignGuid"]
    campaign = _store(request).campaigns.get(guid)
    if campaign is None:
        raise not_found(f"Campaign {guid} not found")
    return campaign


async def get_campaign(request: web.Request) -> web.Response:
    date_param(request, "startDate")
    date_param(request, "endDate")
    return _json(campaign_json(_campaign(request), list_param(request, "properties") or [], assets=True))


async def update_campaign(request: web.Request) -> web.Response:
    guid = request.match_info["campaignGuid"]
    properties = _campaign_input(await json_body(request))
    campaign = _store(request).update_campaign(guid, properties)
    return _json(campaign_json(campaign, None))


async def delete_campaign(request: web.Request) -> web.Response:
    _store(request).delete_campaign(request.match_info["campaignGuid"])
    return web.Response(status=204)


async def batch_read_campaigns(request: web.Request) -> web.Response:
    started = _store(request).clock.now()
    data = await json_body(request)
    inputs = data.get("inputs") if isinstance(data, dict) else None
    if not isinstance(inputs, list) or not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in inputs):
        raise validation_error("inputs is required: a list of {id}", in_="inputs", code="REQUIRED_FIELD")
    if len(inputs) > BATCH_READ_MAX:
        raise validation_error(f"At most {BATCH_READ_MAX} inputs per batch, got {len(inputs)}", in_="inputs")
    date_param(request, "startDate")
    date_param(request, "endDate")
    properties = list_param(request, "properties") or []
    ids = list(dict.fromkeys(i["id"] for i in inputs))
    campaigns = _store(request).campaigns
    found = [campaign_json(campaigns[i], properties, assets=True) for i in ids if i in campaigns]
    missing = [i for i in ids if i not in campaigns]
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": found,
        "requestedAt": iso(started),
        "startedAt": iso(started),
        "completedAt": iso(_store(request).clock.now()),
    }
    if not missing:
        return _json(body)
    body["numErrors"] = len(missing)
    body["errors"] = [
        {
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "message": f"Could not get campaign with id {guid}",
            "context": {"ids": [guid]},
            "errors": [],
            "links": {},
        }
        for guid in missing
    ]
    return _json(body, status=207)


async def budget_totals(request: web.Request) -> web.Response:
    campaign = _campaign(request)
    budget = sum(item.amount for item in campaign.budget_items)
    spend = sum(item.amount for item in campaign.spend_items)
    return _json(
        {
            "budgetItems": [money_json(item) for item in campaign.budget_items],
            "spendItems": [money_json(item) for item in campaign.spend_items],
            "currencyCode": campaign.properties.get("hs_currency_code", "USD"),
            "budgetTotal": budget,
            "spendTotal": spend,
            "remainingBudget": budget - spend,
        }
    )


async def campaign_metrics(request: web.Request) -> web.Response:
    _campaign(request)
    date_param(request, "startDate")
    date_param(request, "endDate")
    return _json({"influencedContacts": 0, "newContactsFirstTouch": 0, "newContactsLastTouch": 0, "sessions": 0})


# --- owners ----------------------------------------------------------------------------------------------


async def list_owners(request: web.Request) -> web.Response:
    limit = int_param(request, "limit", OWNER_DEFAULT_LIMIT, 1, OWNER_MAX_LIMIT)
    archived = bool_param(request, "archived")
    after = paging_cursor(request, "id")
    email = (request.query.get("email") or "").casefold()
    owners = [
        o
        for o in _store(request).owners.values()
        if o.archived == archived and (not email or (o.email or "").casefold() == email)
    ]
    page = paginate(
        owners, sort="id", key=lambda o: int(o.id), ident=lambda o: o.id, descending=False, after=after, limit=limit
    )
    body: dict[str, Any] = {"results": [owner_json(o) for o in page.items]}
    paging = _next_paging(request, page.next)
    if paging:
        body["paging"] = paging
    return _json(body)


async def get_owner(request: web.Request) -> web.Response:
    raw = request.match_info["ownerId"]
    if not raw.isdigit():
        raise validation_error(f"Unable to parse '{raw}' as an owner id (an integer)", in_="ownerId")
    id_property = request.query.get("idProperty", "id")
    if id_property not in ("id", "userId"):
        raise validation_error(f"idProperty must be id or userId, got '{id_property}'", in_="idProperty")
    archived = bool_param(request, "archived")
    for owner in _store(request).owners.values():
        key = owner.id if id_property == "id" else str(owner.user_id)
        if key == raw and owner.archived == archived:
            return _json(owner_json(owner))
    raise not_found(f"No owner found with {id_property} {raw}")


# --- tasks and notes -------------------------------------------------------------------------------------


def _object_routes(object_type: str) -> tuple[Handler, Handler, Handler]:
    async def create(request: web.Request) -> web.Response:
        data = await json_body(request)
        if not isinstance(data, dict):
            raise validation_error("the body must be an object with properties and associations", in_="body")
        crm_object = _store(request).create_object(object_type, data.get("properties"), data.get("associations"))
        return _json(object_json(crm_object, list(crm_object.properties), None), status=201)

    async def read(request: web.Request) -> web.Response:
        object_id = request.match_info["objectId"]
        crm_object = _store(request).objects[object_type].get(object_id)
        if crm_object is None or bool_param(request, "archived"):
            raise not_found(f"Object not found. objectId are usually numeric. ({object_type} {object_id})")
        return _json(object_json(crm_object, list_param(request, "properties"), list_param(request, "associations")))

    async def find(request: web.Request) -> web.Response:
        return _json(search(list(_store(request).objects[object_type].values()), await json_body(request)))

    return create, read, find


# --- auth, limits, errors ----------------------------------------------------------------------------------


def _authenticator(token: str) -> Callable[[web.Request], web.Response | None]:
    expected = f"Bearer {token}"

    def authenticate(request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization", "").strip() == expected:
            return None
        return _json(auth_body(), status=401)

    return authenticate


def _rate_limiter(account: Account, store: HubSpotStore) -> Callable[[web.Request], web.Response | None]:
    """HubSpot's DAILY limit, then its TEN_SECONDLY_ROLLING window; neither counts a request it refuses. Every
    answer carries `X-HubSpot-RateLimit-Max`, `-Remaining`, `-Interval-Milliseconds` and, with a daily limit,
    `-Daily` and `-Daily-Remaining`."""

    def headers(key: str, remaining: int, daily_left: int | None) -> dict[str, str]:
        out = {
            "X-HubSpot-RateLimit-Max": str(account.window.limit),
            "X-HubSpot-RateLimit-Remaining": str(remaining),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(account.window.window * 1000)),
        }
        if account.daily.limit is not None and daily_left is not None:
            out["X-HubSpot-RateLimit-Daily"] = str(account.daily.limit)
            out["X-HubSpot-RateLimit-Daily-Remaining"] = str(daily_left)
        return out

    def rate_limit(request: web.Request) -> web.Response | None:
        key = request.headers.get("Authorization", "")
        daily_left = account.daily.remaining(key)
        if daily_left == 0:
            spent = headers(key, account.window.remaining(key), 0)
            return web.json_response(daily_limit_body(), status=429, headers=spent)
        allowed, remaining, _wait = account.window.check(key)
        if not allowed:
            return web.json_response(
                rate_limit_body(store.portal_id), status=429, headers=headers(key, remaining, daily_left)
            )
        request[RATE_HEADERS] = headers(key, remaining, account.daily.take(key))
        return None

    return rate_limit


def _control_routes(app: web.Application, account: Account, token: str) -> None:
    """`/_sandbox/hubspot/limits` and `/_sandbox/hubspot/paging` (no vendor auth, like the control plane)."""
    key = f"Bearer {token}"

    def problem(message: str) -> web.Response:
        return web.json_response({"error": message}, status=400)

    async def body(request: web.Request) -> Any:
        try:
            return json.loads(await request.read() or b"null")
        except ValueError as exc:
            raise web.HTTPBadRequest(
                text=json.dumps({"error": f"the body is not JSON: {exc}"}), content_type="application/json"
            ) from None

    def positive(data: dict[str, Any], name: str, *, nullable: bool = False) -> int | None:
        value = data[name]
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < (0 if name == "used_today" else 1):
            raise ValueError(f"{name} must be a positive integer{' or null' if nullable else ''}, got {value!r}")
        return value

    async def get_limits(request: web.Request) -> web.Response:
        return web.json_response(account.limits_json(key))

    async def put_limits(request: web.Request) -> web.Response:
        data = await body(request)
        known = {"per_10s", "interval_ms", "daily", "used_today", "time_zone"}
        if not isinstance(data, dict) or not data or set(data) - known:
            return problem(f"the body is an object of some of: {', '.join(sorted(known))}")
        try:
            per_10s = positive(data, "per_10s") if "per_10s" in data else account.window.limit
            interval = positive(data, "interval_ms") if "interval_ms" in data else None
            daily = positive(data, "daily", nullable=True) if "daily" in data else account.daily.limit
            used = positive(data, "used_today") if "used_today" in data else None
            zone = ZoneInfo(str(data["time_zone"])) if "time_zone" in data else account.daily.zone
        except (ValueError, ZoneInfoNotFoundError) as exc:
            return problem(str(exc) if isinstance(exc, ValueError) else f"unknown time zone {data['time_zone']!r}")
        account.window.limit = per_10s or account.window.limit
        if interval is not None:
            account.window.window = interval / 1000
        account.daily.limit, account.daily.zone = daily, zone
        if used is not None:
            account.daily.spend(key, used - account.daily.used(key))
        return web.json_response(account.limits_json(key))

    async def get_paging(request: web.Request) -> web.Response:
        return web.json_response({"cursors": account.cursors})

    async def put_paging(request: web.Request) -> web.Response:
        data = await body(request)
        if not isinstance(data, dict) or set(data) != {"cursors"} or data["cursors"] not in KINDS:
            return problem(f'the body is {{"cursors": one of {", ".join(KINDS)}}}')
        account.cursors = data["cursors"]
        return web.json_response({"cursors": account.cursors})

    app.router.add_get("/_sandbox/hubspot/limits", get_limits, allow_head=False)
    app.router.add_put("/_sandbox/hubspot/limits", put_limits)
    app.router.add_get("/_sandbox/hubspot/paging", get_paging, allow_head=False)
    app.router.add_put("/_sandbox/hubspot/paging", put_paging)


@web.middleware
async def _hubspot_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except HubSpotError as exc:
        return _json(exc.body(), status=exc.status)


async def _add_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path.startswith("/_sandbox/"):
        return
    response.headers.setdefault("X-HubSpot-Correlation-Id", correlation_id())
    for name, value in request.get(RATE_HEADERS, {}).items():
        response.headers.setdefault(name, value)


# --- the app ---------------------------------------------------------------------------------------------


class _Hooks:
    """Scenario hooks: HubSpotStore.load/apply, with store errors as plain ValueErrors."""

    def __init__(self, store: HubSpotStore) -> None:
        self.store = store

    def load(self, section: dict[str, Any]) -> None:
        try:
            self.store.load(section)
        except HubSpotError as exc:
            raise ValueError(exc.message) from None

    def apply(self, op: dict[str, Any], at: datetime) -> None:
        try:
            self.store.apply(op, at)
        except HubSpotError as exc:
            raise ValueError(exc.message) from None


def create_app(
    world: SandboxWorld,
    *,
    validator: ResponseValidator | None = None,
    base_url: str,
    token: str | None = None,
    rate_limit: tuple[int, float] = DEFAULT_RATE_LIMIT,
    daily_limit: int | None = DEFAULT_DAILY_LIMIT,
) -> web.Application:
    """The HubSpot sandbox app; sets `world.hubspot` and registers its scenario hooks with the world.

    `token` defaults to `world.credentials.hubspot_token`; `rate_limit` is (requests, seconds) per token,
    `daily_limit` requests per day (None: none); both can be changed at `/_sandbox/hubspot/limits`.
    """
    store = HubSpotStore(world.clock)
    world.hubspot = store
    world.register(SYSTEM, _Hooks(store))
    world.faults.register_error_body(SYSTEM, lambda status: (status_body(status, store.portal_id), {}))
    account = Account(RollingWindowLimiter(*rate_limit), DailyLimit(daily_limit, now=world.clock.now))
    world.register_limiter(SYSTEM, account)
    token = token or world.credentials.hubspot_token

    middlewares = vendor_middlewares(
        world,
        SYSTEM,
        authenticate=_authenticator(token),
        rate_limit=_rate_limiter(account, store),
        validator=validator,
    )
    app = web.Application(middlewares=[*middlewares, _hubspot_errors])
    app[STORE] = store
    app[BASE_URL] = base_url.rstrip("/")
    app[ACCOUNT] = account
    app[WORLD] = world
    app.on_response_prepare.append(_add_headers)
    _control_routes(app, account, token)

    campaigns = "/marketing/v3/campaigns"
    app.router.add_get(campaigns, list_campaigns, allow_head=False)
    app.router.add_post(campaigns, create_campaign)
    app.router.add_post(f"{campaigns}/batch/read", batch_read_campaigns)
    one = f"{campaigns}/{{campaignGuid}}"
    app.router.add_get(one, get_campaign, allow_head=False)
    app.router.add_patch(one, update_campaign)
    app.router.add_delete(one, delete_campaign)
    app.router.add_get(f"{one}/budget/totals", budget_totals, allow_head=False)
    app.router.add_get(f"{one}/reports/metrics", campaign_metrics, allow_head=False)
    for path in ("/crm/v3/owners", "/crm/v3/owners/"):
        app.router.add_get(path, list_owners, allow_head=False)
    app.router.add_get("/crm/v3/owners/{ownerId}", get_owner, allow_head=False)
    for object_type in ("tasks", "notes"):
        create, read, find = _object_routes(object_type)
        app.router.add_post(f"/crm/v3/objects/{object_type}", create)
        app.router.add_post(f"/crm/v3/objects/{object_type}/search", find)
        app.router.add_get(f"/crm/v3/objects/{object_type}/{{objectId}}", read, allow_head=False)
    return app


__all__ = ["DEFAULT_DAILY_LIMIT", "DEFAULT_RATE_LIMIT", "SYSTEM", "Account", "create_app", "spec_paths"]
