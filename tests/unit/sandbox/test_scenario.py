"""Scenario files: typed on success; on any mistake, one message naming the file, the line and the problem."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sandbox.scenario import ScenarioError, load_scenario, parse_scenario, parse_step

SHARED = Path(__file__).resolve().parents[4] / "shared" / "scenarios" / "spring-launch.yaml"
GUID = "0b6e1b6e-6f4e-4c43-9a77-1d2a3c4b5d6e"

BASE = f"""\
name: demo
start: "2027-01-04T09:00:00Z"
end: "2027-01-20T00:00:00Z"
hubspot:
  portal_id: 4242
  owners:
    - {{id: "101", email: "maria@acme.test"}}
  campaigns:
    - id: "{GUID}"
      properties:
        hs_name: "Spring"
        hs_start_date: "2027-03-01"
jira:
  users:
    - {{accountId: "u-1", displayName: "Ivan"}}
  projects:
    - {{key: "WEB", name: "Website", lead: "u-1"}}
  issues:
    - key: "WEB-1"
      fields:
        summary: "Landing page"
timeline:
  - at: "2027-01-06T10:00:00Z"
    jira: {{update: "WEB-1", fields: {{summary: "Landing"}}}}
  - at: "2027-01-07T10:00:00Z"
    hubspot: {{update: "{GUID}", properties: {{hs_start_date: "2027-02-15"}}}}
"""


def error_of(text: str, filename: str = "s.yaml") -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, filename)
    return caught.value


def test_the_shared_spring_launch_scenario_loads() -> None:
    path = SHARED if SHARED.exists() else None
    if path is None:
        pytest.skip("../shared is not beside this checkout")
    scenario = load_scenario(path)
    assert scenario.name == "spring-launch"
    assert scenario.start == datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    assert [step.system for step in scenario.timeline] == ["jira", "jira", "hubspot", "jira", "jira", "jira"]
    assert scenario.timeline[2].line == 55
    assert scenario.section("hubspot")["campaigns"][0]["properties"]["hs_owner"] == "101"


def test_a_scenario_is_typed_and_steps_keep_their_lines() -> None:
    scenario = parse_scenario(BASE, "demo.yaml")
    first, second = scenario.timeline
    assert (first.system, first.action, first.target, first.line) == ("jira", "update", "WEB-1", 23)
    assert second.op == {"update": GUID, "properties": {"hs_start_date": "2027-02-15"}}
    assert second.at == datetime(2027, 1, 7, 10, 0, tzinfo=UTC)
    assert scenario.section("jira")["projects"] == [{"key": "WEB", "name": "Website", "lead": "u-1"}]
    assert scenario.section("nothing") == {}


def test_json_is_a_valid_scenario_too() -> None:
    import yaml

    text = json.dumps(yaml.safe_load(BASE), indent=2)
    assert parse_scenario(text, "demo.json").timeline[1].target == GUID


def test_unquoted_dates_stay_text() -> None:
    scenario = parse_scenario(BASE.replace('hs_start_date: "2027-03-01"', "hs_start_date: 2027-03-01"))
    assert scenario.section("hubspot")["campaigns"][0]["properties"]["hs_start_date"] == "2027-03-01"


def test_load_scenario_names_the_path_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BASE.replace("  portal_id: 4242", "  portal: 4242"))
    with pytest.raises(ScenarioError, match=rf"^{path}:5: unknown key 'portal' in hubspot$"):
        load_scenario(path)


def test_a_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nope\.yaml:1: cannot read"):
        load_scenario(tmp_path / "nope.yaml")


def test_invalid_yaml_names_the_line() -> None:
    error = error_of(BASE.replace("name: demo", 'name: "demo'))
    assert str(error).startswith("s.yaml:") and "not valid YAML" in str(error)


def test_an_empty_file_is_an_error() -> None:
    assert str(error_of("")) == "s.yaml:1: the file is empty"


def test_an_unknown_top_level_key_names_its_line() -> None:
    assert str(error_of(BASE + "extra: 1\n")) == "s.yaml:27: unknown key 'extra' in the top level"


def test_an_unknown_nested_key_names_its_line() -> None:
    error = error_of(BASE.replace('        summary: "Landing page"', '        summry: "Landing page"'))
    assert error.line == 21 and "unknown Jira field summry" in error.problem


def test_an_unknown_campaign_property_names_its_line() -> None:
    error = error_of(BASE.replace('        hs_name: "Spring"', '        hs_nam: "Spring"'))
    assert (error.line, error.problem.split(":")[0]) == (11, "hubspot.campaigns[0].properties")
    assert "unknown campaign property hs_nam" in error.problem


def test_a_missing_key_names_the_enclosing_line() -> None:
    error = error_of(BASE.replace("name: demo\n", ""))
    assert str(error) == "s.yaml:1: missing key 'name' in the top level"


def test_a_duplicate_key_is_an_error() -> None:
    assert str(error_of(BASE.replace("name: demo\n", "name: demo\nname: again\n"))) == "s.yaml:2: duplicate key 'name'"


def test_a_time_without_a_zone_is_an_error() -> None:
    error = error_of(BASE.replace('start: "2027-01-04T09:00:00Z"', 'start: "2027-01-04T09:00:00"'))
    assert error.line == 2 and "with a zone" in error.problem


def test_end_before_start_is_an_error() -> None:
    error = error_of(BASE.replace('end: "2027-01-20T00:00:00Z"', 'end: "2027-01-01T00:00:00Z"'))
    assert error.line == 3 and "must be after start" in error.problem


def test_a_bad_campaign_id_is_an_error() -> None:
    error = error_of(BASE.replace(f'    - id: "{GUID}"', '    - id: "not-a-guid"'))
    assert error.line == 9 and "'not-a-guid' is not a valid id" in error.problem


def test_steps_out_of_time_order_are_an_error() -> None:
    error = error_of(BASE.replace('at: "2027-01-07T10:00:00Z"', 'at: "2027-01-05T10:00:00Z"'))
    assert error.line == 25 and "before the previous step" in error.problem


def test_a_step_outside_start_and_end_is_an_error() -> None:
    error = error_of(BASE.replace('at: "2027-01-07T10:00:00Z"', 'at: "2027-02-07T10:00:00Z"'))
    assert error.line == 25 and "outside [start, end]" in error.problem


def test_a_step_needs_exactly_one_system() -> None:
    text = BASE + '  - at: "2027-01-08T10:00:00Z"\n    jira: {delete: "WEB-1"}\n    hubspot: {delete: "' + GUID + '"}\n'
    error = error_of(text)
    assert error.line == 27 and "exactly one of hubspot, jira, tandem (found: hubspot, jira)" in error.problem


def test_an_unknown_key_in_a_step_is_an_error() -> None:
    error = error_of(BASE.replace('jira: {update: "WEB-1", fields:', 'jira: {update: "WEB-1", feilds:'))
    assert error.line == 24 and "unknown key 'feilds' in a jira update step" in error.problem


def test_an_update_without_its_fields_is_an_error() -> None:
    error = error_of(BASE.replace('jira: {update: "WEB-1", fields: {summary: "Landing"}}', 'jira: {update: "WEB-1"}'))
    assert error.line == 24 and "needs non-empty 'fields'" in error.problem


def test_a_step_on_something_that_does_not_exist_is_an_error() -> None:
    error = error_of(BASE.replace('jira: {update: "WEB-1"', 'jira: {update: "WEB-9"'))
    assert error.line == 23 and "issue WEB-9 does not exist" in error.problem


def test_an_issue_in_an_unknown_project_is_an_error() -> None:
    error = error_of(BASE.replace('    - key: "WEB-1"', '    - key: "APP-1"'))
    assert error.line == 19 and "project APP is not among jira.projects" in error.problem


def test_an_unknown_setting_is_an_error() -> None:
    error = error_of(BASE.replace("hubspot:\n", "settings:\n  no_such_setting: 3\nhubspot:\n", 1))
    assert error.line == 5 and "unknown setting 'no_such_setting'" in error.problem


def test_a_known_setting_is_kept() -> None:
    scenario = parse_scenario(
        BASE.replace("hubspot:\n", "settings:\n  jira_campaign_label_prefix: cmp-\nhubspot:\n", 1)
    )
    assert scenario.settings == {"jira_campaign_label_prefix": "cmp-"}


def test_a_tandem_step_needs_a_campaign_and_a_work_item() -> None:
    good = parse_scenario(
        BASE + f'  - at: "2027-01-08T10:00:00Z"\n    tandem: {{confirm: {{campaign: "{GUID}", work_item: WEB-1}}}}\n'
    )
    assert good.timeline[-1].op == {"confirm": {"campaign": GUID, "work_item": "WEB-1"}}
    error = error_of(BASE + '  - at: "2027-01-08T10:00:00Z"\n    tandem: {confirm: {campaign: "x"}}\n')
    assert error.line == 28 and "must be {campaign: ID, work_item: KEY}" in error.problem


def test_an_owner_step_is_checked_like_an_owner() -> None:
    error = error_of(BASE + '  - at: "2027-01-08T10:00:00Z"\n    hubspot: {owner: {id: "102", mail: "x@y.z"}}\n')
    assert error.line == 28 and "unknown key 'mail'" in error.problem


def test_a_single_step_parses_without_a_time() -> None:
    step = parse_step({"hubspot": {"delete": GUID}})
    assert (step.at, step.system, step.action, step.target) == (None, "hubspot", "delete", GUID)
    with pytest.raises(ScenarioError, match="exactly one of create, update, delete, owner"):
        parse_step({"hubspot": {"archive": GUID}})


def test_tab_indented_json_is_read_with_its_lines() -> None:
    import yaml

    data = yaml.safe_load(BASE)
    data["bogus"] = 1
    error = error_of(json.dumps(data, indent="\t"), "tabs.json")
    assert str(error).startswith("tabs.json:") and "unknown key 'bogus' in the top level" in str(error)


def test_an_unknown_property_in_a_step_names_the_property_line() -> None:
    text = BASE.replace('properties: {hs_start_date: "2027-02-15"}}', 'properties: {hs_start: "2027-02-15"}}')
    error = error_of(text)
    assert error.line == 26 and "unknown campaign property hs_start" in error.problem
