"""ORDER BY and paging: the order a query asks for, ties broken by issue id, and page tokens that return
every issue of an unchanging result exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sandbox.jira.errors import JiraError
from sandbox.jira.search import search
from tests.unit.sandbox.jql_support import NOW, error, keys, site


def test_without_order_by_issues_come_by_key_descending() -> None:
    assert keys("project in (WEB, APP)") == ["WEB-3", "WEB-2", "WEB-1", "APP-2", "APP-1"]


def test_order_by_key_compares_numbers_as_numbers() -> None:
    store = site()
    for n in range(7):
        store.create_issue({"project": {"key": "APP"}, "issuetype": {"name": "Task"}, "summary": f"t{n}"})
    assert keys("project = APP ORDER BY key", store)[:4] == ["APP-1", "APP-2", "APP-3", "APP-4"]
    assert keys("project = APP ORDER BY key DESC", store)[:2] == ["APP-9", "APP-8"]


def test_order_by_updated_descending() -> None:
    assert keys("project in (WEB, APP) ORDER BY updated DESC") == ["APP-1", "WEB-2", "WEB-1", "WEB-3", "APP-2"]


def test_order_by_created_ascending() -> None:
    assert keys("project in (WEB, APP) ORDER BY created ASC") == ["APP-1", "WEB-1", "WEB-2", "WEB-3", "APP-2"]


def test_a_second_sort_field_breaks_ties_of_the_first() -> None:
    assert keys("project in (WEB, APP) ORDER BY project ASC, key DESC") == ["APP-2", "APP-1", "WEB-3", "WEB-2", "WEB-1"]


def test_empty_values_sort_last_ascending_and_first_descending() -> None:
    assert keys("project = WEB ORDER BY duedate ASC") == ["WEB-1", "WEB-2", "WEB-3"]
    assert keys("project = WEB ORDER BY duedate DESC") == ["WEB-2", "WEB-3", "WEB-1"]


def test_equal_sort_values_are_ordered_by_issue_id() -> None:
    store = site()
    for issue in store.issues.values():
        issue.updated = NOW
    assert keys("project in (WEB, APP) ORDER BY updated DESC", store) == ["WEB-1", "WEB-2", "WEB-3", "APP-1", "APP-2"]


def test_sorting_by_an_unknown_field() -> None:
    assert error("project = WEB ORDER BY colour") == (
        "Field 'colour' does not exist or you do not have permission to view it."
    )


def test_sorting_by_a_field_jira_cannot_sort_by() -> None:
    assert error("project = WEB ORDER BY labels") == "Field 'labels' does not support sorting."


def test_pages_return_every_issue_exactly_once() -> None:
    store = site()
    for n in range(40):
        store.create_issue({"project": {"key": "APP"}, "issuetype": {"name": "Task"}, "summary": f"t{n}"})
    seen = keys("project = APP ORDER BY updated DESC", store)
    assert len(seen) == len(set(seen)) == 42


def test_the_last_page_has_no_token() -> None:
    page = search(site(), "project = WEB", max_results=3, next_page_token=None, now=NOW, current_user=None)
    assert len(page.issues) == 3 and page.next_page_token is None


def test_a_token_belongs_to_its_query() -> None:
    store = site()
    first = search(store, "project = WEB", max_results=1, next_page_token=None, now=NOW, current_user=None)
    with pytest.raises(JiraError) as raised:
        search(store, "project = APP", max_results=1, next_page_token=first.next_page_token, now=NOW, current_user=None)
    assert raised.value.messages == ["The provided next page token is invalid or expired."]


def test_a_garbled_token_is_a_400() -> None:
    with pytest.raises(JiraError) as raised:
        search(site(), "project = WEB", max_results=1, next_page_token="%%%", now=NOW, current_user=None)
    assert raised.value.status == 400


def test_an_issue_updated_between_pages_can_be_seen_again() -> None:
    """The documented hazard of cursor paging under `ORDER BY updated`: the caller deduplicates by key."""
    store = site()
    first = search(
        store, "project = WEB ORDER BY updated ASC", max_results=2, next_page_token=None, now=NOW, current_user=None
    )
    assert [i.key for i in first.issues] == ["WEB-3", "WEB-1"]
    store.edit_issue("WEB-3", fields={"summary": "moved"}, at=NOW + timedelta(minutes=1))
    rest = search(
        store,
        "project = WEB ORDER BY updated ASC",
        max_results=5,
        next_page_token=first.next_page_token,
        now=NOW,
        current_user=None,
    )
    assert [i.key for i in rest.issues] == ["WEB-2", "WEB-3"]
