"""Jira Cloud's rate limits for API-token traffic: a token bucket per account, endpoint and HTTP method, and a
per-issue write limit.

Atlassian's rate-limiting page (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/) enforces
burst limits "per tenant, endpoint and HTTP method" and a per-issue write limit, and names the limit a 429
tripped in `RateLimit-Reason` (`jira-burst-based`, `jira-per-issue-on-write`, and the quota reasons of apps).
The sandbox's defaults (`JiraLimits`): reads (GET) 100 requests of burst refilled at 100 per second, writes
(POST, PUT, DELETE) 50 refilled at 50 per second, for each endpoint (the route, ids folded) of each account;
writes to one issue (any endpoint under `issue/{issueIdOrKey}`) at most 20 in 2 s and 100 in 30 s.

Over a limit: 429, body `{"errorMessages": ["The request has been rate-limited. Please try again later."],
"errors": {}, "status": 429}`, headers `Retry-After` (whole seconds, at least 1), `X-RateLimit-Limit`,
`X-RateLimit-Remaining`, `X-RateLimit-Reset` (ISO-8601, `yyyy-MM-ddTHH:mmZ`, wall-clock time: limits are about
real request pace, not scenario time) and `RateLimit-Reason`. Successful responses carry
`X-RateLimit-NearLimit: true` when less than 20% of the bucket is left.

The store's `quirks.rate_limit_headers` changes how the burst limit answers: `"reset_only"` leaves
`Retry-After` out (the client has `X-RateLimit-Reset` alone); `"beta"` does not enforce it and lets the request
through with the beta headers Jira sends for limits it measures but does not enforce yet (`Beta-Retry-After`,
`X-Beta-RateLimit-Limit`, `-Remaining`, `-Reset`, `-Reason`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from aiohttp import web

from sandbox.jira.auth import basic_credentials
from sandbox.jira.errors import RATE_LIMITED
from sandbox.jira.quirks import JiraQuirks
from sandbox.limits import RollingWindowLimiter, TokenBucket

NEAR_LIMIT: web.RequestKey[bool] = web.RequestKey("jira_near_limit", bool)
BETA: web.RequestKey[dict[str, str]] = web.RequestKey("jira_beta_rate_limit", dict)
REASON = "jira-burst-based"
PER_ISSUE_REASON = "jira-per-issue-on-write"


@dataclass(frozen=True)
class JiraLimits:
    read_capacity: float = 100
    read_per_second: float = 100
    write_capacity: float = 50
    write_per_second: float = 50
    issue_writes: tuple[tuple[int, float], ...] = ((20, 2.0), (100, 30.0))
    """Per-issue write windows: (writes, seconds)."""

    def with_changes(self, data: object) -> JiraLimits:
        """These limits with the fields named in `data` (the control route's JSON) changed."""
        if not isinstance(data, dict):
            raise ValueError("the limits are a JSON object")
        known = {"read_capacity", "read_per_second", "write_capacity", "write_per_second", "issue_writes"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown Jira limit(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        changes: dict[str, object] = {}
        for name, value in data.items():
            if name == "issue_writes":
                windows = []
                if not isinstance(value, list):
                    raise ValueError("issue_writes is a list of [writes, seconds] pairs")
                for pair in value:
                    if not (isinstance(pair, list) and len(pair) == 2):
                        raise ValueError("issue_writes is a list of [writes, seconds] pairs")
                    writes, seconds = pair
                    if isinstance(writes, bool) or not isinstance(writes, int) or writes < 1:
                        raise ValueError("issue_writes: writes must be a whole number, at least 1")
                    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
                        raise ValueError("issue_writes: seconds must be a number above 0")
                    windows.append((writes, float(seconds)))
                changes[name] = tuple(windows)
            else:
                if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                    raise ValueError(f"{name} must be a number above 0")
                changes[name] = float(value)
        return replace(self, **changes)  # type: ignore[arg-type]

    def to_json(self) -> dict[str, object]:
        return {
            "read_capacity": self.read_capacity,
            "read_per_second": self.read_per_second,
            "write_capacity": self.write_capacity,
            "write_per_second": self.write_per_second,
            "issue_writes": [list(window) for window in self.issue_writes],
        }


def rate_limited_body() -> dict[str, object]:
    return {"errorMessages": [RATE_LIMITED], "errors": {}, "status": 429}


def _reset(wait: int) -> str:
    return (datetime.now(UTC) + timedelta(seconds=wait)).strftime("%Y-%m-%dT%H:%MZ")


def rate_limit_headers(
    limit: float, remaining: float, retry_after: float, reason: str = REASON, *, with_retry_after: bool = True
) -> dict[str, str]:
    wait = max(1, math.ceil(retry_after))
    headers = {
        "X-RateLimit-Limit": str(int(limit)),
        "X-RateLimit-Remaining": str(max(0, math.floor(remaining))),
        "X-RateLimit-Reset": _reset(wait),
        "RateLimit-Reason": reason,
    }
    if with_retry_after:
        headers = {"Retry-After": str(wait), **headers}
    return headers


def beta_headers(limit: float, remaining: float, retry_after: float, reason: str = REASON) -> dict[str, str]:
    """What Jira adds to a response a limit it does not enforce yet would have refused."""
    wait = max(1, math.ceil(retry_after))
    return {
        "Beta-Retry-After": str(wait),
        "X-Beta-RateLimit-Limit": str(int(limit)),
        "X-Beta-RateLimit-Remaining": str(max(0, math.floor(remaining))),
        "X-Beta-RateLimit-Reset": _reset(wait),
        "X-Beta-RateLimit-Reason": reason,
    }


def too_many_requests(
    limit: float, remaining: float, retry_after: float, reason: str = REASON, *, with_retry_after: bool = True
) -> web.Response:
    return web.Response(
        status=429,
        text=json.dumps(rate_limited_body()),
        content_type="application/json",
        charset="UTF-8",
        headers=rate_limit_headers(limit, remaining, retry_after, reason, with_retry_after=with_retry_after),
    )


class BurstLimiter:
    """The `rate_limit` gate for `vendor_middlewares`. `reset()` refills every bucket and goes back to the
    limits the app was built with (`configure` changes them until then)."""

    def __init__(self, limits: JiraLimits | None = None, quirks: Callable[[], JiraQuirks] | None = None) -> None:
        self.defaults = limits or JiraLimits()
        self._quirks = quirks or JiraQuirks
        self.configure(self.defaults)

    def configure(self, limits: JiraLimits) -> None:
        self.limits = limits
        self.reads = TokenBucket(limits.read_capacity, limits.read_per_second)
        self.writes = TokenBucket(limits.write_capacity, limits.write_per_second)
        self.issue_windows = [(RollingWindowLimiter(n, seconds), n) for n, seconds in limits.issue_writes]

    def reset(self) -> None:
        self.configure(self.defaults)

    def __call__(self, request: web.Request) -> web.Response | None:
        credentials = basic_credentials(request.headers.get("Authorization"))
        account = credentials[0].lower() if credentials else "anonymous"
        route = request.match_info.route.resource
        endpoint = route.canonical if route is not None else request.path
        reading = request.method in ("GET", "HEAD")
        bucket = self.reads if reading else self.writes
        allowed, left, wait = bucket.take(f"{account} {request.method} {endpoint}")
        style = self._quirks().rate_limit_headers
        if not allowed:
            if style == "beta":
                request[BETA] = beta_headers(bucket.capacity, left, wait)
            else:
                return too_many_requests(bucket.capacity, left, wait, with_retry_after=style != "reset_only")
        issue = request.match_info.get("issue")
        if not reading and issue and not endpoint.endswith("/changelog/bulkfetch"):
            for window, limit in self.issue_windows:
                ok, _, until = window.check(f"{account} {issue.upper()}")
                if not ok:
                    return too_many_requests(limit, 0, until, PER_ISSUE_REASON)
        request[NEAR_LIMIT] = left < 0.2 * bucket.capacity
        return None


async def near_limit_header(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare`: flag successful responses when the bucket is nearly empty, and add the beta
    headers of a limit Jira measures without enforcing it."""
    if request.get(NEAR_LIMIT) and response.status < 400:
        response.headers["X-RateLimit-NearLimit"] = "true"
    for name, value in (request.get(BETA) or {}).items():
        response.headers[name] = value


__all__ = [
    "BETA",
    "NEAR_LIMIT",
    "PER_ISSUE_REASON",
    "REASON",
    "BurstLimiter",
    "JiraLimits",
    "beta_headers",
    "near_limit_header",
    "rate_limit_headers",
    "rate_limited_body",
    "too_many_requests",
]
