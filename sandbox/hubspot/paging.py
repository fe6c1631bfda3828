"""Keyset cursors for HubSpot-style `after` paging.

A cursor names the last item a page returned (its sort value and id) and the sort it was taken under. The
next page starts strictly after that position, so a stable set is returned exactly once, in order, and a
cursor stays valid while items are added, changed or deleted (see BEHAVIOR.md for what a reader sees then).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
SortValue = str | int


@dataclass(frozen=True)
class Cursor:
    sort: str
    value: SortValue
    id: str

    def encode(self) -> str:
        raw = json.dumps([self.sort, self.value, self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Parse a cursor; ValueError when it is not one this sandbox issued."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            sort, value, ident = json.loads(raw)
        except (ValueError, TypeError):
            raise ValueError(f"invalid paging cursor '{token}'") from None
        if not isinstance(sort, str) or not isinstance(value, str | int) or not isinstance(ident, str):
            raise ValueError(f"invalid paging cursor '{token}'")
        return cls(sort, value, ident)


@dataclass
class Page(Generic[T]):
    items: list[T]
    next: Cursor | None


def paginate(
    items: Sequence[T],
    *,
    sort: str,
    key: Callable[[T], SortValue],
    ident: Callable[[T], str],
    descending: bool,
    after: Cursor | None,
    limit: int,
) -> Page[T]:
    """One page of `items` in (key, id) order (key descending when asked; ties always by id ascending)."""

    def position(item: T) -> tuple[SortValue, str]:
        return key(item), ident(item)

    ordered = sorted(items, key=ident)
    ordered.sort(key=key, reverse=descending)
    if after is not None:

        def beyond(item: T) -> bool:
            value, item_id = position(item)
            if value == after.value:
                return item_id > after.id
            if type(value) is not type(after.value):
                return False
            return bool(value < after.value) if descending else bool(value > after.value)  # type: ignore[operator]

        ordered = [item for item in ordered if beyond(item)]
    page = ordered[:limit]
    following = None
    if len(ordered) > limit:
        last = page[-1]
        following = Cursor(sort, key(last), ident(last))
    return Page(page, following)
