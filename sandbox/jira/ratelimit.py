"""Jira Cloud's burst rate limit for API-token traffic: a token bucket per account, endpoint and HTTP method.

Atlassian enforces burst limits "per tenant, per API" with token buckets and does not publish the numbers for
API-token traffic. The sandbox's defaults (`JiraLimits`): reads (GET) 100 requests of burst refilled at 100 per
second, writes (POST, PUT, DELETE) 50 refilled at 50 per second, for each endpoint (the route, ids folded) of
each account. Over the limit: 429, body `{"errorMessages": ["The request has been rate-limited. Please try again
later."], "errors": {}, "status": 429}`, headers `Retry-After` (whole seconds, at least 1), `X-RateLimit-Limit`,
`X-RateLimit-Remaining`, `X-RateLimit-Reset` (ISO-8601, `yyyy-MM-ddTHH:mmZ`, wall-clock time: limits are about
real request pace, not scenario time) and `RateLimit-Reason: jira-burst-based`. Successful responses carry
`X-RateLimit-NearLimit: true` when less than 20% of the bucket is left.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiohttp import web

from sandbox.jira.auth import basic_credentials
from sandbox.jira.errors import RATE_LIMITED
from sandbox.limits import TokenBucket

NEAR_LIMIT: web.RequestKey[bool] = web.RequestKey("jira_near_limit", bool)
REASON = "jira-burst-based"


@dataclass(frozen=True)
class JiraLimits:
    read_capacity: float = 100
    read_per_second: float = 100
    write_capacity: float = 50
    write_per_second: float = 50


def rate_limited_body() -> dict[str, object]:
    return {"errorMessages": [RATE_LIMITED], "errors": {}, "status": 429}


def rate_limit_headers(limit: float, remaining: float, retry_after: float) -> dict[str, str]:
    wait = max(1, math.ceil(retry_after))
    reset = datetime.now(UTC) + timedelta(seconds=wait)
    return {
        "Retry-After": str(wait),
        "X-RateLimit-Limit": str(int(limit)),
        "X-RateLimit-Remaining": str(max(0, math.floor(remaining))),
        "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
        "RateLimit-Reason": REASON,
    }


def too_many_requests(limit: float, remaining: float, retry_after: float) -> web.Response:
    return web.Response(
        status=429,
        text=json.dumps(rate_limited_body()),
        content_type="application/json",
        charset="UTF-8",
        headers=rate_limit_headers(limit, remaining, retry_after),
    )


class BurstLimiter:
    """The `rate_limit` gate for `vendor_middlewares`."""

    def __init__(self, limits: JiraLimits | None = None) -> None:
        self.limits = limits or JiraLimits()
        self.reads = TokenBucket(self.limits.read_capacity, self.limits.read_per_second)
        self.writes = TokenBucket(self.limits.write_capacity, self.limits.write_per_second)

    def buckets(self) -> tuple[TokenBucket, TokenBucket]:
        return self.reads, self.writes

    def __call__(self, request: web.Request) -> web.Response | None:
        credentials = basic_credentials(request.headers.get("Authorization"))
        account = credentials[0].lower() if credentials else "anonymous"
        route = request.match_info.route.resource
        endpoint = route.canonical if route is not None else request.path
        bucket = self.reads if request.method in ("GET", "HEAD") else self.writes
        allowed, left, wait = bucket.take(f"{account} {request.method} {endpoint}")
        if not allowed:
            return too_many_requests(bucket.capacity, left, wait)
        request[NEAR_LIMIT] = left < 0.2 * bucket.capacity
        return None


async def near_limit_header(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare`: flag successful responses when the bucket is nearly empty."""
    if request.get(NEAR_LIMIT) and response.status < 400:
        response.headers["X-RateLimit-NearLimit"] = "true"


__all__ = [
    "NEAR_LIMIT",
    "REASON",
    "BurstLimiter",
    "JiraLimits",
    "near_limit_header",
    "rate_limit_headers",
    "rate_limited_body",
    "too_many_requests",
]
