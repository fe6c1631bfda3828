"""The Jira sandbox's store: field writes, the changelog items Jira records for them, and the scenario hooks.

Changelog items are what Tandem reads to see what changed (a status moving, a due date slipping, a parent
changing), so each field's item is checked against the wording Jira Cloud uses.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.jira.errors import JiraError
from sandbox.jira.model import ChangeItem
from sandbox.jira.store import IssueEvent, JiraStore
from tests.unit.sandbox.jql_support import NOW, site

LATER = NOW + timedelta(hours=1)


def edit(store: JiraStore, key: str, **fields: object) -> tuple[ChangeItem, ...]:
    change = store.edit_issue(key, fields=dict(fields), at=LATER, api_version=None)
    assert change is not None
    return change.items


def test_a_status_change_records_ids_and_names() -> None:
    items = edit(site(), "WEB-2", status={"name": "In Progress"})
    assert items == (ChangeItem("status", "jira", "status", "10000", "To Do", "3", "In Progress"),)


def test_entering_a_done_status_sets_the_resolution() -> None:
    store = site()
    items = edit(store, "WEB-2", status={"name": "Done"})
    assert items[1] == ChangeItem("resolution", "jira", "resolution", None, None, "10000", "Done")
    assert store.require_issue("WEB-2").resolution_date == LATER


def test_leaving_done_clears_the_resolution() -> None:
    store = site()
    edit(store, "WEB-2", status={"name": "Done"})
    items = edit(store, "WEB-2", status={"name": "To Do"})
    assert items[1] == ChangeItem("resolution", "jira", "resolution", "10000", "Done", None, None)


def test_a_new_status_needs_its_category() -> None:
    store = site()
    edit(store, "WEB-2", status={"name": "QA", "statusCategory": {"key": "indeterminate"}})
    assert store.require_issue("WEB-2").status.category == "indeterminate"
    with pytest.raises(JiraError):
        edit(store, "WEB-2", status={"name": "Limbo"})


def test_a_due_date_change_reads_like_jiras() -> None:
    items = edit(site(), "WEB-1", duedate="2027-02-12")
    assert items == (
        ChangeItem(
            "duedate", "jira", "duedate", "2027-02-20", "2027-02-20 00:00:00.0", "2027-02-12", "2027-02-12 00:00:00.0"
        ),
    )


def test_labels_change_as_space_separated_lists() -> None:
    items = edit(site(), "WEB-2", labels=["launch", "web"])
    assert items == (ChangeItem("labels", "jira", "labels", None, "frontend launch", None, "launch web"),)


def test_a_parent_change_is_an_issue_parent_association_without_field_id() -> None:
    store = site()
    store.create_issue({"project": {"key": "WEB"}, "issuetype": {"name": "Epic"}, "summary": "Other epic"})
    items = edit(store, "WEB-2", parent={"key": "WEB-4"})
    assert items == (ChangeItem("IssueParentAssociation", "jira", None, "10000", "WEB-1", "10005", "WEB-4"),)


def test_an_assignee_change_shows_account_ids_and_names() -> None:
    items = edit(site(), "WEB-2", assignee={"accountId": "u-1"})
    assert items == (ChangeItem("assignee", "jira", "assignee", "u-2", "Olga Smirnova", "u-1", "Ivan Petrov"),)


def test_story_points_change_under_the_fields_name() -> None:
    items = edit(site(), "WEB-2", customfield_10016=8)
    assert items == (ChangeItem("Story point estimate", "custom", "customfield_10016", None, "5", None, "8"),)


def test_a_summary_change_keeps_old_and_new_text() -> None:
    items = edit(site(), "WEB-2", summary="Hero v2")
    assert items == (ChangeItem("summary", "jira", "summary", None, "Hero", None, "Hero v2"),)


def test_a_change_bumps_updated_and_is_logged() -> None:
    store = site()
    edit(store, "WEB-2", summary="Hero v2")
    issue = store.require_issue("WEB-2")
    assert issue.updated == LATER and len(issue.changelog) == 1 and issue.changelog[0].created == LATER


def test_writing_the_same_values_changes_nothing() -> None:
    store = site()
    before = store.require_issue("WEB-2").updated
    assert store.edit_issue("WEB-2", fields={"summary": "Hero"}, at=LATER) is None
    assert store.require_issue("WEB-2").updated == before


def test_the_api_cannot_set_a_status() -> None:
    with pytest.raises(JiraError) as raised:
        site().edit_issue("WEB-2", fields={"status": {"name": "Done"}}, api_version=3)
    assert raised.value.errors == {
        "status": "Field 'status' cannot be set. It is not on the appropriate screen, or unknown."
    }


def test_one_bad_field_leaves_the_issue_untouched() -> None:
    store = site()
    with pytest.raises(JiraError) as raised:
        store.edit_issue("WEB-2", fields={"summary": "New", "duedate": "soon"}, api_version=3)
    assert raised.value.errors == {"duedate": "Error parsing date string: soon"}
    assert store.require_issue("WEB-2").summary == "Hero"


def test_labels_update_operations_add_remove_and_set() -> None:
    store = site()
    store.edit_issue("WEB-2", update={"labels": [{"add": "web"}, {"remove": "frontend"}]})
    assert store.require_issue("WEB-2").labels == ["launch", "web"]
    store.edit_issue("WEB-2", update={"labels": [{"set": ["x"]}]})
    assert store.require_issue("WEB-2").labels == ["x"]


def test_a_label_with_a_space_is_refused() -> None:
    with pytest.raises(JiraError) as raised:
        site().edit_issue("WEB-2", fields={"labels": ["two words"]})
    assert raised.value.errors == {"labels": "The label 'two words' contains spaces which is invalid."}


def test_a_story_cannot_be_the_parent_of_a_story() -> None:
    with pytest.raises(JiraError) as raised:
        site().edit_issue("WEB-3", fields={"parent": {"key": "WEB-2"}})
    assert raised.value.errors == {"parent": "Given parent work item does not belong to appropriate hierarchy."}


def test_version_3_descriptions_must_be_documents() -> None:
    with pytest.raises(JiraError) as raised:
        site().edit_issue("WEB-2", fields={"description": "plain"}, api_version=3)
    assert raised.value.errors == {
        "description": "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
    }


def test_version_3_comments_must_be_documents() -> None:
    with pytest.raises(JiraError) as raised:
        site().add_comment("WEB-2", "plain", api_version=3)
    assert raised.value.errors == {"comment": "Comment body is not valid!"}


def test_a_remote_link_is_upserted_by_global_id() -> None:
    store = site()
    link, created = store.upsert_remote_link("WEB-1", {"globalId": "g1", "object": {"url": "https://a", "title": "A"}})
    again, created_again = store.upsert_remote_link(
        "WEB-1", {"globalId": "g1", "object": {"url": "https://a", "title": "B"}}
    )
    assert created and not created_again and again.id == link.id and again.object["title"] == "B"


def test_a_timeline_update_is_attributed_to_the_assignee() -> None:
    store = site()
    events: list[IssueEvent] = []
    store.listen(events.append)
    store.apply({"update": "WEB-2", "fields": {"summary": "Hero v2"}}, LATER)
    assert [(e.kind, e.issue.key, e.author, e.at) for e in events] == [("updated", "WEB-2", "u-2", LATER)]


def test_a_timeline_create_uses_the_given_key() -> None:
    store = site()
    store.apply({"create": "WEB-10", "fields": {"issuetype": {"name": "Task"}, "summary": "New"}}, LATER)
    created = store.require_issue("WEB-10")
    assert created.created == LATER
    assert (
        store.create_issue({"project": {"key": "WEB"}, "issuetype": {"name": "Task"}, "summary": "Next"}).key
        == "WEB-11"
    )


def test_a_timeline_delete_removes_the_issue_and_unparents_its_children() -> None:
    store = site()
    store.apply({"delete": "WEB-1"}, LATER)
    assert store.issue("WEB-1") is None
    child = store.require_issue("WEB-2")
    assert child.parent_id is None and child.changelog[-1].items[0].field == "IssueParentAssociation"


def test_a_timeline_user_is_added() -> None:
    store = site()
    store.apply({"user": {"accountId": "u-3", "displayName": "Nina", "emailAddress": "nina@acme.test"}}, LATER)
    user = store.user("u-3")
    assert user is not None and user.display_name == "Nina"


def test_loading_starts_the_site_over() -> None:
    store = site()
    store.load({})
    assert store.issues == {} and store.projects == {}


def test_the_api_user_is_the_scenario_user_with_the_credentials_email() -> None:
    store = JiraStore(site().clock, api_email="olga@acme.test")
    store.load({"users": [{"accountId": "u-2", "displayName": "Olga", "emailAddress": "olga@acme.test"}]})
    assert store.api_user().account_id == "u-2"


def test_scenario_times_may_be_back_dated() -> None:
    issue = site().require_issue("APP-1")
    assert issue.created == datetime(2026, 12, 20, 8, tzinfo=UTC)
