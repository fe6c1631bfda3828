"""A source's durable bookkeeping: its incremental `Watermark` (cursor `<source>`) and the ids of the last
full listing (cursor `<source>.ids`), which reconciliation compares against to find deletions."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from connectors.state.cursors import CursorStore
from connectors.state.idsets import decode_ids, encode_ids
from connectors.state.watermark import Watermark


class Bookkeeping:
    def __init__(self, cursors: CursorStore, source: str, lookback: timedelta) -> None:
        self.cursors = cursors
        self.source = source
        self.lookback = lookback
        self.watermark: Watermark | None = None
        self._loading = asyncio.Lock()

    @property
    def synced(self) -> bool:
        """True once a full sync has completed (now or in an earlier run: a cursor says so)."""
        return self.watermark is not None and self.watermark.complete

    async def load(self) -> Watermark:
        """The watermark, read from the cursor once (concurrent callers share that one read)."""
        async with self._loading:
            if self.watermark is None:
                self.watermark = Watermark.from_json(await self.cursors.load(self.source), self.lookback)
            return self.watermark

    async def save(self) -> None:
        assert self.watermark is not None
        await self.cursors.save(self.source, self.watermark.to_json())

    async def known_ids(self) -> set[str]:
        """Ids believed to exist: the last full listing and every id produced since."""
        watermark = await self.load()
        listed = await self.cursors.load(f"{self.source}.ids")
        return decode_ids((listed or {}).get("ids", [])) | watermark.added

    async def save_listing(self, ids: set[str]) -> None:
        """A full listing just completed: it becomes the reference, and `added` starts afresh."""
        watermark = await self.load()
        await self.cursors.save(f"{self.source}.ids", {"ids": encode_ids(ids)})
        watermark.added = set()
        await self.save()


__all__ = ["Bookkeeping"]
