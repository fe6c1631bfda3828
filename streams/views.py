"""The worker's REST API (read side): health, and the latest snapshots held in the tables.

Every `/api/` path but `/api/health` needs `Authorization: Bearer <token>` with one of
`TANDEM_API_TOKENS`, compared in constant time. Reads of a table key are routed to the worker that owns
its partition.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from faust.web import Request, Response, View

from streams.app import app, settings
from streams.goals import RULES, goal_table
from streams.items import item_table
from streams.rules.goal_steps import current_summary
from streams.state import GoalState


def authorized(request: Request) -> bool:
    """True when the request carries one of the configured API tokens."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    offered = token.strip().encode()
    return any(hmac.compare_digest(offered, known.get_secret_value().encode()) for known in settings.api_tokens)


def _unauthorized(view: View) -> Response:
    response = view.json(
        {"error": "unauthorized", "detail": "send Authorization: Bearer <TANDEM_API_TOKENS entry>"},
        status=401,
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="tandem"'
    return response


Handler = Callable[..., Awaitable[Response]]


def requires_token(handler: Handler) -> Handler:
    """Answer 401 before anything else (routing included) unless the request is authorized."""

    @wraps(handler)
    async def checked(view: View, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not authorized(request):
            return _unauthorized(view)
        return await handler(view, request, *args, **kwargs)

    return checked


def table_route(table: Any, match_info: str) -> Callable[[Handler], Handler]:
    """Faust's `table_route`, after making sure the producer knows the changelog's partitions (Faust
    hashes the key with the producer's metadata, which lacks topics it has not written to yet)."""

    def decorate(handler: Handler) -> Handler:
        routed = app.table_route(table=table, match_info=match_info)(handler)

        @wraps(handler)
        async def warmed(view: View, request: Request, *args: Any, **kwargs: Any) -> Response:
            producer: Any = app.producer
            await producer._ensure_producer().partitions_for(table.changelog_topic.get_topic_name())
            return await routed(view, request, *args, **kwargs)

        return warmed

    return decorate


@app.page("/api/health")
class Health(View):
    """Liveness, and `ready` once partitions are assigned and tables recovered (no token needed)."""

    async def get(self, request: Request) -> Response:
        tables: Any = app.tables
        ready = bool(tables.recovery.completed.is_set() and not app.rebalancing)
        inputs = sorted({tp.topic for tp in app.consumer.assignment() if tp.topic.startswith(settings.topic_prefix)})
        return self.json({"status": "ok", "ready": ready, "app": settings.app_id, "inputs": inputs})


@app.page("/api/campaigns/{campaign_id}")
class CampaignView(View):
    """The latest snapshot of a campaign."""

    @requires_token
    @table_route(table=goal_table, match_info="campaign_id")
    async def get(self, request: Request, campaign_id: str) -> Response:
        state = goal_table.get(campaign_id)
        return _snapshot(self, state.campaign if state else None, "campaign", campaign_id)


@app.page("/api/work-items/{key}")
class WorkItemView(View):
    """The latest snapshot of a work item."""

    @requires_token
    @table_route(table=item_table, match_info="key")
    async def get(self, request: Request, key: str) -> Response:
        state = item_table.get(key)
        return _snapshot(self, state.snapshot if state else None, "work item", key)


@app.page("/api/goals/{campaign_id}")
class GoalView(View):
    """The shared goal of a campaign as of its last evaluation."""

    @requires_token
    @table_route(table=goal_table, match_info="campaign_id")
    async def get(self, request: Request, campaign_id: str) -> Response:
        state: GoalState | None = goal_table.get(campaign_id)
        summary = current_summary(state, RULES) if state is not None else None
        if summary is None:
            return self.json({"error": "not_found", "detail": f"no goal for campaign {campaign_id!r}"}, status=404)
        return self.json(summary.to_representation())


def _snapshot(view: View, snapshot: Any, what: str, key: str) -> Response:
    if snapshot is None:
        return view.json({"error": "not_found", "detail": f"no {what} {key!r}"}, status=404)
    return view.json(snapshot.to_representation())
