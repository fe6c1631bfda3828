"""Keyset cursors: exactly once over a stable set, still valid while the set changes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sandbox.hubspot.paging import Cursor, paginate


@dataclass
class Item:
    id: str
    rank: int


def walk(items: list[Item], *, descending: bool = False, limit: int = 3) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        page = paginate(
            items,
            sort="rank",
            key=lambda i: i.rank,
            ident=lambda i: i.id,
            descending=descending,
            after=after,
            limit=limit,
        )
        seen.extend(i.id for i in page.items)
        if page.next is None:
            return seen
        after = Cursor.decode(page.next.encode())


def test_every_item_is_returned_once_in_order_with_ties_broken_by_id() -> None:
    items = [Item(f"{n:02d}", n % 4) for n in range(10)]
    assert walk(items) == sorted((i.id for i in items), key=lambda x: (int(x) % 4, x))


def test_descending_sorts_the_key_down_and_ties_by_id_up() -> None:
    items = [Item("b", 1), Item("a", 1), Item("c", 2)]
    assert walk(items, descending=True, limit=1) == ["c", "a", "b"]


def test_a_cursor_survives_the_deletion_of_the_item_it_names() -> None:
    items = [Item(str(n), n) for n in range(6)]
    page = paginate(
        items, sort="rank", key=lambda i: i.rank, ident=lambda i: i.id, descending=False, after=None, limit=2
    )
    assert page.next is not None
    rest = [i for i in items if i.id != "1"]
    following = paginate(
        rest, sort="rank", key=lambda i: i.rank, ident=lambda i: i.id, descending=False, after=page.next, limit=10
    )
    assert [i.id for i in following.items] == ["2", "3", "4", "5"]


def test_a_garbled_cursor_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid paging cursor"):
        Cursor.decode("not-a-cursor")
