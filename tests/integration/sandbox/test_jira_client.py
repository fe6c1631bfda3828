"""The real `jira` library (3.10, REST v3) against the Jira sandbox, the way Tandem calls it."""

from __future__ import annotations

import pytest
from jira import JIRAError

from tests.integration.sandbox.jira_support import call, client, jira_sandbox, seed
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration
__all__ = ["jira_sandbox"]

ADF = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Linked"}]}]}


def test_the_client_starts_against_a_cloud_site(jira_sandbox: Sandboxes) -> None:
    jira = client(jira_sandbox)
    assert jira.deploymentType == "Cloud"
    assert jira.server_info()["versionNumbers"][0] >= 1000


def test_version_2_server_info_answers_too(jira_sandbox: Sandboxes) -> None:
    assert call(jira_sandbox, "GET", "/rest/api/2/serverInfo").json()["deploymentType"] == "Cloud"


def test_story_points_are_found_by_name_in_the_field_list(jira_sandbox: Sandboxes) -> None:
    fields = {f["name"]: f for f in client(jira_sandbox).fields()}
    assert fields["Story point estimate"]["id"] == "customfield_10016"
    assert fields["Story point estimate"]["schema"]["type"] == "number"


def test_an_issue_reads_with_its_fields(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    issue = client(jira_sandbox).issue("WEB-2")
    assert issue.fields.summary == "Hero section"
    assert issue.fields.status.statusCategory.key == "new"
    assert issue.fields.issuetype.hierarchyLevel == 0
    assert issue.fields.parent.key == "WEB-1"
    assert issue.fields.assignee.accountId == "u-2"
    assert issue.fields.customfield_10016 == 5
    assert issue.fields.updated == "2027-01-04T09:00:00.000+0000"


def test_enhanced_search_finds_issues_by_jql(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    found = client(jira_sandbox).enhanced_search_issues(
        "project = WEB AND statusCategory != done ORDER BY key", maxResults=0
    )
    assert [issue.key for issue in found] == ["WEB-1", "WEB-2"]


def test_enhanced_search_by_post_with_named_fields(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    found = client(jira_sandbox).enhanced_search_issues(
        "parent = WEB-1", fields=["summary", "Story point estimate"], use_post=True, json_result=True
    )
    assert isinstance(found, dict)
    assert found["isLast"] is True
    assert found["issues"][0]["fields"] == {"summary": "Hero section", "customfield_10016": 5}


def test_a_bad_query_raises_with_jiras_message(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    with pytest.raises(JIRAError) as raised:
        client(jira_sandbox).enhanced_search_issues("project = NOPE")
    assert raised.value.status_code == 400
    assert "The value 'NOPE' does not exist for the field 'project'." in raised.value.text


def test_the_old_search_endpoint_is_gone(jira_sandbox: Sandboxes) -> None:
    response = call(jira_sandbox, "GET", "/rest/api/3/search", params={"jql": "project = WEB"})
    assert response.status_code == 410
    assert "Please migrate to the /rest/api/3/search/jql API" in response.json()["errorMessages"][0]


def test_search_answers_names_and_changelog_expansions(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    jira_sandbox.control(
        "POST",
        "/_sandbox/step",
        {"at": "2027-01-05T10:00:00Z", "jira": {"update": "WEB-2", "fields": {"customfield_10016": 8}}},
    )
    body = call(
        jira_sandbox,
        "GET",
        "/rest/api/3/search/jql",
        params={"jql": "key = WEB-2", "fields": "customfield_10016", "expand": "names,changelog"},
    ).json()
    assert body["names"] == {"customfield_10016": "Story point estimate"}
    item = body["issues"][0]["changelog"]["histories"][0]["items"][0]
    assert item == {
        "field": "Story point estimate",
        "fieldtype": "custom",
        "fieldId": "customfield_10016",
        "fromString": "5",
        "toString": "8",
    }


def test_approximate_count(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    assert client(jira_sandbox).approximate_issue_count("project = WEB") == 2


def test_a_remote_link_is_added_then_updated_by_global_id(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    jira = client(jira_sandbox)
    first = jira.add_remote_link(
        "WEB-1", {"url": "https://app.hubspot.com/c/1", "title": "Spring Launch"}, globalId="hubspot:1"
    )
    second = jira.add_remote_link(
        "WEB-1", {"url": "https://app.hubspot.com/c/1", "title": "Spring Launch 2027"}, globalId="hubspot:1"
    )
    assert first.id == second.id
    links = jira.remote_links("WEB-1")
    assert [(link.globalId, link.object.title) for link in links] == [("hubspot:1", "Spring Launch 2027")]


def test_a_remote_link_post_answers_201_new_and_200_updated(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    link = {"globalId": "hubspot:2", "object": {"url": "https://app.hubspot.com/c/2", "title": "Campaign"}}
    assert call(jira_sandbox, "POST", "/rest/api/3/issue/WEB-1/remotelink", json=link).status_code == 201
    assert call(jira_sandbox, "POST", "/rest/api/3/issue/WEB-1/remotelink", json=link).status_code == 200


def test_a_remote_link_without_a_title_is_refused(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    response = call(jira_sandbox, "POST", "/rest/api/3/issue/WEB-1/remotelink", json={"object": {"url": "https://x"}})
    assert response.status_code == 400
    assert response.json() == {"errorMessages": [], "errors": {"title": "'title' is required."}}


def test_a_remote_link_is_deleted(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    jira = client(jira_sandbox)
    link = jira.add_remote_link("WEB-1", {"url": "https://x", "title": "x"}, globalId="g")
    assert call(jira_sandbox, "DELETE", f"/rest/api/3/issue/WEB-1/remotelink/{link.id}").status_code == 204
    assert jira.remote_links("WEB-1") == []


def test_a_comment_takes_a_document(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    jira = client(jira_sandbox)
    comment = jira.add_comment("WEB-1", ADF)  # type: ignore[arg-type]
    assert comment.raw["body"] == ADF
    assert [c.id for c in jira.comments("WEB-1")] == [comment.id]


def test_a_plain_string_comment_is_refused_in_version_3(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    with pytest.raises(JIRAError) as raised:
        client(jira_sandbox).add_comment("WEB-1", "plain text")
    assert raised.value.status_code == 400
    assert raised.value.response.json() == {"errorMessages": [], "errors": {"comment": "Comment body is not valid!"}}


def test_labels_are_set_and_added(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    jira = client(jira_sandbox)
    issue = jira.issue("WEB-2")
    issue.update(fields={"labels": ["spring-launch"]})
    issue.add_field_value("labels", "campaign")
    assert jira.issue("WEB-2").fields.labels == ["campaign", "spring-launch"]


def test_labels_are_removed_with_an_update_operation(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    jira = client(jira_sandbox)
    jira.issue("WEB-2").update(fields={"labels": ["a", "b"]})
    jira.issue("WEB-2").update(update={"labels": [{"remove": "a"}]})
    assert jira.issue("WEB-2").fields.labels == ["b"]


def test_a_field_update_is_a_204_and_changes_the_issue(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    response = call(jira_sandbox, "PUT", "/rest/api/3/issue/WEB-1", json={"fields": {"duedate": "2027-02-12"}})
    assert response.status_code == 204 and response.content == b""
    assert client(jira_sandbox).issue("WEB-1").fields.duedate == "2027-02-12"


def test_an_issue_is_created_and_deleted(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    jira = client(jira_sandbox)
    created = jira.create_issue(fields={"project": {"key": "WEB"}, "issuetype": {"name": "Task"}, "summary": "New"})
    assert created.key == "WEB-3"
    created.delete()
    assert call(jira_sandbox, "GET", "/rest/api/3/issue/WEB-3").status_code == 404


def test_a_missing_issue_is_a_404_with_jiras_message(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    response = call(jira_sandbox, "GET", "/rest/api/3/issue/WEB-99")
    assert response.status_code == 404
    assert response.json()["errorMessages"] == ["Issue does not exist or you do not have permission to see it."]


def test_users_are_searched_by_name(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    assert [user.accountId for user in client(jira_sandbox).search_users(query="olga")] == ["u-2"]


def test_a_user_is_read_by_account_id(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    user = call(jira_sandbox, "GET", "/rest/api/3/user", params={"accountId": "u-1"}).json()
    assert (user["displayName"], user["emailAddress"]) == ("Ivan Petrov", "ivan@acme.test")


def test_a_project_shows_its_lead(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    project = client(jira_sandbox).project("WEB")
    assert (project.key, project.lead.accountId) == ("WEB", "u-1")


def test_projects_are_searched(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    page = call(jira_sandbox, "GET", "/rest/api/3/project/search").json()
    assert [p["key"] for p in page["values"]] == ["WEB"] and page["isLast"] is True


def test_myself_is_the_api_account(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    assert client(jira_sandbox).myself()["emailAddress"] == jira_sandbox.jira_email


def test_every_write_is_in_the_write_log(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    client(jira_sandbox).add_remote_link("WEB-1", {"url": "https://x", "title": "x"}, globalId="g")
    writes = [(w.system, w.method, w.path, w.status) for w in jira_sandbox.world.writes.entries()]
    assert ("jira", "POST", "/rest/api/3/issue/WEB-1/remotelink", 201) in writes


def test_version_3_shows_rich_text_as_documents_and_version_2_as_text(jira_sandbox: Sandboxes) -> None:
    seed(jira_sandbox)
    call(jira_sandbox, "PUT", "/rest/api/3/issue/WEB-1", json={"fields": {"description": ADF}})
    assert call(jira_sandbox, "GET", "/rest/api/3/issue/WEB-1").json()["fields"]["description"] == ADF
    assert call(jira_sandbox, "GET", "/rest/api/2/issue/WEB-1").json()["fields"]["description"] == "Linked"


def test_version_2_fields_list_matches_version_3(jira_sandbox: Sandboxes) -> None:
    assert (
        call(jira_sandbox, "GET", "/rest/api/2/field").json() == call(jira_sandbox, "GET", "/rest/api/3/field").json()
    )
