"""JQL syntax: the grammar's structure, precedence, and Jira's 400 wording for queries that are not JQL.

Each error must name the offending token and where it is, `(line L, character C)` counted from 1, because
that is what a developer reads in Jira's answer to find the mistake.
"""

from __future__ import annotations

import pytest

from sandbox.jira.jql import And, Clause, JqlError, Not, Or, parse
from tests.unit.sandbox.jql_support import error, keys


def syntax_error(jql: str) -> str:
    with pytest.raises(JqlError) as raised:
        parse(jql)
    return raised.value.message


def test_a_clause_is_field_operator_value() -> None:
    clause = parse("project = WEB").where
    assert isinstance(clause, Clause)
    assert (clause.field, clause.operator, [v.text for v in clause.values]) == ("project", "=", ["WEB"])


def test_keywords_are_case_insensitive() -> None:
    assert keys("project = WEB and labels = frontend") == keys("project = WEB AND labels = frontend") == ["WEB-2"]


def test_symbolic_and_or_not_mean_what_the_words_mean() -> None:
    assert keys("project = WEB && !(labels = launch) || key = APP-2") == keys(
        "project = WEB AND NOT (labels = launch) OR key = APP-2"
    )


def test_and_binds_tighter_than_or() -> None:
    tree = parse("project = APP OR project = WEB AND labels = frontend").where
    assert isinstance(tree, Or) and isinstance(tree.parts[1], And)
    assert keys("project = APP OR project = WEB AND labels = frontend") == ["WEB-2", "APP-2", "APP-1"]


def test_parentheses_override_precedence() -> None:
    assert keys("(project = APP OR project = WEB) AND labels = launch") == ["WEB-2", "WEB-1"]


def test_not_negates_the_clause_after_it() -> None:
    tree = parse("NOT project = WEB").where
    assert isinstance(tree, Not)
    assert keys("NOT project = WEB") == ["APP-2", "APP-1"]


def test_quoted_strings_may_hold_spaces_and_escapes() -> None:
    clause = parse(r'status = "In \"Progress\""').where
    assert isinstance(clause, Clause)
    assert clause.values[0].text == 'In "Progress"'
    assert keys("status = 'In Progress'") == ["WEB-1"]


def test_a_list_is_parenthesised_values() -> None:
    clause = parse('key in (WEB-1, "WEB-2")').where
    assert isinstance(clause, Clause) and clause.is_list
    assert [v.text for v in clause.values] == ["WEB-1", "WEB-2"]


def test_a_missing_value_at_the_end() -> None:
    assert syntax_error("project =") == (
        "Error in JQL Query: Expecting either a value, list or function before the end of the query."
    )


def test_an_operator_where_a_value_belongs_is_named() -> None:
    assert syntax_error("project = WEB AND status = = Done") == (
        "Error in JQL Query: Expecting either a value, list or function but got '='. You must surround '=' in "
        "quotation marks to use it as a value. (line 1, character 28)"
    )


def test_a_keyword_used_as_a_value_is_named() -> None:
    assert syntax_error("project = and").startswith(
        "Error in JQL Query: Expecting either a value, list or function but got 'and'."
    )


def test_a_missing_operator_is_named() -> None:
    assert syntax_error("project WEB") == (
        "Error in the JQL Query: Expecting operator but got 'WEB'. The valid operators are '=', '!=', '<', '>', "
        "'<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. (line 1, character 9)"
    )


def test_a_missing_operator_at_the_end() -> None:
    assert syntax_error("project").startswith("Error in the JQL Query: Expecting operator before the end of the query.")


def test_two_clauses_without_and_or_or() -> None:
    assert syntax_error("project = WEB status = Done") == (
        "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'status'. (line 1, character 15)"
    )


def test_a_dangling_and() -> None:
    assert (
        syntax_error("project = WEB AND") == "Error in the JQL Query: Expecting a field name at the end of the query."
    )


def test_an_unclosed_parenthesis() -> None:
    assert syntax_error("(project = WEB") == "Error in the JQL Query: Expecting ')' before the end of the query."


def test_a_list_without_commas() -> None:
    assert (
        syntax_error("key in (WEB-1 WEB-2)")
        == "Error in the JQL Query: Expecting ')' but got 'WEB-2'. (line 1, character 15)"
    )


def test_an_unterminated_string() -> None:
    assert syntax_error('status = "In Progress') == (
        "Error in the JQL Query: The quoted string 'In Progress' has not been completed. (line 1, character 10)"
    )


def test_a_reserved_character_must_be_quoted() -> None:
    assert syntax_error("updated > 2027/01/04") == (
        "Error in the JQL Query: The character '/' is a reserved JQL character. You must enclose it in a string "
        "or use the escape '\\u002f' instead. (line 1, character 15)"
    )


def test_a_reserved_word_must_be_quoted() -> None:
    assert syntax_error("labels = set") == (
        "Error in the JQL Query: 'set' is a reserved JQL word. You must surround it in quotation marks to use it "
        "in a query. (line 1, character 10)"
    )


def test_order_needs_by() -> None:
    assert (
        syntax_error("project = WEB ORDER key")
        == "Error in the JQL Query: Expecting 'BY' but got 'key'. (line 1, character 21)"
    )


def test_a_sort_direction_is_asc_or_desc() -> None:
    assert syntax_error("project = WEB ORDER BY key sideways") == (
        "Error in the JQL Query: Expecting either 'ASC' or 'DESC' but got 'sideways'. (line 1, character 28)"
    )


def test_history_operators_are_refused_by_name() -> None:
    assert syntax_error("status WAS Done") == (
        "Error in the JQL Query: The Jira sandbox does not search history; the operator 'WAS' is not supported "
        "here. (line 1, character 8)"
    )


def test_positions_count_lines_and_characters_from_one() -> None:
    assert syntax_error("project = WEB\nAND = 3").endswith("(line 2, character 5)")


def test_the_search_answers_a_syntax_error_as_a_400() -> None:
    assert error("project =").startswith("Error in JQL Query: Expecting either a value")
