"""How the Jira sandbox renders: the `fields` parameter's selection rules and Jira's time formats."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.jira.catalog import field_catalogue
from sandbox.jira.shapes import FieldSelection, jira_time, rfc3339

CATALOGUE = {definition.id: definition for definition in field_catalogue()}


def chosen(*values: str, default: str = "id") -> set[str]:
    selection = FieldSelection.parse(values, default=default)
    return {field_id for field_id, definition in CATALOGUE.items() if selection.wants(definition)}


def test_all_means_every_field() -> None:
    assert chosen("*all") == set(CATALOGUE)


def test_navigable_leaves_out_comments_and_worklogs() -> None:
    assert chosen("*navigable") == set(CATALOGUE) - {"comment", "worklog", "timetracking"}


def test_an_exclusion_alone_means_navigable_but_that_field() -> None:
    assert chosen("-description") == set(CATALOGUE) - {"comment", "worklog", "timetracking", "description"}


def test_fields_may_be_repeated_and_comma_separated() -> None:
    assert chosen("summary,status", "labels") == {"summary", "status", "labels"}


def test_the_search_default_is_ids_only() -> None:
    selection = FieldSelection.parse([], default="id")
    assert selection.ids_only and chosen() == set()


def test_asking_for_the_key_alone_is_still_ids_only() -> None:
    assert FieldSelection.parse(["key"], default="id").ids_only
    assert FieldSelection.parse(["issuekey"], default="id").ids_only
    assert not FieldSelection.parse(["key", "summary"], default="id").ids_only


def test_issue_fields_use_jiras_own_time_format() -> None:
    assert jira_time(datetime(2027, 1, 4, 9, 0, 0, 123000, tzinfo=UTC)) == "2027-01-04T09:00:00.123+0000"


def test_described_date_times_use_rfc_3339() -> None:
    assert rfc3339(datetime(2027, 1, 4, 9, tzinfo=UTC)) == "2027-01-04T09:00:00.000+00:00"
