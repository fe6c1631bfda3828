"""The Jira source: issues of the configured projects → `workitems` (key: issue key).

One loop serves the backfill and the incremental polls: `search/jql` on `project in (…) [AND updated >=
cursor − lookback] ORDER BY updated ASC`, page by page (`nextPageToken`). For each page the issues not yet
produced at that `updated` are completed with their latest status-change time (one `changelog/bulkfetch`
for the page) and their remote links (one request per issue, when `TANDEM_JIRA_REMOTE_LINKS=changed`),
produced, acknowledged, and then the cursor moves past them and is saved. The next page is fetched while
the current one is completed. `reconcile()` lists every key (ids only, 5000 a page): tombstones for keys
that vanished, full reads for keys never produced. `refresh(keys)` re-reads named issues in full (webhook
deliveries and Tandem's own remote-link writes ask for it); it leaves the cursor alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.http.errors import CredentialsRejected, ObjectError, RequestRejected
from connectors.http.paging import PageGuard
from connectors.jira.api import JiraApi, require_projects
from connectors.jira.errors import CaptchaRequired
from connectors.jira.normalise import (
    issues_jql,
    person,
    search_fields,
    status_changes,
    story_points_field,
    updated_of,
    work_item_snapshot,
    work_item_tombstone,
)
from connectors.progress import Progress, SyncResult
from connectors.state.bookkeeping import Bookkeeping
from connectors.state.cursors import CursorStore
from connectors.state.deadletters import dead_letter, object_dead_letter
from connectors.state.producer import KafkaSink
from streams.records import Person, WorkItemSnapshot
from tandem.clock import clock_for
from tandem.settings import Settings

log = logging.getLogger(__name__)

SOURCE = "jira.issues"
TOPIC = "workitems"
PAGE = 100
ID_PAGE = 5000
AGENT = "connectors.jira.source"
ORIGIN = "jira:/rest/api/3/search/jql"
MAX_PAGES = 10_000
"""More pages than one poll of any site needs (a million issues with fields, 50 million keys): a sign that
Jira keeps handing out tokens, so the poll stops."""


Extras = tuple[dict[str, datetime], dict[str, ObjectError], dict[str, list[dict[str, Any]] | None]]
"""What completes a read issue: status-change times and unreadable changelogs by id, remote links by key."""


async def _abandon(task: asyncio.Task[Any]) -> None:
    """Cancel a read no longer wanted and wait for it to end, whatever it ends with."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


def page_guard(what: str, limit: int = MAX_PAGES) -> PageGuard:
    """Guards one paged walk: a `nextPageToken` seen before, or more than `limit` pages, ends it with
    `EndlessPaging` (a vendor bug or a caching proxy answering the same page forever would otherwise hold the
    source's lock in a loop)."""
    return PageGuard("Jira", what, "nextPageToken", max_pages=limit)


class JiraSource:
    """Issues from Jira into Kafka; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        sink: KafkaSink,
        cursors: CursorStore,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.sink = sink
        self.clock = clock or clock_for(settings)
        self.projects = require_projects(settings)
        self.api = JiraApi(settings)
        self.book = Bookkeeping(cursors, SOURCE, timedelta(seconds=settings.jira_lookback_seconds))
        self.points_field = settings.jira_story_points_field
        self.fields = search_fields(self.points_field, settings.jira_campaign_field)
        self.zone: ZoneInfo = ZoneInfo("UTC")
        self.leads: dict[str, Person] = {}
        self._prepared = False
        self._lock = asyncio.Lock()

    @property
    def synced(self) -> bool:
        """True once a full sync has completed (now or in an earlier run: a cursor says so)."""
        return self.book.synced

    async def load(self) -> bool:
        return (await self.book.load()).complete

    async def close(self) -> None:
        self.api.close()

    # -- site facts ------------------------------------------------------------------------------------------------

    async def prepare(self, *, force: bool = False) -> None:
        """Connect, find the story points field by name, the API user's time zone and the project leads."""
        if self._prepared and not force:
            return
        await self.api.connect()
        self.points_field = story_points_field(await self.api.fields(), self.settings.jira_story_points_field)
        self.fields = search_fields(self.points_field, self.settings.jira_campaign_field)
        zone = (await self.api.myself()).get("timeZone") or "UTC"
        try:
            self.zone = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("jira: the API user's time zone %r is unknown; JQL dates are written in UTC", zone)
            self.zone = ZoneInfo("UTC")
        leads: dict[str, Person] = {}
        for key in self.projects:
            project = await self.api.project(key)
            lead = person(project.get("lead"))
            if lead is not None:
                leads[key] = lead
        self.leads = leads
        self._prepared = True
        log.info(
            "jira: story points in %s, JQL time zone %s, %d project lead(s)", self.points_field, self.zone, len(leads)
        )

    # -- sync ------------------------------------------------------------------------------------------------------

    async def sync(self) -> SyncResult:
        """Backfill on the first call, incremental after; the cursor is saved after each acknowledged page."""
        async with self._lock:
            await self.prepare()
            watermark = await self.book.load()
            requests_before = self.api.requests
            backfill = not watermark.complete
            what = "jira issues backfill" if backfill else "jira issues poll"
            progress = Progress(log, what, every=5.0 if backfill else 30.0)
            jql = issues_jql(self.projects, watermark.cutoff, self.zone)
            reconcile = await self.api.reconcile_ids()
            pages = page_guard("search " + ("backfill" if backfill else "poll"))
            pending: asyncio.Task[dict[str, Any]] | None = asyncio.create_task(
                self.api.search(jql, self.fields, None, PAGE, reconcile)
            )
            try:
                while pending is not None:
                    page = await pending
                    pending = None
                    token = page.get("nextPageToken")
                    if token and not page.get("isLast", False):
                        pages.admit(token)
                        pending = asyncio.create_task(self.api.search(jql, self.fields, token, PAGE, reconcile))
                    issues = page.get("issues") or []
                    fresh = [issue for issue in issues if self._is_new(issue)]
                    produced = await self._complete_and_produce(fresh, record=True)
                    progress.add(len(issues), produced)
            finally:
                if pending is not None:
                    await _abandon(pending)
            if backfill:
                watermark.complete = True
                watermark.reconciled_at = self.clock()
                await self.book.save_listing(set(watermark.added))
            if backfill or progress.produced:
                progress.done()
            return SyncResult(
                progress.fetched, progress.produced, self.api.requests - requests_before, progress.elapsed()
            )

    def _is_new(self, issue: dict[str, Any]) -> bool:
        assert self.book.watermark is not None
        try:
            return self.book.watermark.is_new(str(issue.get("key")), updated_of(issue))
        except ObjectError:
            return True

    async def _complete_and_produce(
        self, issues: list[dict[str, Any]], *, record: bool, extras: Extras | None = None
    ) -> int:
        """Add status-change times and remote links (`extras`, when read already), produce, wait for the acks;
        then save the cursor."""
        if not issues:
            return 0
        if extras is None:
            ids = [str(issue.get("id")) for issue in issues if issue.get("id")]
            extras = await self._extras(ids, [str(issue.get("key")) for issue in issues])
        changes, unreadable, links = extras
        records: list[tuple[str, WorkItemSnapshot]] = []
        for issue in issues:
            key = str(issue.get("key"))
            if key in links and links[key] is None:
                continue  # deleted since it was listed: its tombstone comes from the webhook or reconciliation
            try:
                if str(issue.get("id")) in unreadable:
                    raise unreadable[str(issue.get("id"))]
                snapshot = work_item_snapshot(
                    issue,
                    points_field=self.points_field,
                    campaign_field=self.settings.jira_campaign_field,
                    leads=self.leads,
                    status_changed_at=changes.get(str(issue.get("id"))),
                    remote_links=links.get(key) or [],
                    site_url=self.api.server,
                )
            except ObjectError as exc:
                await dead_letter(self.sink, object_dead_letter(ORIGIN, AGENT, key, issue, exc, self.clock()))
                continue
            records.append((snapshot.key, snapshot))
        await self.sink.send_many(TOPIC, list(records))
        if record:
            watermark = await self.book.load()
            watermark.record(((key, snap.source_updated_at) for key, snap in records), advance=True)
            watermark.added.update(key for key, _ in records)
            await self.book.save()
        return len(records)

    async def _extras(self, ids: list[str], keys: list[str]) -> Extras:
        """What the issues' search or read lacks: each id's latest status-change time (the changelog) and, when
        `TANDEM_JIRA_REMOTE_LINKS=changed`, each key's remote links (None: the issue is gone), read side by side."""
        changes_task = asyncio.create_task(self._status_changes(ids))
        links: dict[str, list[dict[str, Any]] | None] = {}
        if self.settings.jira_remote_links == "changed":
            fetched = await asyncio.gather(*(self._remote_links(key) for key in keys), return_exceptions=True)
            for key, result in zip(keys, fetched, strict=True):
                if isinstance(result, BaseException):
                    await _abandon(changes_task)
                    raise result
                links[key] = result
        changes, unreadable = await changes_task
        return changes, unreadable, links

    async def _status_changes(self, ids: list[str]) -> tuple[dict[str, datetime], dict[str, ObjectError]]:
        """Latest status-change time per issue id, and the issues whose changelog time cannot be read."""
        histories: list[dict[str, Any]] = []
        token: str | None = None
        pages = page_guard("changelog/bulkfetch")
        while True:
            page = await self.api.status_changes(ids, token)
            histories.extend(page.get("issueChangeLogs") or [])
            token = page.get("nextPageToken")
            if not token:
                break
            pages.admit(token)
        return status_changes(histories)

    async def _remote_links(self, key: str) -> list[dict[str, Any]] | None:
        """The issue's remote links; None when the issue no longer exists."""
        try:
            return await self.api.remote_links(key)
        except RequestRejected as exc:
            if exc.status == 404:
                return None
            raise

    # -- refresh ---------------------------------------------------------------------------------------------------

    async def refresh(self, keys: list[str], ids: Mapping[str, str] | None = None) -> SyncResult:
        """Read these issues in full now and produce them (missing ones are skipped). The cursor is not touched.

        `ids`: each key's issue id when the caller knows it (a webhook says it). The changelog and the remote
        links are then read alongside the issue instead of after it, one round trip to Jira instead of two;
        if an issue read has another key or id than given (it moved), they are read again for what was read."""
        await self.prepare()
        requests_before = self.api.requests
        started = time.monotonic()
        keys = list(dict.fromkeys(keys))
        given = {key: str(ids[key]) for key in keys if ids and ids.get(key)}
        if len(given) < len(keys) or not keys:
            issues = await self._read(keys)
            produced = await self._complete_and_produce(issues, record=False)
        else:
            ahead = asyncio.create_task(self._extras(list(given.values()), keys))
            try:
                issues = await self._read(keys)
            except BaseException:
                await _abandon(ahead)
                raise
            extras: Extras | None
            try:
                extras = await ahead
            except Exception:  # noqa: BLE001 - read again below, for what was read: that read says what failed
                extras = None
            if any(given.get(str(issue.get("key"))) != str(issue.get("id")) for issue in issues):
                extras = None  # read under another key or id than the webhook said: read its own
            produced = await self._complete_and_produce(issues, record=False, extras=extras)
        return SyncResult(len(issues), produced, self.api.requests - requests_before, time.monotonic() - started)

    async def _read(self, keys: list[str]) -> list[dict[str, Any]]:
        async def one(key: str) -> dict[str, Any] | None:
            try:
                return await self.api.issue(key, self.fields)
            except RequestRejected as exc:
                if exc.status == 404:
                    log.info("jira: issue %s is gone; nothing to refresh", key)
                    return None
                raise

        found = await asyncio.gather(*(one(key) for key in dict.fromkeys(keys)))
        return [issue for issue in found if issue is not None]

    # -- reconcile -------------------------------------------------------------------------------------------------

    async def reconcile(self) -> SyncResult:
        """List every key: tombstones for the vanished, full reads for keys never produced."""
        watermark = await self.book.load()
        if not watermark.complete:
            return await self.sync()
        async with self._lock:
            await self.prepare(force=True)
            progress = Progress(log, "jira issues reconcile")
            requests_before = self.api.requests
            jql = "project in (" + ", ".join(f'"{p}"' for p in self.projects) + ") ORDER BY key ASC"
            reconcile = await self.api.reconcile_ids()
            listed: set[str] = set()
            token: str | None = None
            pages = page_guard("search (listing every key)")
            while True:
                page = await self.api.search(jql, ["key"], token, ID_PAGE, reconcile)
                listed.update(str(issue["key"]) for issue in page.get("issues") or [] if issue.get("key"))
                token = page.get("nextPageToken")
                if not token or page.get("isLast", False):
                    break
                pages.admit(token)
            known = await self.book.known_ids()
            now = self.clock()
            missing = sorted(known - listed)
            vanished, still_there = await self._confirm_deleted(missing)
            listed.update(still_there)
            await self.sink.send_many(TOPIC, [(key, work_item_tombstone(key, now)) for key in vanished])
            unseen = sorted(listed - known)
            produced = len(vanished)
            for start in range(0, len(unseen), PAGE):
                issues = await self._read(unseen[start : start + PAGE])
                produced += await self._complete_and_produce(issues, record=False)
            watermark.reconciled_at = now
            await self.book.save_listing(listed)
            progress.add(len(listed), produced)
            log.info(
                "jira issues reconcile: %d listed, %d tombstoned, %d missing from the listing but still there, "
                "%d found unseen",
                len(listed),
                len(vanished),
                len(still_there),
                len(unseen),
            )
            return SyncResult(len(listed), produced, self.api.requests - requests_before, progress.elapsed())

    async def _confirm_deleted(self, keys: list[str]) -> tuple[list[str], list[str]]:
        """Of issues missing from the listing, those `GET /issue/{key}` answers 404 for (deleted), and the rest
        (still there: Jira's search index lags or lost them; or Tandem may no longer see them, a 403). Only a
        404 makes a tombstone."""

        async def gone(key: str) -> bool:
            try:
                await self.api.issue(key, ["id"])
            except RequestRejected as exc:
                if exc.status == 404:
                    return True
                raise
            except CredentialsRejected as exc:
                if exc.status == 403 and not isinstance(exc, CaptchaRequired):
                    log.warning("jira: %s is missing from the listing; Jira will not say if it exists: %s", key, exc)
                    return False
                raise
            log.warning("jira: %s is missing from the listing but Jira still has it: no tombstone", key)
            return False

        answers = await asyncio.gather(*(gone(key) for key in keys))
        deleted = [key for key, is_gone in zip(keys, answers, strict=True) if is_gone]
        kept = [key for key, is_gone in zip(keys, answers, strict=True) if not is_gone]
        return deleted, kept


__all__ = ["SOURCE", "JiraSource", "SyncResult"]
