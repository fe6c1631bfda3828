"""JQL fields and operators: what each clause Tandem sends finds, and Jira's 400 for what it may not say.

The site (`jql_support.SITE`): WEB-1 epic (launch, Ivan, due 2027-02-20), WEB-2 and WEB-3 its stories
(WEB-2: launch+frontend, Olga, 5 points, To Do; WEB-3: no labels, unassigned, 3 points, Done), APP-1 task
(backend, Ivan, In Review), APP-2 bug (Backlog). Results come in Jira's default order, key descending.
"""

from __future__ import annotations

from sandbox.jira.errors import UNBOUNDED_JQL
from tests.unit.sandbox.jql_support import error, keys


def test_project_equals_a_key() -> None:
    assert keys("project = WEB") == ["WEB-3", "WEB-2", "WEB-1"]


def test_project_matches_a_name_too() -> None:
    assert keys('project = "Mobile App"') == ["APP-2", "APP-1"]


def test_project_not_equals() -> None:
    assert keys("project != WEB") == ["APP-2", "APP-1"]


def test_project_in_a_list() -> None:
    assert keys("project in (APP, WEB)") == ["WEB-3", "WEB-2", "WEB-1", "APP-2", "APP-1"]


def test_project_not_in_a_list() -> None:
    assert keys("project not in (WEB)") == ["APP-2", "APP-1"]


def test_an_unknown_project_is_a_400() -> None:
    assert error("project = NOPE") == "The value 'NOPE' does not exist for the field 'project'."


def test_key_equals() -> None:
    assert keys("key = WEB-2") == ["WEB-2"]


def test_issuekey_and_id_are_names_for_key() -> None:
    assert keys("issuekey = web-2") == keys("id = 10001") == ["WEB-2"]


def test_key_in_and_not_in() -> None:
    assert keys("key in (WEB-1, APP-1)") == ["WEB-1", "APP-1"]
    assert keys("project = WEB AND key not in (WEB-1)") == ["WEB-3", "WEB-2"]


def test_key_comparisons_stay_within_the_project() -> None:
    assert keys("key > WEB-1") == ["WEB-3", "WEB-2"]
    assert keys("key <= APP-1") == ["APP-1"]


def test_a_missing_key_is_a_400() -> None:
    assert error("key = WEB-99") == "An issue with key 'WEB-99' does not exist for field 'key'."


def test_a_malformed_key_is_a_400() -> None:
    assert error("key = banana") == "The issue key 'banana' for field 'key' is invalid."


def test_labels_equals_finds_issues_with_that_label() -> None:
    assert keys("labels = launch") == ["WEB-2", "WEB-1"]


def test_labels_match_regardless_of_case() -> None:
    assert keys("labels = LAUNCH") == ["WEB-2", "WEB-1"]


def test_labels_not_equals_skips_issues_without_labels() -> None:
    """Jira's rule: `!=` never matches an empty field, so WEB-3 and APP-2 are not found."""
    assert keys("labels != launch") == ["APP-1"]


def test_labels_in_a_list() -> None:
    assert keys("labels in (frontend, backend)") == ["WEB-2", "APP-1"]


def test_labels_not_in_a_list() -> None:
    assert keys("labels not in (launch)") == ["APP-1"]


def test_labels_is_empty() -> None:
    assert keys("labels is EMPTY") == ["WEB-3", "APP-2"]


def test_labels_is_not_empty() -> None:
    assert keys("labels IS NOT null") == ["WEB-2", "WEB-1", "APP-1"]


def test_labels_equals_empty_is_is_empty() -> None:
    assert keys("labels = EMPTY") == keys("labels is EMPTY")


def test_labels_in_may_include_empty() -> None:
    assert keys("labels in (backend, EMPTY)") == ["WEB-3", "APP-2", "APP-1"]


def test_parent_equals() -> None:
    assert keys("parent = WEB-1") == ["WEB-3", "WEB-2"]


def test_parent_in_by_key_or_id() -> None:
    assert keys("parent in (10000)") == ["WEB-3", "WEB-2"]


def test_parent_not_equals_skips_issues_without_a_parent() -> None:
    assert keys("parent != WEB-2") == ["WEB-3", "WEB-2"]


def test_parent_does_not_take_is() -> None:
    assert error("parent is EMPTY") == "The operator 'is' is not supported by the 'parent' field."


def test_issuetype_equals_a_name() -> None:
    assert keys("issuetype = Story") == ["WEB-3", "WEB-2"]


def test_type_is_a_name_for_issuetype() -> None:
    assert keys("type in (Epic, Bug)") == ["WEB-1", "APP-2"]


def test_an_unknown_issuetype_is_a_400() -> None:
    assert error("issuetype = Saga") == "The value 'Saga' does not exist for the field 'issuetype'."


def test_status_equals_a_name() -> None:
    assert keys('status = "In Progress"') == ["WEB-1"]


def test_status_not_in() -> None:
    assert keys("project = WEB AND status not in (Done, 'To Do')") == ["WEB-1"]


def test_status_by_id() -> None:
    assert keys("status = 10001") == ["WEB-3"]


def test_status_category_by_key() -> None:
    assert keys("statusCategory = indeterminate") == ["WEB-1", "APP-1"]


def test_status_category_by_name() -> None:
    assert keys('statusCategory = "To Do"') == ["WEB-2", "APP-2"]


def test_status_category_not_equals() -> None:
    assert keys("statusCategory != done") == ["WEB-2", "WEB-1", "APP-2", "APP-1"]


def test_status_category_in() -> None:
    assert keys("statusCategory in (new, done)") == ["WEB-3", "WEB-2", "APP-2"]


def test_an_unknown_status_category_is_a_400() -> None:
    assert error("statusCategory = finished") == "The value 'finished' does not exist for the field 'statusCategory'."


def test_assignee_by_account_id() -> None:
    assert keys("assignee = u-1") == ["WEB-1", "APP-1"]


def test_assignee_current_user() -> None:
    assert keys("assignee = currentUser()") == ["WEB-1", "APP-1"]


def test_assignee_is_empty() -> None:
    assert keys("assignee is EMPTY") == ["WEB-3", "APP-2"]


def test_story_points_by_custom_field_id() -> None:
    assert keys("cf[10016] > 3") == ["WEB-2"]


def test_story_points_by_field_name() -> None:
    assert keys('"Story point estimate" <= 5') == ["WEB-3", "WEB-2"]


def test_an_operator_the_field_does_not_take() -> None:
    assert error("labels > launch") == "The operator '>' is not supported by the 'labels' field."


def test_text_search_on_a_field_that_is_not_text() -> None:
    assert error("project ~ WEB") == "The operator '~' is not supported by the 'project' field."


def test_is_takes_only_empty() -> None:
    assert error("labels is launch").startswith("The operator 'is' only supports the EMPTY or NULL value")


def test_empty_on_a_field_that_is_never_empty() -> None:
    assert error("project = EMPTY") == "Field 'project' does not support searching for EMPTY values."


def test_an_unknown_field() -> None:
    assert error("colour = red") == "Field 'colour' does not exist or you do not have permission to view it."


def test_a_field_the_sandbox_does_not_search_is_refused_by_name() -> None:
    assert error('project = WEB AND summary ~ "hero"') == (
        "Error in the JQL Query: The Jira sandbox does not search the field 'summary'. (line 1, character 19)"
    )


def test_an_unknown_function() -> None:
    assert error("assignee = bestFriend()") == "Unable to find JQL function 'bestFriend()'."


def test_a_function_that_does_not_fit_the_field() -> None:
    assert error("project = currentUser()") == (
        "A value provided by the function 'currentUser' is invalid for the field 'project'."
    )


def test_in_needs_a_list() -> None:
    assert error("project in WEB").startswith("The operator 'in' requires a list of values")


def test_an_unbounded_query_is_refused() -> None:
    assert error("ORDER BY key") == UNBOUNDED_JQL
