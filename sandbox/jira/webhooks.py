"""Jira admin webhooks: registered targets receive issue events, signed and retried as Jira Cloud does.

For every issue created, updated, commented or deleted (a scenario step or an API write alike), each enabled
target whose events and JQL filter match gets a `POST` with Jira's payload (`timestamp` from the sandbox clock,
`webhookEvent`, `issue_event_type_name`, `user`, `issue` in REST v2 form, `changelog.items`). Headers:
`X-Atlassian-Webhook-Identifier` (stable across retries), `X-Atlassian-Webhook-Flow: Primary`,
`X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>` when the target has a secret, and
`X-Atlassian-Webhook-Retry: N` on the N-th retry.

Retries follow Atlassian's policy: a delivery is retried when the target answers 408, 409, 425, 429 or 5xx, or
cannot be reached or times out; any other answer ends it. Up to `RetryPolicy.max_retries` retries, with
exponential back-off. Jira waits minutes between retries; the sandbox waits `first_delay * factor**(n-1)` seconds
of real time (half a second at first by default), so tests see retries quickly.

Deliveries for one target and one issue go out in order, one at a time; different issues do not wait for each
other. They run as background tasks of the app's event loop and stop with the app (`on_cleanup`).
`await dispatcher.idle()` returns once nothing is pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import aiohttp
from aiohttp import web

from sandbox.clock import SandboxClock
from sandbox.jira.errors import JiraError
from sandbox.jira.search import compile_jql, matches
from sandbox.jira.shapes import FieldSelection, Renderer
from sandbox.jira.store import IssueEvent, JiraStore

log = logging.getLogger(__name__)

ISSUE_EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted")
COMMENT_EVENTS = ("comment_created",)
KNOWN_EVENTS = frozenset((*ISSUE_EVENTS, *COMMENT_EVENTS, "comment_updated", "comment_deleted"))
RETRIED_STATUSES = frozenset({408, 409, 425, 429})
USER_AGENT = "Atlassian Webhook HTTP Client"
_IDENTIFIER_NAMESPACE = uuid.UUID("6b1f0f5e-4a52-4f43-9c53-4a1ee1e7d0a1")


def sign(secret: str, body: bytes) -> str:
    """Jira's `X-Hub-Signature` value: `sha256=` and the hex HMAC-SHA256 of the raw body keyed by the secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `header` is the signature of `body` under `secret` (timing-safe)."""
    return header is not None and hmac.compare_digest(sign(secret, body), header)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    first_delay: float = 0.5
    """Seconds before the first retry."""
    factor: float = 2.0
    max_delay: float = 30.0
    timeout: float = 10.0
    """Seconds to wait for the target's answer before counting the attempt as failed."""

    def delay(self, retry: int) -> float:
        return min(self.max_delay, self.first_delay * self.factor ** (retry - 1))


@dataclass
class WebhookTarget:
    """An admin webhook: where to post, which events, which issues (JQL), and the signing secret."""

    id: int
    name: str
    url: str
    events: tuple[str, ...]
    jql: str | None = None
    secret: str | None = None
    enabled: bool = True
    exclude_body: bool = False
    last_updated: datetime | None = None
    last_updated_user: str | None = None

    def wants(self, event: str) -> bool:
        return self.enabled and (event in self.events or (not self.events and event in ISSUE_EVENTS))


@dataclass
class Attempt:
    status: int | None
    """The target's HTTP status, or None when it could not be reached."""
    error: str | None
    retry: int


@dataclass
class Delivery:
    identifier: str
    target_id: int
    event: str
    issue_key: str
    body: bytes
    timestamp: int
    attempts: list[Attempt] = field(default_factory=list)
    state: Literal["pending", "delivered", "failed"] = "pending"

    def to_json(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "target": self.target_id,
            "event": self.event,
            "issue": self.issue_key,
            "timestamp": self.timestamp,
            "state": self.state,
            "attempts": [{"status": a.status, "error": a.error, "retry": a.retry} for a in self.attempts],
        }


class WebhookDispatcher:
    """Turns store events into deliveries to the registered targets, and delivers them."""

    def __init__(
        self, store: JiraStore, clock: SandboxClock, base_url: str, *, policy: RetryPolicy | None = None
    ) -> None:
        self.store = store
        self.clock = clock
        self.base_url = base_url.rstrip("/")
        self.policy = policy or RetryPolicy()
        self.targets: dict[int, WebhookTarget] = {}
        self.deliveries: list[Delivery] = []
        self._next_target = 1
        self._sequence = 0
        self._lock = threading.Lock()
        self._queues: dict[tuple[int, int], deque[Delivery]] = {}
        self._workers: dict[tuple[int, int], asyncio.Task[None]] = {}
        self._buffered: list[Delivery] = []
        self._pending = 0
        self._idle: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._session: aiohttp.ClientSession | None = None
        store.listen(self.on_event)

    # -- targets -------------------------------------------------------------------------------------------------

    def register(
        self,
        url: str,
        *,
        name: str = "",
        events: list[str] | tuple[str, ...] = ISSUE_EVENTS,
        jql: str | None = None,
        secret: str | None = None,
        exclude_body: bool = False,
        enabled: bool = True,
        replace: int | None = None,
    ) -> WebhookTarget:
        """Add a target (or `replace` the one with that id); a bad URL, event or JQL filter is Jira's 400."""
        errors: dict[str, str] = {}
        if not url.startswith(("http://", "https://")):
            errors["url"] = "The URL must be an absolute http(s) URL."
        unknown = [event for event in events if event not in KNOWN_EVENTS]
        if unknown:
            errors["events"] = f"Unknown webhook event(s): {', '.join(unknown)}"
        if errors:
            raise JiraError(400, (), errors)
        if jql:
            compile_jql(self.store, jql, now=self.clock.now(), current_user=None, bounded=False)
        with self._lock:
            if replace is not None and replace not in self.targets:
                raise JiraError(404, (f"Webhook with id {replace} does not exist.",))
            target_id = replace if replace is not None else self._next_target
            target = WebhookTarget(
                target_id,
                name or f"webhook {target_id}",
                url,
                tuple(events),
                jql or None,
                secret or None,
                enabled,
                exclude_body,
                self.clock.now(),
                self.store.api_user().account_id,
            )
            self.targets[target.id] = target
            if replace is None:
                self._next_target += 1
            return target

    def unregister(self, target_id: int) -> None:
        with self._lock:
            if self.targets.pop(target_id, None) is None:
                raise JiraError(404, (f"Webhook with id {target_id} does not exist.",))

    def clear(self) -> None:
        """Forget every target and the delivery history (pending deliveries still finish)."""
        with self._lock:
            self.targets.clear()
            self.deliveries = [delivery for delivery in self.deliveries if delivery.state == "pending"]

    # -- events to deliveries ------------------------------------------------------------------------------------

    def on_event(self, event: IssueEvent) -> None:
        """Called by the store, under its lock, for every change: build each matching target's payload now."""
        targets = list(self.targets.values())
        if not targets:
            return
        webhook_event = {
            "created": "jira:issue_created",
            "updated": "jira:issue_updated",
            "commented": "jira:issue_updated",
            "deleted": "jira:issue_deleted",
        }[event.kind]
        renderer = Renderer(self.store, self.base_url, version=2)
        issue_json: dict[str, Any] | None = None
        for target in targets:
            kinds = [webhook_event] + (["comment_created"] if event.kind == "commented" else [])
            for kind in kinds:
                if not target.wants(kind) or not self._in_scope(target, event):
                    continue
                if issue_json is None:
                    issue_json = renderer.issue(event.issue, FieldSelection(all=True))
                payload = self._payload(kind, event, renderer, issue_json, target)
                self._enqueue(target, kind, event, payload)

    def _in_scope(self, target: WebhookTarget, event: IssueEvent) -> bool:
        if not target.jql:
            return True
        try:
            compiled = compile_jql(self.store, target.jql, now=event.at, current_user=None, bounded=False)
        except JiraError:
            return False
        return matches(self.store, compiled, event.issue)

    def _payload(
        self, kind: str, event: IssueEvent, renderer: Renderer, issue_json: dict[str, Any], target: WebhookTarget
    ) -> dict[str, Any]:
        timestamp = int(event.at.timestamp() * 1000)
        payload: dict[str, Any] = {"timestamp": timestamp, "webhookEvent": kind}
        if kind == "comment_created":
            assert event.comment is not None
            payload["comment"] = renderer.comment(event.issue, event.comment)
            payload["issue"] = renderer.issue_link(event.issue)
            payload["matchedWebhookIds"] = [target.id]
            return payload
        payload["issue_event_type_name"] = _event_type_name(event)
        user = renderer.user_details(event.author)
        if user is not None:
            payload["user"] = user
        payload["issue"] = issue_json
        if event.change is not None:
            payload["changelog"] = {
                "id": str(event.change.id),
                "items": [
                    {
                        "field": item.field,
                        "fieldtype": item.fieldtype,
                        **({"fieldId": item.field_id} if item.field_id is not None else {}),
                        "from": item.from_value,
                        "fromString": item.from_string,
                        "to": item.to_value,
                        "toString": item.to_string,
                    }
                    for item in event.change.items
                ],
            }
        if event.comment is not None:
            payload["comment"] = renderer.comment(event.issue, event.comment)
        payload["matchedWebhookIds"] = [target.id]
        return payload

    def _enqueue(self, target: WebhookTarget, kind: str, event: IssueEvent, payload: dict[str, Any]) -> None:
        body = b"" if target.exclude_body else json.dumps(payload, separators=(",", ":")).encode("utf-8")
        with self._lock:
            self._sequence += 1
            identifier = str(uuid.uuid5(_IDENTIFIER_NAMESPACE, f"{target.id}:{self._sequence}"))
            delivery = Delivery(identifier, target.id, kind, event.issue.key, body, payload["timestamp"])
            self.deliveries.append(delivery)
            self._pending += 1
            loop = self._loop
        if loop is None or loop.is_closed():
            self._buffered.append(delivery)
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._schedule(delivery, event.issue.id)
        else:
            loop.call_soon_threadsafe(self._schedule, delivery, event.issue.id)

    # -- delivering ------------------------------------------------------------------------------------------------

    async def start(self, _app: web.Application | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._idle = asyncio.Event()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.policy.timeout))
        buffered, self._buffered = self._buffered, []
        for delivery in buffered:
            issue = self.store.issue(delivery.issue_key)
            self._schedule(delivery, issue.id if issue is not None else 0)
        self._update_idle()

    async def stop(self, _app: web.Application | None = None) -> None:
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        for worker in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        self._workers.clear()
        self._queues.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
        self._loop = None

    def _schedule(self, delivery: Delivery, issue_id: int) -> None:
        key = (delivery.target_id, issue_id)
        self._queues.setdefault(key, deque()).append(delivery)
        if key not in self._workers:
            self._workers[key] = asyncio.get_running_loop().create_task(self._work(key))
        self._update_idle()

    async def _work(self, key: tuple[int, int]) -> None:
        queue = self._queues[key]
        try:
            while queue:
                delivery = queue[0]
                try:
                    await self._deliver(delivery)
                finally:
                    queue.popleft()
                    with self._lock:
                        self._pending -= 1
                    self._update_idle()
        finally:
            self._workers.pop(key, None)
            if not queue:
                self._queues.pop(key, None)
            self._update_idle()

    async def _deliver(self, delivery: Delivery) -> None:
        for retry in range(self.policy.max_retries + 1):
            if retry:
                await asyncio.sleep(self.policy.delay(retry))
            target = self.targets.get(delivery.target_id)
            if target is None:
                delivery.state = "failed"
                return
            status, error = await self._post(target, delivery, retry)
            delivery.attempts.append(Attempt(status, error, retry))
            if status is not None and 200 <= status < 300:
                delivery.state = "delivered"
                return
            if status is not None and status not in RETRIED_STATUSES and status < 500:
                break
        delivery.state = "failed"
        log.warning("jira sandbox webhook %s to target %s failed", delivery.identifier, delivery.target_id)

    async def _post(self, target: WebhookTarget, delivery: Delivery, retry: int) -> tuple[int | None, str | None]:
        headers = {
            "Content-Type": "application/json; charset=UTF-8",
            "User-Agent": USER_AGENT,
            "X-Atlassian-Webhook-Identifier": delivery.identifier,
            "X-Atlassian-Webhook-Flow": "Primary",
        }
        if target.secret:
            headers["X-Hub-Signature"] = sign(target.secret, delivery.body)
        if retry:
            headers["X-Atlassian-Webhook-Retry"] = str(retry)
        assert self._session is not None
        try:
            async with self._session.post(target.url, data=delivery.body, headers=headers) as response:
                await response.read()
                return response.status, None
        except (aiohttp.ClientError, TimeoutError) as exc:
            return None, f"{type(exc).__name__}: {exc}"

    def _update_idle(self) -> None:
        if self._idle is None:
            return
        if self._pending == 0:
            self._idle.set()
        else:
            self._idle.clear()

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    async def idle(self, within: float | None = None) -> bool:
        """Wait until no delivery is pending (queued, in flight or waiting to retry); False after `within` s."""
        if self._idle is None:
            return self.pending == 0
        self._update_idle()
        try:
            await asyncio.wait_for(self._idle.wait(), within)
        except TimeoutError:
            return False
        return True


def _event_type_name(event: IssueEvent) -> str:
    """Jira's `issue_event_type_name` for what happened."""
    if event.kind == "created":
        return "issue_created"
    if event.kind == "deleted":
        return "issue_deleted"
    if event.kind == "commented":
        return "issue_commented"
    fields = {item.field for item in (event.change.items if event.change else ())}
    if "status" in fields:
        return "issue_generic"
    if fields == {"assignee"}:
        return "issue_assigned"
    return "issue_updated"


APP_KEY: web.AppKey[WebhookDispatcher] = web.AppKey("jira_webhooks", WebhookDispatcher)


async def deliveries_idle(app: web.Application, within: float | None = None) -> bool:
    """Wait until the Jira app's webhook deliveries are all done (delivered or given up); False after `within` s."""
    return await app[APP_KEY].idle(within)


__all__ = [
    "APP_KEY",
    "ISSUE_EVENTS",
    "Delivery",
    "RetryPolicy",
    "WebhookDispatcher",
    "WebhookTarget",
    "deliveries_idle",
    "sign",
    "verify",
]
