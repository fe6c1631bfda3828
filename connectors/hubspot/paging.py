"""HubSpot's `after` paging, guarded: a listing that would never end fails with one line instead.

A cursor that comes back again (a HubSpot fault, or a caching proxy answering every page with the same one)
would have a source page forever while it holds its lock; so would a listing that never stops handing out
new cursors. `Cursors.next` stops a listing on a cursor it has already followed, and after `MAX_PAGES` pages
(a million campaigns at 100 a page, five million owners at 500).
"""

from __future__ import annotations

from typing import Any

from connectors.http.errors import ConnectorError

MAX_PAGES = 10_000


class EndlessPaging(ConnectorError):
    """A HubSpot listing that would not end: this poll fails (the cursor of what was produced is kept)."""


def next_after(page: dict[str, Any]) -> str | None:
    """The `paging.next.after` of one page, or None on the last page."""
    after = ((page.get("paging") or {}).get("next") or {}).get("after")
    return str(after) if after not in (None, "") else None


class Cursors:
    """The cursors of one listing (`what`, e.g. "list campaigns"), checked as they come."""

    def __init__(self, what: str, *, max_pages: int = MAX_PAGES) -> None:
        self.what = what
        self.max_pages = max_pages
        self.pages = 0
        self._seen: set[str] = set()

    def next(self, page: dict[str, Any]) -> str | None:
        """The cursor of the page after `page` (None: that was the last); `EndlessPaging` when it would not end."""
        self.pages += 1
        after = next_after(page)
        if after is None:
            return None
        if after in self._seen:
            raise EndlessPaging(
                f"HubSpot {self.what}: page {self.pages} handed back a paging cursor already followed (a HubSpot "
                "fault or a caching proxy in between); the listing was stopped and this poll failed"
            )
        if self.pages >= self.max_pages:
            raise EndlessPaging(
                f"HubSpot {self.what}: still more pages after {self.pages}; the listing was stopped and this poll "
                "failed"
            )
        self._seen.add(after)
        return after


__all__ = ["MAX_PAGES", "Cursors", "EndlessPaging", "next_after"]
