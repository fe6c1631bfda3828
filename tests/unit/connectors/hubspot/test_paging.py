"""Following HubSpot's `after` cursors with a guard against listings that never end (pure logic)."""

from __future__ import annotations

import pytest

from connectors.hubspot.paging import Cursors, EndlessPaging, next_after


def page(after: str | None) -> dict[str, object]:
    return {"results": [], **({"paging": {"next": {"after": after, "link": "x"}}} if after is not None else {})}


def test_the_next_cursor_is_paging_next_after_and_none_on_the_last_page() -> None:
    """HubSpot's paging: `paging.next.after` until the last page, which has no `paging`
    (https://developers.hubspot.com/docs/api/crm/understanding-the-crm#paging-through-results)."""
    assert next_after(page("abc")) == "abc"
    assert next_after(page(None)) is None
    assert next_after({"paging": {"next": {"after": ""}}}) is None


def test_new_cursors_are_followed_to_the_last_page() -> None:
    cursors = Cursors("list campaigns")
    assert [cursors.next(page(a)) for a in ("1", "2", None)] == ["1", "2", None]


def test_a_cursor_that_comes_back_stops_the_listing_with_one_line() -> None:
    cursors = Cursors("list owners")
    cursors.next(page("1"))
    cursors.next(page("2"))
    with pytest.raises(EndlessPaging) as stopped:
        cursors.next(page("1"))
    assert str(stopped.value).startswith("HubSpot list owners: page 3 handed back a paging cursor already followed")
    assert "\n" not in str(stopped.value)


def test_a_listing_past_the_page_cap_stops() -> None:
    cursors = Cursors("list campaigns", max_pages=3)
    cursors.next(page("1"))
    cursors.next(page("2"))
    with pytest.raises(EndlessPaging, match="still more pages after 3"):
        cursors.next(page("3"))
