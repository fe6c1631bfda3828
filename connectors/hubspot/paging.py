"""HubSpot's `after` paging, guarded (`connectors.http.paging`): a listing that would never end fails with one line."""

from __future__ import annotations

from typing import Any

from connectors.http.paging import MAX_PAGES, EndlessPaging, PageGuard


def next_after(page: dict[str, Any]) -> str | None:
    """The `paging.next.after` of one page, or None on the last page."""
    after = ((page.get("paging") or {}).get("next") or {}).get("after")
    return str(after) if after not in (None, "") else None


class Cursors:
    """The cursors of one listing (`what`, e.g. "list campaigns"), checked as they come."""

    def __init__(self, what: str, *, max_pages: int = MAX_PAGES) -> None:
        self.guard = PageGuard("HubSpot", what, "paging cursor", max_pages=max_pages)

    @property
    def pages(self) -> int:
        return self.guard.pages

    def next(self, page: dict[str, Any]) -> str | None:
        """The cursor of the page after `page` (None: that was the last); `EndlessPaging` when it would not end."""
        after = next_after(page)
        if after is None:
            self.guard.pages += 1
            return None
        return self.guard.admit(after)


__all__ = ["MAX_PAGES", "Cursors", "EndlessPaging", "next_after"]
