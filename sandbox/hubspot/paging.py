"""HubSpot-style `after` paging, with the two kinds of cursor HubSpot's undocumented `after` may be.

- A **keyset** cursor names the last item a page returned (its sort value and id) and the sort it was taken
  under; the next page starts strictly after that position, so a stable set is returned exactly once, in order,
  and the cursor stays valid while items are added, changed or deleted.
- An **offset** cursor says how many items came before the next page (and the sort it was taken under). A
  deletion among the items already passed shifts every later item one place forward: the first item of the
  next page moves onto the page already read and is never returned. An insertion repeats one.

Both are opaque to clients (base64 of JSON); `paginate` reads either kind and hands out the kind asked for.
What a reader sees in either case is in BEHAVIOR.md.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

T = TypeVar("T")
SortValue = str | int
Kind = Literal["keyset", "offset"]
KINDS: tuple[Kind, ...] = ("keyset", "offset")


@dataclass(frozen=True)
class Cursor:
    sort: str
    value: SortValue | None = None
    """Keyset: the last item's sort value."""
    id: str | None = None
    """Keyset: the last item's id."""
    offset: int | None = None
    """Offset: how many items came before the next page."""

    def encode(self) -> str:
        parts: list[SortValue | None] = (
            [self.sort, self.offset] if self.offset is not None else [self.sort, self.value, self.id]
        )
        raw = json.dumps(parts, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Parse a cursor; ValueError when it is not one this sandbox issued."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            parts = json.loads(raw)
        except (ValueError, TypeError):
            raise ValueError(f"invalid paging cursor '{token}'") from None
        if isinstance(parts, list) and len(parts) == 2:
            sort, offset = parts
            if isinstance(sort, str) and isinstance(offset, int) and not isinstance(offset, bool) and offset >= 0:
                return cls(sort, offset=offset)
        if isinstance(parts, list) and len(parts) == 3:
            sort, value, ident = parts
            if isinstance(sort, str) and isinstance(value, str | int) and isinstance(ident, str):
                return cls(sort, value, ident)
        raise ValueError(f"invalid paging cursor '{token}'")


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
    kind: Kind = "keyset",
) -> Page[T]:
    """One page of `items` in (key, id) order (key descending when asked; ties always by id ascending), the
    next page's cursor of `kind`."""

    def position(item: T) -> tuple[SortValue, str]:
        return key(item), ident(item)

    ordered = sorted(items, key=ident)
    ordered.sort(key=key, reverse=descending)
    start = 0
    if after is not None and after.offset is not None:
        start = after.offset
        ordered = ordered[start:]
    elif after is not None:
        last = after.value

        def beyond(item: T) -> bool:
            value, item_id = position(item)
            if value == last:
                return item_id > (after.id or "")
            if type(value) is not type(last):
                return False
            return bool(value < last) if descending else bool(value > last)  # type: ignore[operator]

        remaining = [item for item in ordered if beyond(item)]
        start, ordered = len(ordered) - len(remaining), remaining
    page = ordered[:limit]
    following = None
    if len(ordered) > limit:
        if kind == "offset":
            following = Cursor(sort, offset=start + limit)
        else:
            final = page[-1]
            following = Cursor(sort, key(final), ident(final))
    return Page(page, following)


__all__ = ["KINDS", "Cursor", "Kind", "Page", "paginate"]
