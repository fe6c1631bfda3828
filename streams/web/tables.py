"""Faust views: the health check, and the latest snapshots the agents hold in their tables.

A table read is answered by the worker that owns the key's partition: Faust forwards the request to the
URL that worker advertises (its own host and port, `TANDEM_WEB_HOST` and `TANDEM_WEB_PORT`). Access is
checked before routing, by `streams.web.auth`'s middleware, like every other route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from faust.web import Request, Response, View

from streams.app import app, settings
from streams.goals import goal_table
from streams.items import item_table

Handler = Callable[..., Awaitable[Response]]


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


@app.page("/api/v1/campaigns/{campaign_id}")
class CampaignView(View):
    """The latest snapshot of a campaign."""

    @table_route(table=goal_table, match_info="campaign_id")
    async def get(self, request: Request, campaign_id: str) -> Response:
        state = goal_table.get(campaign_id)
        return _snapshot(self, state.campaign if state else None, "campaign", campaign_id)


@app.page("/api/v1/work-items/{key}")
class WorkItemView(View):
    """The latest snapshot of a work item."""

    @table_route(table=item_table, match_info="key")
    async def get(self, request: Request, key: str) -> Response:
        state = item_table.get(key)
        return _snapshot(self, state.snapshot if state else None, "work item", key)


def _snapshot(view: View, snapshot: Any, what: str, key: str) -> Response:
    if snapshot is None:
        return view.json({"error": "not_found", "detail": f"no {what} {key!r}"}, status=404)
    return view.json(snapshot.to_representation())
