"""The REST API on a real worker fed through its topics: every endpoint, its errors, filters and pages, and
every answer valid against the OpenAPI document the worker serves."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.integration.web.support import ADMIN, READER, SPRING, SUMMER, UNKNOWN, Web, feed
from tests.worker_process import Worker

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def web(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    worker = Worker(
        bootstrap=kafka_bootstrap,
        data_dir=tmp_path_factory.mktemp("api-worker"),
        api_token=ADMIN,
        extra_env={"TANDEM_API_TOKENS": f"{ADMIN}:admin,{READER}:read", "TANDEM_NOTIFY_EMAIL": "false"},
    )
    worker.start()
    try:
        asyncio.run(feed(worker))
        web = Web(worker.web_port)
        web.load_document()
        web.until(f"/api/v1/goals/{SPRING}", lambda g: "date_conflict" in g["open_signals"] and g["suggestions"])
        web.until(f"/api/v1/goals/{SUMMER}", lambda g: True)
        yield web
        assert web.validator is not None and web.validator.take_failures() == []
    finally:
        worker.stop()


def test_every_answer_is_valid_against_the_served_openapi_document(web: Web) -> None:
    for path in ("/api/v1/portfolio", "/api/v1/goals", f"/api/v1/goals/{SPRING}", "/api/v1/signals"):
        web.call("GET", path)
    assert web.validator is not None and web.validator.take_failures() == []
    assert web.validator.checked >= 4


def test_the_portfolio_counts_goals_by_status(web: Web) -> None:
    portfolio = web.get("/api/v1/portfolio").json
    assert portfolio["total"] == 2 and portfolio["counts"]["at_risk"] == 1 and portfolio["counts"]["on_track"] == 1
    assert portfolio["trend"][-1]["counts"] == portfolio["counts"]


def test_goals_are_listed_with_what_needs_attention_first(web: Web) -> None:
    page = web.get("/api/v1/goals").json
    assert [row["campaign"] for row in page["items"]] == [SPRING, SUMMER]
    assert page["items"][0]["open_signals"] == {"date_conflict": "warning"}
    assert page["items"][0]["page"] == f"/goals/{SPRING}"


def test_goals_filter_by_status_owner_and_launch_window(web: Web) -> None:
    assert [r["campaign"] for r in web.get("/api/v1/goals", status="on_track").json["items"]] == [SUMMER]
    assert [r["campaign"] for r in web.get("/api/v1/goals", owner="maria@acme.test").json["items"]] == [SPRING]
    window = web.get("/api/v1/goals", launch_from="2027-05-01", launch_to="2027-12-31").json
    assert [r["campaign"] for r in window["items"]] == [SUMMER]


def test_goals_sort_and_come_in_pages(web: Web) -> None:
    first = web.get("/api/v1/goals", sort="launch", order="desc", per_page=1).json
    second = web.get("/api/v1/goals", sort="launch", order="desc", per_page=1, page=2).json
    assert (first["total"], first["pages"]) == (2, 2)
    assert [first["items"][0]["campaign"], second["items"][0]["campaign"]] == [SUMMER, SPRING]


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"status": "late"}, "status must be one of"),
        ({"page": "0"}, "page must be between"),
        ({"per_page": "500"}, "per_page must be between"),
        ({"per_page": "ten"}, "per_page must be a whole number"),
        ({"launch_from": "15/02/2027"}, "launch_from must be a date"),
        ({"launch_from": "2027-06-01", "launch_to": "2027-01-01"}, "launch_from is after launch_to"),
        ({"sort": "colour"}, "sort must be one of"),
    ],
)
def test_a_bad_parameter_is_a_400_saying_what_is_wrong(web: Web, params: dict[str, str], says: str) -> None:
    answer = web.get("/api/v1/goals", **params)
    assert answer.status == 400 and answer.json["error"] == "bad_request" and says in answer.json["detail"]


def test_one_goal_has_its_work_links_suggestions_history_and_signals(web: Web) -> None:
    goal = web.get(f"/api/v1/goals/{SPRING}").json
    assert [item["key"] for item in goal["items"]] == ["WEB-1", "WEB-2", "WEB-3"]
    assert {link["work_item"]: link["kind"] for link in goal["links"]} == {
        "WEB-1": "explicit",
        "WEB-2": "inherited",
        "WEB-3": "inherited",
    }
    assert [(s["work_item"], s["state"]) for s in goal["suggestions"]] == [("WEB-9", "pending")]
    assert goal["history"] and goal["history"][-1]["size_done"] == 5
    (signal,) = goal["signals"]
    assert signal["rule"] == "date_conflict" and signal["open"] and signal["explanation"]["launch"]


def test_an_unknown_goal_is_a_404(web: Web) -> None:
    answer = web.get("/api/v1/goals/no-such-campaign")
    assert answer.status == 404 and answer.json["error"] == "not_found"


def test_work_naming_a_campaign_hubspot_does_not_have_is_no_goal_and_no_link(web: Web) -> None:
    assert web.get(f"/api/v1/goals/{UNKNOWN}").status == 404
    assert web.get("/api/v1/links", work_item="WEB-7").json["items"] == []
    assert UNKNOWN not in [row["campaign"] for row in web.get("/api/v1/goals").json["items"]]


def test_the_dashboard_lists_work_naming_campaigns_hubspot_does_not_know_apart(web: Web) -> None:
    answer = web.get("/")
    page = answer.body.decode()
    assert answer.status == 200, page[:500]
    apart = page[page.index("campaigns HubSpot doesn") :]
    assert UNKNOWN in apart and "WEB-7" in apart and "Mystery banner" in apart


def test_a_goals_history_is_its_daily_points(web: Web) -> None:
    history = web.get(f"/api/v1/goals/{SPRING}/history").json
    assert history["campaign"] == SPRING and history["points"][-1]["day"] == "2027-01-12"


def test_signals_list_open_ones_and_filter_by_campaign_and_state(web: Web) -> None:
    open_now = web.get("/api/v1/signals", state="open").json["items"]
    assert sorted((s["rule"], s["campaign"]) for s in open_now) == sorted(
        [("date_conflict", SPRING), ("orphan_work", UNKNOWN)]
    )
    assert web.get("/api/v1/signals", campaign=SUMMER).json["items"] == []
    assert web.get("/api/v1/signals", state="closed").json["total"] == 0


def test_notifications_list_what_was_sent_about_a_goal(web: Web) -> None:
    found = web.until(f"/api/v1/notifications?campaign={SPRING}", lambda page: page["total"] >= 1)
    assert found["items"][0]["kind"] == "opened" and found["items"][0]["rule"] == "date_conflict"


def test_links_filter_by_campaign_and_kind(web: Web) -> None:
    links = web.get("/api/v1/links", campaign=SPRING, kind="explicit").json["items"]
    assert [(link["work_item"], link["source"]) for link in links] == [("WEB-1", "campaign_notes")]
    assert web.get("/api/v1/links", work_item="APP-1").json["items"][0]["campaign"] == SUMMER


def test_suggestions_list_by_state(web: Web) -> None:
    pending = web.get("/api/v1/suggestions", state="pending").json["items"]
    assert [(s["campaign"], s["work_item"], s["campaign_name"]) for s in pending] == [
        (SPRING, "WEB-9", "Spring Launch 2027")
    ]


def test_health_reports_the_read_model_and_dead_letters(web: Web) -> None:
    health = web.get("/api/v1/health").json
    assert health["read_model"]["ready"] and health["read_model"]["goals"] == 2
    assert health["dead_letters"]["total"] >= 0 and isinstance(health["webhooks"]["workers"], list)


def test_no_token_is_a_401(web: Web) -> None:
    answer = web.get("/api/v1/goals", token=None)
    assert answer.status == 401 and answer.json["error"] == "unauthorized"
    assert answer.headers.get("WWW-Authenticate") == 'Bearer realm="tandem"'


def test_a_wrong_token_is_a_401(web: Web) -> None:
    assert web.get("/api/v1/portfolio", token="not-a-token-of-ours").status == 401


def test_a_read_token_reads_but_may_not_act(web: Web) -> None:
    assert web.get("/api/v1/goals", token=READER).status == 200
    answer = web.call("POST", f"/api/v1/suggestions/{SPRING}/WEB-9/confirm", READER)
    assert answer.status == 403 and answer.json["error"] == "forbidden"
    assert web.call("POST", f"/api/v1/goals/{SPRING}/rebaseline", READER).status == 403


def test_answering_a_suggestion_that_does_not_exist_is_a_404(web: Web) -> None:
    assert web.call("POST", f"/api/v1/suggestions/{SPRING}/WEB-404/reject").status == 404


def test_rebaselining_is_accepted_for_an_admin(web: Web) -> None:
    answer = web.call("POST", f"/api/v1/goals/{SUMMER}/rebaseline")
    assert answer.status == 202 and answer.json["status"] == "accepted"
    web.until(f"/api/v1/goals/{SUMMER}", lambda g: g["baseline"] == 1)


def test_a_rejected_suggestion_cannot_be_answered_again(web: Web) -> None:
    assert web.call("POST", f"/api/v1/suggestions/{SPRING}/WEB-9/reject").status == 202
    web.until(f"/api/v1/goals/{SPRING}", lambda g: g["suggestions"][0]["state"] == "rejected")
    again = web.call("POST", f"/api/v1/suggestions/{SPRING}/WEB-9/confirm")
    assert again.status == 409 and "already rejected" in again.json["detail"]


def test_the_openapi_document_describes_every_api_route_the_worker_serves(web: Web) -> None:
    from streams.web.api import routes

    document = web.get("/api/v1/openapi.json").json
    described = set(document["paths"])
    served = {route.path.replace("{answer:confirm|reject}", "{answer}") for route in routes()}
    assert served - described == set()
    assert {"/api/health", "/api/v1/campaigns/{campaign}", "/api/v1/work-items/{key}"} <= described


def test_a_campaign_and_a_work_item_are_read_from_the_tables_that_hold_them(web: Web) -> None:
    assert web.get(f"/api/v1/campaigns/{SPRING}").json["name"] == "Spring Launch 2027"
    assert web.get("/api/v1/work-items/WEB-2").json["parent"] == "WEB-1"
    assert web.get("/api/v1/work-items/WEB-404").status == 404


def served_routes() -> list[tuple[str, str]]:
    """(method, path template) of every route a worker serves: the worker's modules loaded and its web
    server set up in this process, as `tandem worker` does before it starts serving."""
    import importlib

    from streams.app import AUTODISCOVER, app

    for module in AUTODISCOVER:
        importlib.import_module(module)
    web = app.web
    if not web.blueprints.applied:
        web.init_server()
    return sorted({(route.method, route.resource.canonical) for route in web.web_app.router.routes()})


EXAMPLES = {"{campaign}": SPRING, "{key}": "WEB-2", "{work_item}": "WEB-9", "{answer}": "confirm"}
OPEN_TO_ANYONE = {"/api/health", "/login"}


def example_path(template: str) -> str:
    path = template
    for placeholder, value in EXAMPLES.items():
        path = path.replace(placeholder, value)
    return path.replace("{filename}", "app.css")


def test_every_route_but_health_login_assets_and_webhooks_refuses_an_anonymous_request(web: Web) -> None:
    routes = served_routes()
    assert ("GET", "/") in routes and ("GET", "/api/v1/goals") in routes and len(routes) > 20
    assert not [path for _, path in routes if path.startswith(("/table", "/router", "/stats", "/graph"))]
    let_in = []
    for method, template in routes:
        path = example_path(template)
        if template in OPEN_TO_ANYONE or template.startswith("/static"):
            continue
        answer = web.call(method, path, token=None, data=b"" if method == "POST" else None, validate=False)
        if template.startswith("/webhooks/"):
            refused = answer.status in (401, 405)  # unsigned: the signature check refuses it; GET is no webhook
        elif method == "GET" and not template.startswith("/api/"):
            refused = answer.status == 303 and answer.headers.get("Location", "").startswith("/login")
        else:
            refused = answer.status == 401
        if not refused:
            let_in.append(f"{method} {path} -> {answer.status}")
    assert let_in == []


def test_faust_s_own_pages_are_not_served(web: Web) -> None:
    for path in ("/table/", "/table/goals/x/", "/router/", "/stats/", "/graph/"):
        assert web.get(path).status == 404
