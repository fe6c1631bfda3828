"""The HubSpot source: marketing campaigns → `campaigns` (key: campaign id).

- First `sync()`: backfill. Pages through every campaign sorted by `updatedAt` ascending, producing each
  page and then saving the cursor, so a source killed mid-way resumes where its cursor says (it re-lists,
  but produces nothing the cursor covers).
- Later `sync()`s: incremental. Pages sorted `-updatedAt` and stops at the first campaign older than the
  cursor minus the lookback; repeats inside the lookback are dropped by (id, updatedAt).
- `reconcile()`: lists every id; each id known before but missing from the listing is read directly (batch
  read, then one GET for any the batch does not account for), and only those HubSpot says are gone get a
  tombstone (`deleted=True`, at the source's clock): a listing's `after` may be an offset, so a deletion
  while it pages shifts a live campaign past a page boundary. Ids never seen are read and produced (a gap
  the polls missed).
Every listing follows its `after` cursors through `connectors.hubspot.paging.Cursors`: a cursor that comes
back, or a listing past `MAX_PAGES`, fails the poll with one line instead of paging forever.
Owners are resolved to name and email through the Owners API (`OwnerDirectory`). Time is the `clock`
given (the replayer's scenario clock), never read from the wall inside.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from connectors.http.errors import ObjectError, RequestRejected
from connectors.hubspot.api import CAMPAIGNS, HubSpotApi
from connectors.hubspot.normalise import CAMPAIGN_PROPERTIES, campaign_snapshot, campaign_tombstone, updated_at
from connectors.hubspot.owners import OwnerDirectory
from connectors.hubspot.paging import Cursors
from connectors.hubspot.status_block import split
from connectors.progress import Progress, SyncResult
from connectors.state.bookkeeping import Bookkeeping
from connectors.state.cursors import CursorStore
from connectors.state.deadletters import dead_letter, object_dead_letter
from connectors.state.producer import KafkaSink
from connectors.status import status
from streams.records import CampaignSnapshot
from tandem.clock import clock_for
from tandem.settings import Settings

log = logging.getLogger(__name__)

SOURCE = "hubspot.campaigns"
TOPIC = "campaigns"
PAGE = 100
BATCH_READ = 50
AGENT = "connectors.hubspot.source"
HAND_EDIT = (
    "a person edited Tandem's engineering status in the notes of campaign {name}: Tandem leaves it until the "
    "status changes again"
)


class HubSpotSource:
    """Campaigns from HubSpot into Kafka; see the module docstring."""

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
        self.api = HubSpotApi(settings)
        self.book = Bookkeeping(cursors, SOURCE, timedelta(seconds=settings.hubspot_lookback_seconds))
        self.owners = OwnerDirectory(self.api, self.clock, timedelta(seconds=settings.hubspot_owners_refresh_seconds))
        extra = [settings.hubspot_issue_property] if settings.hubspot_issue_property else []
        self.properties = [*CAMPAIGN_PROPERTIES, *(p for p in extra if p not in CAMPAIGN_PROPERTIES)]
        self._lock = asyncio.Lock()
        if settings.hubspot_portal_id is None:
            log.warning("TANDEM_HUBSPOT_PORTAL_ID is not set: campaign records carry no HubSpot URL")

    @property
    def synced(self) -> bool:
        """True once a full sync has completed (now or in an earlier run: a cursor says so)."""
        return self.book.synced

    async def load(self) -> bool:
        """Read the cursor (so `synced` reflects earlier runs); True when a full sync is on record."""
        return (await self.book.load()).complete

    async def close(self) -> None:
        self.api.close()

    # -- sync ----------------------------------------------------------------------------------------------------

    async def sync(self) -> SyncResult:
        """Backfill on the first call, incremental after; the cursor is saved after each acknowledged batch."""
        async with self._lock:
            watermark = await self.book.load()
            requests_before = self.api.requests
            if watermark.complete:
                progress = await self._incremental()
            else:
                progress = await self._backfill()
            return SyncResult(
                progress.fetched, progress.produced, self.api.requests - requests_before, progress.elapsed()
            )

    async def _backfill(self) -> Progress:
        watermark = await self.book.load()
        progress = Progress(log, "hubspot campaigns backfill")
        cursors = Cursors("list campaigns (backfill)")
        after: str | None = None
        while True:
            page = await self.api.list_campaigns(sort="updatedAt", properties=self.properties, after=after, limit=PAGE)
            results = page.get("results") or []
            produced = await self._produce([c for c in results if self._is_new(c)], advance=True)
            progress.add(len(results), produced)
            after = cursors.next(page)
            if not after:
                break
        watermark.complete = True
        watermark.reconciled_at = self.clock()
        await self.book.save_listing(set(watermark.added))
        progress.done()
        return progress

    async def _incremental(self) -> Progress:
        watermark = await self.book.load()
        progress = Progress(log, "hubspot campaigns poll", every=30.0)
        cutoff = watermark.cutoff
        fresh: dict[str, dict[str, Any]] = {}
        cursors = Cursors("list campaigns (poll)")
        after: str | None = None
        done = False
        while not done:
            page = await self.api.list_campaigns(sort="-updatedAt", properties=self.properties, after=after, limit=PAGE)
            results = page.get("results") or []
            progress.add(len(results), 0)
            for campaign in results:
                try:
                    when = updated_at(campaign)
                except ObjectError:
                    fresh.setdefault(str(campaign.get("id")), campaign)
                    continue
                if cutoff is not None and when < cutoff:
                    done = True
                    break
                if self._is_new(campaign):
                    fresh.setdefault(str(campaign.get("id")), campaign)
            after = None if done else cursors.next(page)
            done = done or not after
        ordered = sorted(fresh.values(), key=_sort_key)
        progress.produced = await self._produce(ordered, advance=True)
        if progress.produced:
            progress.done()
        return progress

    def _is_new(self, campaign: dict[str, Any]) -> bool:
        assert self.book.watermark is not None
        try:
            return self.book.watermark.is_new(str(campaign.get("id")), updated_at(campaign))
        except ObjectError:
            return True  # produced as a dead letter, once per poll at most

    async def _produce(self, campaigns: list[dict[str, Any]], *, advance: bool) -> int:
        """Normalise, produce and acknowledge `campaigns`; then move the cursor past them and save it."""
        if not campaigns:
            return 0
        watermark = await self.book.load()
        owner_ids = {
            str(c.get("properties", {}).get("hs_owner"))
            for c in campaigns
            if (c.get("properties") or {}).get("hs_owner")
        }
        owners = await self.owners.resolve(owner_ids)
        records: list[tuple[str, CampaignSnapshot]] = []
        for campaign in campaigns:
            try:
                snapshot = campaign_snapshot(
                    campaign,
                    owners=owners,
                    app_url=self.settings.hubspot_app_url,
                    portal_id=self.settings.hubspot_portal_id,
                )
            except ObjectError as exc:
                letter = object_dead_letter(
                    f"hubspot:{CAMPAIGNS}", AGENT, str(campaign.get("id")), campaign, exc, self.clock()
                )
                await dead_letter(self.sink, letter)
                continue
            records.append((snapshot.id, snapshot))
            if split((campaign.get("properties") or {}).get("hs_notes")).edited:
                status.sync.conflict(
                    f"hubspot:{snapshot.id}:status", HAND_EDIT.format(name=snapshot.name or snapshot.id)
                )
        await self.sink.send_many(TOPIC, list(records))
        watermark.record(((key, snap.source_updated_at) for key, snap in records), advance=advance)
        watermark.added.update(key for key, _ in records)
        await self.book.save()
        return len(records)

    # -- reconcile -----------------------------------------------------------------------------------------------

    async def reconcile(self) -> SyncResult:
        """List every campaign id: tombstones for those HubSpot confirms gone, full reads for ids never produced."""
        watermark = await self.book.load()
        if not watermark.complete:
            return await self.sync()
        async with self._lock:
            progress = Progress(log, "hubspot campaigns reconcile")
            requests_before = self.api.requests
            listed: set[str] = set()
            cursors = Cursors("list campaigns (reconcile)")
            after: str | None = None
            while True:
                page = await self.api.list_campaigns(sort="createdAt", properties=[], after=after, limit=PAGE)
                listed.update(str(c["id"]) for c in page.get("results") or [] if c.get("id"))
                after = cursors.next(page)
                if not after:
                    break
            known = await self.book.known_ids()
            now = self.clock()
            gone, alive = await self._confirm_gone(sorted(known - listed))
            await self.sink.send_many(TOPIC, [(ident, campaign_tombstone(ident, now)) for ident in gone])
            unseen = sorted(listed - known)
            produced = len(gone)
            for start in range(0, len(unseen), BATCH_READ):
                batch = await self.api.read_campaigns(unseen[start : start + BATCH_READ], self.properties)
                produced += await self._produce(sorted(batch.get("results") or [], key=_sort_key), advance=False)
            watermark.reconciled_at = now
            await self.book.save_listing(listed | alive)
            progress.add(len(listed), produced)
            log.info(
                "hubspot campaigns reconcile: %d listed, %d tombstoned, %d missing from the listing but alive, "
                "%d found unseen",
                len(listed),
                len(gone),
                len(alive),
                len(unseen),
            )
            return SyncResult(len(listed), produced, self.api.requests - requests_before, progress.elapsed())

    async def _confirm_gone(self, missing: list[str]) -> tuple[list[str], set[str]]:
        """Of campaigns missing from a listing, (those HubSpot says are gone, those it still has). The batch read
        answers each id with the campaign or an `OBJECT_NOT_FOUND` error; an id it accounts for neither way is
        read alone (404: gone). Any other failure fails the reconcile: nothing is tombstoned on a guess."""
        gone: list[str] = []
        alive: set[str] = set()
        for start in range(0, len(missing), BATCH_READ):
            batch = missing[start : start + BATCH_READ]
            answer = await self.api.read_campaigns(batch, [])
            found = {str(c.get("id")) for c in answer.get("results") or []}
            not_found: set[str] = set()
            for error in answer.get("errors") or []:
                if isinstance(error, dict) and error.get("category") == "OBJECT_NOT_FOUND":
                    not_found.update(str(i) for i in ((error.get("context") or {}).get("ids") or []))
            for ident in batch:
                if ident in found:
                    alive.add(ident)
                elif ident in not_found:
                    gone.append(ident)
                elif await self._exists(ident):
                    alive.add(ident)
                else:
                    gone.append(ident)
        if alive:
            log.info("hubspot reconcile: %d missing from the listing are alive: %s", len(alive), sorted(alive))
        return gone, alive

    async def _exists(self, campaign_id: str) -> bool:
        try:
            await self.api.get_campaign(campaign_id)
        except RequestRejected as exc:
            if exc.status == 404:
                return False
            raise
        return True


def _sort_key(campaign: dict[str, Any]) -> tuple[str, str]:
    return (str(campaign.get("updatedAt") or ""), str(campaign.get("id") or ""))


__all__ = ["SOURCE", "HubSpotSource", "SyncResult"]
