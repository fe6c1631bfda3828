"""Jira issue JSON → work item records, the story points field by name, JQL and changelogs (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from connectors.http.errors import ObjectError
from connectors.jira.normalise import (
    campaign_values,
    issues_jql,
    status_change_times,
    story_points_field,
    work_item_snapshot,
    work_item_tombstone,
)
from streams.records import Person


def issue(**fields: object) -> dict:
    base = {
        "summary": "Hero section",
        "issuetype": {"name": "Story"},
        "status": {"name": "In Review", "statusCategory": {"key": "indeterminate"}},
        "parent": {"key": "WEB-1"},
        "labels": ["campaign-abc"],
        "assignee": {"accountId": "u-2", "displayName": "Olga", "emailAddress": "olga@acme.test"},
        "duedate": "2027-02-20",
        "updated": "2027-01-04T09:00:00.000+0000",
        "project": {"key": "WEB"},
        "customfield_10016": 5,
    }
    base.update(fields)
    return {"id": "10001", "key": "WEB-2", "fields": base}


def snapshot(raw: dict, **kwargs: object):
    options = {
        "points_field": "customfield_10016",
        "campaign_field": None,
        "leads": {"WEB": Person(id="u-1", name="Ivan")},
        "status_changed_at": None,
        "remote_links": [],
        "site_url": "https://acme.atlassian.net/",
    }
    options.update(kwargs)
    return work_item_snapshot(raw, **options)  # type: ignore[arg-type]


def test_an_issue_becomes_a_work_item_with_every_fact_tandem_uses() -> None:
    changed = datetime(2027, 1, 3, tzinfo=UTC)
    links = [{"globalId": "g", "object": {"url": "https://app.hubspot.com/x", "title": "T"}}, {"object": {}}]
    snap = snapshot(issue(), status_changed_at=changed, remote_links=links)
    assert (snap.key, snap.project, snap.issue_type, snap.summary) == ("WEB-2", "WEB", "Story", "Hero section")
    assert (snap.status, snap.status_category, snap.status_changed_at) == ("In Review", "indeterminate", changed)
    assert snap.parent == "WEB-1" and snap.labels == ["campaign-abc"] and snap.due_date == "2027-02-20"
    assert snap.assignee == Person(id="u-2", name="Olga", email="olga@acme.test")
    assert snap.project_lead == Person(id="u-1", name="Ivan") and snap.size == 5.0
    assert snap.source_updated_at == datetime(2027, 1, 4, 9, tzinfo=UTC)
    assert [(link.url, link.global_id) for link in snap.remote_links] == [("https://app.hubspot.com/x", "g")]
    assert snap.url == "https://acme.atlassian.net/browse/WEB-2"


def test_the_no_category_status_and_a_hidden_email_are_left_empty() -> None:
    snap = snapshot(
        issue(status={"name": "Odd", "statusCategory": {"key": "undefined"}}, assignee={"accountId": "u-9"})
    )
    assert snap.status_category is None and snap.assignee == Person(id="u-9")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc", ["abc"]),
        ("a, b", ["a", "b"]),
        (["a", {"value": "b"}], ["a", "b"]),
        (12345.0, ["12345"]),
        (
            {"value": "https://app.hubspot.com/marketing/1/campaigns/details/x"},
            ["https://app.hubspot.com/marketing/1/campaigns/details/x"],
        ),
        (None, []),
    ],
)
def test_the_campaign_field_may_hold_text_numbers_options_or_lists(value: object, expected: list[str]) -> None:
    assert campaign_values(value) == expected
    assert snapshot(issue(customfield_10100=value), campaign_field="customfield_10100").campaign_refs == expected


def test_non_numeric_story_points_are_an_object_error() -> None:
    with pytest.raises(ObjectError, match="story points"):
        snapshot(issue(customfield_10016="five"))


def test_the_story_points_field_is_found_by_name_and_falls_back_to_the_setting() -> None:
    fields = [
        {"id": "summary", "name": "Summary", "custom": False},
        {"id": "customfield_10028", "name": "Story Points", "custom": True},
    ]
    assert story_points_field(fields, "customfield_10016") == "customfield_10028"
    fields.append({"id": "customfield_10016", "name": "Story point estimate", "custom": True})
    assert story_points_field(fields, "customfield_10016") == "customfield_10016"
    assert story_points_field([{"id": "customfield_1", "name": "Other", "custom": True}], "customfield_10016") == (
        "customfield_10016"
    )


def test_incremental_jql_uses_minute_precision_in_the_api_users_time_zone() -> None:
    after = datetime(2027, 1, 4, 9, 7, 59, tzinfo=UTC)
    assert issues_jql(["WEB", "APP"], after, ZoneInfo("Europe/Berlin")) == (
        'project in ("WEB", "APP") AND updated >= "2027-01-04 10:07" ORDER BY updated ASC'
    )
    assert issues_jql(["WEB"], None, ZoneInfo("UTC")) == 'project in ("WEB") ORDER BY updated ASC'


def test_the_latest_status_change_comes_from_the_bulk_changelog() -> None:
    pages = [
        {
            "issueId": "10001",
            "changeHistories": [
                {"created": "2027-01-02T10:00:00.000+00:00", "items": [{"field": "status", "fieldId": "status"}]},
                {"created": "2027-01-05T10:00:00.000+00:00", "items": [{"field": "labels", "fieldId": "labels"}]},
                {"created": "2027-01-03T10:00:00.000+00:00", "items": [{"field": "status", "fieldId": "status"}]},
            ],
        }
    ]
    assert status_change_times(pages) == {"10001": datetime(2027, 1, 3, 10, tzinfo=UTC)}


def test_a_tombstone_names_the_project_from_the_key() -> None:
    tomb = work_item_tombstone("APP-12", datetime(2027, 1, 1, tzinfo=UTC))
    assert tomb.deleted and tomb.project == "APP"
