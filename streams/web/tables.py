"""Faust views: the health check, and the latest snapshots the agents hold in their tables.

A table read is answered by the worker that holds the key's partition; another worker forwards the request
to the URL that one advertises (`TANDEM_WEB_HOST` and `TANDEM_WEB_PORT`). The partition is the one the
producers put the key in (murmur2 of the key's bytes), not Faust's own `table_route`, which hashes the
changelog's JSON-encoded key and so picks the wrong worker for most keys. Access is checked before routing,
by `streams.web.auth`'s middleware, like every other route; a forwarded request carries the caller's token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from aiokafka.partitioner import murmur2
from faust.web import Request, Response, View
from yarl import URL

from streams.app import app, settings
from streams.goals import goal_table
from streams.items import item_table

Handler = Callable[..., Awaitable[Response]]


ROUTED = "X-Tandem-Routed"
"""Set on a forwarded request: the receiving worker answers it itself, so a request never bounces."""
FORWARDED = ("Authorization", "Cookie")
"""What a forwarded request keeps of the original: the caller's credentials."""


def partition_of(key: str) -> int:
    """The partition producers put `key` in (Kafka's default partitioner)."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % settings.partitions


def holder_of(table: Any, key: str) -> URL | None:
    """The advertised URL of the worker holding `key` of `table`, or None while nobody holds it."""
    topic, partition = table.changelog_topic.get_topic_name(), partition_of(key)
    for url, topics in app.assignor.table_metadata(topic).items():
        if partition in topics.get(topic, ()):
            return URL(url)
    return None


def table_route(table: Any, match_info: str) -> Callable[[Handler], Handler]:
    """Answer here when this worker holds the key, else forward to the worker that does."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def routed(view: View, request: Request, *args: Any, **kwargs: Any) -> Response:
            holder = holder_of(table, str(kwargs[match_info]))
            here = URL(str(app.conf.canonical_url))
            if request.headers.get(ROUTED) or holder is None or (holder.host, holder.port) == (here.host, here.port):
                return await handler(view, request, *args, **kwargs)
            headers = {
                key: value for key, value in request.headers.items() if key.lower() in ("authorization", "cookie")
            }
            headers[ROUTED] = "1"
            url = request.url.with_host(holder.host or "127.0.0.1").with_port(holder.port)
            async with app.http_client.get(url, headers=headers) as answer:
                return view.bytes(await answer.read(), content_type=answer.content_type, status=answer.status)

        return routed

    return decorate


@app.page("/api/health")
class Health(View):
    """Liveness, and `ready` once the worker has started everything (partitions assigned, tables recovered,
    the connectors started) and is not rebalancing (no token needed)."""

    async def get(self, request: Request) -> Response:
        tables: Any = app.tables
        ready = bool(app.startup_finished and tables.recovery.completed.is_set() and not app.rebalancing)
        inputs = sorted({tp.topic for tp in app.consumer.assignment() if tp.topic.startswith(settings.topic_prefix)})
        return self.json({"status": "ok", "ready": ready, "app": settings.app_id, "inputs": inputs})


@app.page("/api/v1/campaigns/{campaign}")
class CampaignView(View):
    """The latest snapshot of a campaign."""

    @table_route(table=goal_table, match_info="campaign")
    async def get(self, request: Request, campaign: str) -> Response:
        state = goal_table.get(campaign)
        return _snapshot(self, state.campaign if state else None, "campaign", campaign)


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
