"""The `/_sandbox/` control plane: scenarios, steps, clock, faults, write log, health."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.sandbox.hubspot_support import call, campaign
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration
SPRING = Path(__file__).resolve().parents[4] / "shared" / "scenarios" / "spring-launch.yaml"
GUID = "0b6e1b6e-6f4e-4c43-9a77-1d2a3c4b5d6e"

SCENARIO = f"""\
name: control
start: "2027-01-04T09:00:00Z"
end: "2027-01-20T00:00:00Z"
hubspot:
  owners: [{{id: "101", email: "maria@acme.test"}}]
  campaigns:
    - id: "{GUID}"
      properties: {{hs_name: "Spring Launch 2027", hs_start_date: "2027-03-01"}}
"""


def test_loading_a_scenario_seeds_the_store_and_sets_the_clock(hubspot_sandbox: Sandboxes) -> None:
    status, answer = hubspot_sandbox.control("POST", "/_sandbox/scenario?filename=control.yaml", raw=SCENARIO)
    assert status == 200 and answer["name"] == "control" and answer["now"] == "2027-01-04T09:00:00Z"
    body = call(hubspot_sandbox, "GET", "/marketing/v3/campaigns", qs={"properties": "hs_name"}).json()
    assert body["results"][0]["properties"]["hs_name"] == "Spring Launch 2027"
    assert hubspot_sandbox.control("GET", "/_sandbox/clock") == (200, {"now": "2027-01-04T09:00:00Z", "frozen": True})


def test_the_shared_spring_launch_scenario_loads_over_http(hubspot_sandbox: Sandboxes) -> None:
    if not SPRING.exists():
        pytest.skip("../shared is not beside this checkout")
    status, answer = hubspot_sandbox.control("POST", "/_sandbox/scenario", raw=SPRING.read_text())
    if status != 200 and hubspot_sandbox.jira_url is not None:
        pytest.fail(answer)
    assert status == 200, answer
    assert answer["steps"] == 6


def test_a_bad_scenario_is_a_400_naming_file_line_and_problem(hubspot_sandbox: Sandboxes) -> None:
    status, answer = hubspot_sandbox.control("POST", "/_sandbox/scenario?filename=bad.yaml", raw=SCENARIO + "oops: 1\n")
    assert status == 400
    assert answer == {"error": "bad.yaml:9: unknown key 'oops' in the top level"}


def test_a_step_moves_the_clock_then_changes_the_store(hubspot_sandbox: Sandboxes) -> None:
    hubspot_sandbox.control("POST", "/_sandbox/scenario", raw=SCENARIO)
    step = {"at": "2027-01-12T10:00:00Z", "hubspot": {"update": GUID, "properties": {"hs_start_date": "2027-02-15"}}}
    status, answer = hubspot_sandbox.control("POST", "/_sandbox/step", step)
    assert status == 200 and answer["now"] == "2027-01-12T10:00:00Z"
    body = call(hubspot_sandbox, "GET", f"/marketing/v3/campaigns/{GUID}", qs={"properties": "hs_start_date"}).json()
    assert body["properties"] == {"hs_start_date": "2027-02-15"} and body["updatedAt"] == "2027-01-12T10:00:00.000Z"


def test_steps_can_create_and_delete_campaigns(hubspot_sandbox: Sandboxes) -> None:
    hubspot_sandbox.control("POST", "/_sandbox/scenario", raw=SCENARIO)
    new = campaign("Created by a step")
    assert (
        hubspot_sandbox.control(
            "POST", "/_sandbox/step", {"hubspot": {"create": new["id"], "properties": new["properties"]}}
        )[0]
        == 200
    )
    assert call(hubspot_sandbox, "GET", f"/marketing/v3/campaigns/{new['id']}").status_code == 200
    assert hubspot_sandbox.control("POST", "/_sandbox/step", {"hubspot": {"delete": new["id"]}})[0] == 200
    assert call(hubspot_sandbox, "GET", f"/marketing/v3/campaigns/{new['id']}").status_code == 404


def test_bad_steps_are_400s(hubspot_sandbox: Sandboxes) -> None:
    hubspot_sandbox.control("POST", "/_sandbox/scenario", raw=SCENARIO)
    tandem = {"tandem": {"confirm": {"campaign": GUID, "work_item": "WEB-1"}}}
    assert hubspot_sandbox.control("POST", "/_sandbox/step", tandem)[0] == 400
    backwards = {"at": "2027-01-01T00:00:00Z", "hubspot": {"update": GUID, "properties": {"hs_notes": "x"}}}
    status, answer = hubspot_sandbox.control("POST", "/_sandbox/step", backwards)
    assert status == 400 and "only moves forward" in answer["error"]
    missing = {"hubspot": {"update": "11111111-1111-1111-1111-111111111111", "properties": {"hs_notes": "x"}}}
    assert hubspot_sandbox.control("POST", "/_sandbox/step", missing)[0] == 400
    assert hubspot_sandbox.control("POST", "/_sandbox/step", raw="{not json")[0] == 400


def test_the_clock_can_be_read_and_moved_forward_only(hubspot_sandbox: Sandboxes) -> None:
    hubspot_sandbox.control("POST", "/_sandbox/scenario", raw=SCENARIO)
    assert (
        hubspot_sandbox.control("PUT", "/_sandbox/clock", {"now": "2027-01-05T00:00:00Z"})[1]["now"]
        == "2027-01-05T00:00:00Z"
    )
    assert hubspot_sandbox.control("PUT", "/_sandbox/clock", {"now": "2027-01-04T00:00:00Z"})[0] == 400
    assert hubspot_sandbox.control("PUT", "/_sandbox/clock", {"when": "2027-01-06T00:00:00Z"})[0] == 400


def test_faults_can_be_set_read_and_cleared(hubspot_sandbox: Sandboxes) -> None:
    assert hubspot_sandbox.control("PUT", "/_sandbox/faults/hubspot", {"latency_ms": 1, "seed": 3})[0] == 200
    status, configs = hubspot_sandbox.control("GET", "/_sandbox/faults")
    assert status == 200 and configs["hubspot"]["seed"] == 3
    assert hubspot_sandbox.control("PUT", "/_sandbox/faults/hubspot", {"nonsense": 1})[0] == 400
    assert hubspot_sandbox.control("PUT", "/_sandbox/faults/nowhere", {})[0] == 404
    assert hubspot_sandbox.control("DELETE", "/_sandbox/faults")[0] == 200
    assert hubspot_sandbox.control("GET", "/_sandbox/faults")[1]["hubspot"] is None


def test_the_write_log_reads_from_an_index(hubspot_sandbox: Sandboxes) -> None:
    hubspot_sandbox.control("POST", "/_sandbox/scenario", raw=SCENARIO)
    for name in ("one", "two", "three"):
        call(hubspot_sandbox, "POST", "/marketing/v3/campaigns", body={"properties": {"hs_name": name}})
    _, tail = hubspot_sandbox.control("GET", "/_sandbox/writes?since=2")
    assert [w["body"]["properties"]["hs_name"] for w in tail] == ["three"]
    assert hubspot_sandbox.control("GET", "/_sandbox/writes?since=-1")[0] == 400


def test_health_needs_no_vendor_credentials(hubspot_sandbox: Sandboxes) -> None:
    status, answer = hubspot_sandbox.control("GET", "/_sandbox/health")
    assert status == 200 and answer["status"] == "ok" and "hubspot" in answer["systems"]


def test_an_unknown_control_path_is_a_plain_404_not_a_vendor_answer(hubspot_sandbox: Sandboxes) -> None:
    status, _ = hubspot_sandbox.control("GET", "/_sandbox/nothing")
    assert status == 404
    _, writes = hubspot_sandbox.control("GET", "/_sandbox/writes")
    assert writes == []


def test_an_unknown_vendor_path_is_a_hubspot_404(hubspot_sandbox: Sandboxes) -> None:
    response = call(hubspot_sandbox, "GET", "/crm/v3/objects/contacts")
    assert response.status_code == 404 and response.json()["category"] == "OBJECT_NOT_FOUND"
    hubspot_sandbox.validators["hubspot"].take_failures()  # not a HubSpot operation the sandbox serves: expected


def test_every_response_so_far_was_validated(hubspot_sandbox: Sandboxes) -> None:
    """The validator is really in the loop: responses are counted as they are checked."""
    before = hubspot_sandbox.validators["hubspot"].checked
    call(hubspot_sandbox, "GET", "/marketing/v3/campaigns")
    assert hubspot_sandbox.validators["hubspot"].checked == before + 1
    assert json.dumps(hubspot_sandbox.validators["hubspot"].failures) == "[]"
