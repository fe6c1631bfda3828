"""Paged listings, guarded: a listing that would never end fails with one line instead.

A page token or cursor that comes back again (a vendor fault, or a caching proxy answering every page with the
same one) would have a source page forever while it holds its lock; so would a listing that never stops
handing out new ones. `PageGuard.admit` stops a listing on a token it has already followed, and after
`MAX_PAGES` pages (a million objects at 100 a page), with one line saying which listing and why.
"""

from __future__ import annotations

from connectors.http.errors import ConnectorError

MAX_PAGES = 10_000


class EndlessPaging(ConnectorError):
    """A listing that would not end: this poll fails; the next starts again from the saved cursor."""


class PageGuard:
    """The tokens of one listing (`what`, e.g. "list campaigns"), checked as the pages hand them out."""

    def __init__(self, vendor: str, what: str, token: str, *, max_pages: int = MAX_PAGES) -> None:
        self.vendor = vendor
        self.what = what
        self.token = token
        self.max_pages = max_pages
        self.pages = 0
        self._seen: set[str] = set()

    def admit(self, token: str) -> str:
        """`token`, handed out by the page just read, to follow; `EndlessPaging` when the listing would not end."""
        self.pages += 1
        where = f"{self.vendor} {self.what}"
        if token in self._seen:
            raise EndlessPaging(
                f"{where}: page {self.pages} handed back a {self.token} already followed (a {self.vendor} fault, "
                "or a caching proxy in between); the listing was stopped and this poll failed"
            )
        if self.pages >= self.max_pages:
            raise EndlessPaging(
                f"{where}: still more pages after {self.pages}; the listing was stopped and this poll failed"
            )
        self._seen.add(token)
        return token


__all__ = ["MAX_PAGES", "EndlessPaging", "PageGuard"]
