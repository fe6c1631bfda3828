"""The dashboard in a real browser: headless Debian Chromium (Playwright) against `tandem demo` playing
`tests/scenarios/dashboard.yaml` on the session's Kafka broker — logging in, the portfolio and its chart,
a goal's burn-up and work, confirming a suggestion, what a read-only token may not do, phone widths,
the keyboard, and a console free of errors and Content-Security-Policy violations.

Every page a test visits is saved as a screenshot under `tests/artifacts/` (git-ignored). Without Chromium
(`scripts/install-browser` installs Debian's package) these tests skip.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect

from tandem.worker_process import _die_with_parent, free_port
from tests.browser import CHROMIUM, MISSING, PHONE, Pages, chromium, shoot

if not CHROMIUM.exists():
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "tests" / "scenarios" / "dashboard.yaml"
TANDEM = str(Path(sys.executable).with_name("tandem"))
SPEED = 86400
"""A scenario day per wall second: the scenario's nine days play in ~9 s (after the demo's 20 s lead)."""
LAST_DAY = "2027-01-12"
"""The scenario's last day (it ends at midnight): once goals are judged on it, the ticks have caught up."""

SPRING = "0b6e1b6e-6f4e-4c43-9a77-1d2a3c4b5d6e"  # linked through its notes; work done during the week
WEBINAR = "7c3d9e21-4a5b-4c6d-8e7f-90a1b2c3d4e5"  # a date_conflict warning open: at risk
SUMMER = "5a1e0000-0000-4000-8000-000000000001"  # APP-4 "Summer Sale 2027 banner" suggested, pending
NAMES = {SPRING: "Spring Launch 2027", WEBINAR: "Partner Webinar Series", SUMMER: "Summer Sale 2027"}
SUGGESTED = "APP-4"


def tail(path: Path, lines: int) -> list[str]:
    return path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []


@dataclass
class Demo:
    """A running `tandem demo`: its dashboard, its two tokens, its output and its worker's log."""

    url: str
    admin: str
    read: str
    process: subprocess.Popen[bytes]
    log: Path
    data_dir: Path

    def log_tail(self, lines: int = 40) -> str:
        parts = [f"--- tandem demo output ({self.log}) ---", *tail(self.log, lines)]
        for worker in sorted((self.data_dir / "demo" / "logs").glob("worker-*.log")):
            parts += [f"--- worker log ({worker}) ---", *tail(worker, lines)]
        return "\n".join(parts)

    def api(self, path: str) -> Any:
        """GET `path` with the admin token: the JSON answer, or None when the dashboard does not answer."""
        request = urllib.request.Request(self.url.rstrip("/") + path, headers={"Authorization": f"Bearer {self.admin}"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
            return None

    def wait_for(self, what: str, check: Callable[[], bool], within: float) -> None:
        """Poll `check` until it holds; fail saying `what` did not happen, with the logs' tails."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"tandem demo exited with {self.process.returncode}\n{self.log_tail()}")
            with contextlib.suppress(LookupError, TypeError, AttributeError):
                if check():
                    return
            time.sleep(0.5)
        raise AssertionError(f"not within {within:.0f} s: {what}\n{self.log_tail()}")

    def goal(self, campaign: str) -> dict[str, Any]:
        return self.api(f"/api/v1/goals/{campaign}") or {}

    def settled(self) -> bool:
        """The story is told and every goal shows where it ends."""
        if "The story is told" not in self.log.read_text(errors="replace"):
            return False
        goals = {goal["campaign"]: goal for goal in (self.api("/api/v1/goals") or {})["items"]}
        summer = self.goal(SUMMER)
        return (
            set(goals) == set(NAMES)
            and ((self.api("/api/v1/portfolio") or {}).get("as_of") or "") >= LAST_DAY
            and goals[SPRING]["progress"]["items_done"] == 2
            and goals[WEBINAR]["open_signals"].get("date_conflict") == "warning"
            and any(s["work_item"] == SUGGESTED and s["state"] == "pending" for s in summer["suggestions"])
        )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def demo(browser: Browser, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """`tandem demo` on the session broker, settled at the end of the scenario; stopped with SIGINT.
    (It asks for `browser` first, so without Chromium nothing starts.)"""
    home = tmp_path_factory.mktemp("dashboard-browser")
    port = free_port()
    admin, read = f"admin-{secrets.token_urlsafe(24)}", f"read-{secrets.token_urlsafe(24)}"
    env = dict(
        os.environ,
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        TANDEM_WEB_PORT=str(port),
        TANDEM_DATA_DIR=str(home / "data"),
        TANDEM_API_TOKENS=f"{admin}:admin,{read}:read",
    )
    log = home / "demo.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [TANDEM, "demo", "--scenario", str(SCENARIO), "--speed", str(SPEED)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the terminal reaches pytest, not the demo: the fixture stops it
            preexec_fn=_die_with_parent,  # and a killed pytest leaves no demo behind (it gets SIGTERM)
        )
    running = Demo(f"http://127.0.0.1:{port}/", admin, read, process, log, home / "data")
    try:
        running.wait_for("the dashboard answers", lambda: running.api("/api/v1/goals") is not None, within=240)
        running.wait_for("the demo settles at the scenario's end", running.settled, within=90)
        yield running
    finally:
        ended_early = process.poll() is not None
        stopped = ended_early
        if not ended_early:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(60)
                stopped = True
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(30)
    assert not ended_early, f"tandem demo ended before the tests did\n{running.log_tail()}"
    assert stopped, f"tandem demo did not stop within 60 s of SIGINT (killed)\n{running.log_tail()}"
    assert process.returncode == 0, f"tandem demo exited with {process.returncode}\n{running.log_tail()}"


@pytest.fixture
def pages(browser: Browser, demo: Demo, request: pytest.FixtureRequest) -> Iterator[Pages]:
    """Fresh browser contexts on the demo's dashboard, closed after the test. When the test failed, the
    tails of the demo's and the worker's logs are printed (pytest shows them under the failure)."""
    failed = request.session.testsfailed
    opened = Pages(browser, demo.url)
    try:
        yield opened
    finally:
        opened.close()
        if request.session.testsfailed > failed:
            print(demo.log_tail())


def path_of(page: Page) -> str:
    return urlparse(page.url).path


def log_in(page: Page, token: str) -> None:
    """Log in through the form; the browser lands on the portfolio."""
    page.goto("/login")
    page.fill("#token", token)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: urlparse(url).path == "/")


def logged_in(pages: Pages, token: str, path: str = "/", width: str = "laptop") -> Page:
    page = pages.new(width)
    log_in(page, token)
    if path != "/":
        page.goto(path)
    return page


def chart_on(page: Page, canvas: str) -> dict[str, Any] | None:
    """The Chart.js chart drawn on `#<canvas>`: its type, labels, datasets and drawn size; None if none."""
    return page.evaluate(
        """(id) => {
            const canvas = document.getElementById(id);
            const chart = canvas && window.Chart ? window.Chart.getChart(canvas) : undefined;
            if (!chart) return null;
            return {
                type: chart.config.type,
                labels: chart.data.labels,
                datasets: chart.data.datasets.map((d) => ({label: d.label, data: d.data})),
                width: chart.width,
                height: chart.height,
            };
        }""",
        canvas,
    )


def scroll_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def focused(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {
                tag: el.tagName.toLowerCase(), id: el.id, text: (el.textContent || "").trim(),
                href: el.getAttribute("href"), classes: [...el.classList],
                goal_link: el.matches("table.goals a.goal-link"), visible_focus: el.matches(":focus-visible"),
            };
        }"""
    )


def work_section(page: Page) -> str:
    return page.locator("section[aria-labelledby=work-title]").text_content() or ""


# --- logging in ----------------------------------------------------------------------------------


def test_logging_in_with_the_admin_token_shows_the_portfolio(demo: Demo, pages: Pages) -> None:
    page = pages.new()
    log_in(page, demo.admin)

    expect(page.locator("h1")).to_have_text("Portfolio")
    expect(page.locator(".who .role")).to_have_text("admin")
    counts = {
        (item.locator(".label").text_content() or "").strip(): int(item.locator(".number").text_content() or "-1")
        for item in page.locator(".counts .count").all()
    }
    assert counts == {"On track": 2, "At risk": 1, "Off track": 0, "Done": 0, "Canceled": 0}
    expect(page.locator("table.goals tbody tr")).to_have_count(3)
    assert sorted(page.locator("table.goals a.goal-link").all_text_contents()) == sorted(NAMES.values())
    expect(page.locator("table.goals tbody tr", has_text=NAMES[WEBINAR])).to_contain_text("date conflict")
    expect(page.locator("nav.pages")).to_contain_text("3 goals · page 1 of 1")
    shoot(page, "portfolio", both=True)


def test_a_wrong_token_is_refused_on_the_login_page(demo: Demo, pages: Pages) -> None:
    page = pages.new()
    page.goto("/login")
    page.fill("#token", "not-a-token-of-this-dashboard-at-all")
    with page.expect_response(lambda r: r.request.method == "POST" and urlparse(r.url).path == "/login") as answer:
        page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()

    assert answer.value.status == 401
    assert path_of(page) == "/login"
    expect(page.get_by_role("alert")).to_have_text("That token is not one of TANDEM_API_TOKENS.")
    expect(page.locator("#token")).to_be_visible()
    assert not [c for c in page.context.cookies() if c["name"] == "tandem_session"]
    shoot(page, "login-refused", both=True)


def test_an_anonymous_visit_to_the_portfolio_is_sent_to_the_login_page(demo: Demo, pages: Pages) -> None:
    page = pages.new()
    response = page.goto("/")

    assert response is not None and response.status == 200
    assert response.request.redirected_from is not None, "the browser was redirected"
    assert path_of(page) == "/login"
    assert parse_qs(urlparse(page.url).query).get("next") == ["/"]
    expect(page.locator("h1")).to_have_text("Log in to Tandem")
    expect(page.locator("#token")).to_be_focused()
    expect(page.locator("table.goals")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    shoot(page, "login", both=True)


# --- the portfolio and a goal --------------------------------------------------------------------


def test_the_portfolio_draws_its_week_by_week_chart(demo: Demo, pages: Pages) -> None:
    page = logged_in(pages, demo.admin)

    chart = chart_on(page, "trend-chart")
    assert chart is not None, "no Chart.js chart on #trend-chart"
    assert chart["type"] == "bar" and chart["width"] > 0 and chart["height"] > 0
    data = json.loads(page.locator("#trend-data").text_content() or "{}")
    page.get_by_text("The numbers").click()
    table = page.locator("section[aria-labelledby=trend-title] table.numbers")
    expect(table).to_be_visible()
    weeks = [text.strip() for text in table.locator("tbody th[scope=row]").all_text_contents()]
    # The weeks end on the portfolio's newest day (12 or 13 Jan, as the ticks fell) and the week before it.
    ends = [week["week_ending"] for week in demo.api("/api/v1/portfolio")["trend"]]
    assert len(ends) == 2 and ends[-1] >= LAST_DAY, ends
    assert data["labels"] == ends
    assert weeks == [date.fromisoformat(end).strftime("%-d %b %Y") for end in ends], weeks
    assert len(chart["labels"]) == len(weeks)
    by_status = {dataset["label"]: dataset["data"] for dataset in chart["datasets"]}
    assert by_status["On track"][-1] == 2 and by_status["At risk"][-1] == 1
    assert sum(series[-1] for series in by_status.values()) == 3, "the last week counts every goal"
    shoot(page, "portfolio-trend-numbers")


def test_opening_a_goal_from_the_table_shows_its_burn_up_and_its_linked_work(demo: Demo, pages: Pages) -> None:
    page = logged_in(pages, demo.admin)
    page.locator("table.goals a.goal-link", has_text=NAMES[SPRING]).click()
    page.wait_for_url(f"**/goals/{SPRING}")

    expect(page.locator("h1")).to_have_text(NAMES[SPRING])
    chart = chart_on(page, "burnup-chart")
    assert chart is not None, "no Chart.js chart on #burnup-chart"
    assert chart["type"] == "line" and chart["width"] > 0 and chart["height"] > 0
    done = next(d["data"] for d in chart["datasets"] if d["label"].startswith("Done"))
    points = [value for value in done if value is not None]
    assert points[0] == 0 and points[-1] == 8, f"done points rise from 0 to 8: {points}"
    tree = page.locator("ul.tree")
    expect(tree.locator(":scope > li")).to_have_count(1)
    expect(tree.locator(":scope > li > .work-item")).to_contain_text("WEB-1")
    children = tree.locator(":scope > li > ul > li > .work-item")
    expect(children).to_have_count(3)
    assert [text.split()[1] for text in children.all_inner_texts()] == ["WEB-2", "WEB-3", "WEB-4"]
    expect(tree.locator(".work-item.done")).to_have_count(2)
    why = page.locator("section[aria-labelledby=work-title] details")
    why.locator("summary").click()
    expect(why).to_contain_text("WEB-1: explicit (campaign notes)")
    expect(why).to_contain_text("WEB-2: inherited")
    shoot(page, "goal", both=True)


# --- suggestions: who may answer them ------------------------------------------------------------
# The read-only test comes first: it needs the suggestion still pending, and the next test confirms it.


def test_a_read_only_login_sees_no_confirm_button_and_may_not_post_the_confirm_form(demo: Demo, pages: Pages) -> None:
    page = logged_in(pages, demo.read, f"/goals/{SUMMER}")
    expect(page.locator(".who .role")).to_have_text("read")
    suggestion = page.locator("#suggestions li", has_text=SUGGESTED)
    expect(suggestion).to_contain_text("an admin can confirm or reject it")
    expect(page.get_by_role("button", name="Confirm")).to_have_count(0)
    expect(page.get_by_role("button", name="Reject")).to_have_count(0)
    shoot(page, "goal-read-only", both=True)

    # The admin's form, posted from this read session with its own valid CSRF token (the log-out form's).
    csrf = page.locator("form[action='/logout'] input[name=csrf]").get_attribute("value")
    action = f"/goals/{SUMMER}/suggestions/{SUGGESTED}/confirm"
    with page.expect_response(lambda r: r.request.method == "POST" and urlparse(r.url).path == action) as answer:
        page.evaluate(
            """([action, csrf]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                const field = document.createElement("input");
                field.type = "hidden";
                field.name = "csrf";
                field.value = csrf;
                form.append(field);
                document.body.append(form);
                form.submit();
            }""",
            [action, csrf],
        )
    page.wait_for_load_state()

    assert answer.value.status == 403
    expect(page.locator("h1")).to_have_text("Your token may only read")
    shoot(page, "forbidden", both=True)
    suggestions = demo.goal(SUMMER)["suggestions"]
    assert [s["state"] for s in suggestions if s["work_item"] == SUGGESTED] == ["pending"]


def test_confirming_the_pending_suggestion_links_the_issue_to_the_goal(demo: Demo, pages: Pages) -> None:
    page = logged_in(pages, demo.admin, f"/goals/{SUMMER}")
    suggestion = page.locator("#suggestions li", has_text=SUGGESTED)
    expect(suggestion).to_contain_text("reads 100 % like the campaign's name")
    assert SUGGESTED not in work_section(page)
    shoot(page, "goal-suggestion", both=True)

    suggestion.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(rf"/goals/{SUMMER}\?done="))
    expect(page.locator(".notice.ok")).to_contain_text(f"confirmed {SUGGESTED}")

    deadline = time.monotonic() + 60
    while SUGGESTED not in work_section(page) and time.monotonic() < deadline:
        page.wait_for_timeout(1000)
        page.goto(f"/goals/{SUMMER}")
    linked = work_section(page)
    assert SUGGESTED in linked, f"{SUGGESTED} is not linked work within 60 s of confirming\n{demo.log_tail()}"
    expect(page.locator("ul.tree .work-item", has_text=SUGGESTED)).to_contain_text("Summer Sale 2027 banner")
    assert f"{SUGGESTED}: explicit (label)" in linked
    expect(page.locator("#suggestions")).to_have_count(0)
    shoot(page, "goal-confirmed", both=True)


# --- any screen, any input -----------------------------------------------------------------------


def test_at_phone_width_the_pages_do_not_scroll_sideways_and_the_goals_are_cards(demo: Demo, pages: Pages) -> None:
    page = logged_in(pages, demo.admin, width="phone")

    assert scroll_width(page) <= PHONE["width"], "the portfolio scrolls sideways"
    table = page.locator("table.goals")
    expect(table.locator("thead")).to_be_hidden()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)
    for row in rows.all():
        assert row.evaluate("(el) => getComputedStyle(el).display") == "block", "each goal is a card"
        box = row.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        first = row.locator("td").first
        assert first.evaluate("(el) => getComputedStyle(el, '::before').content") == '"Campaign"'
        link = row.locator("a.goal-link")
        expect(link).to_be_visible()
        link_box = link.bounding_box()
        assert link_box is not None and link_box["x"] + link_box["width"] <= PHONE["width"]
    shoot(page, "portfolio")

    for campaign in NAMES:
        page.goto(f"/goals/{campaign}")
        expect(page.locator("h1")).to_have_text(NAMES[campaign])
        assert scroll_width(page) <= PHONE["width"], f"the goal page of {NAMES[campaign]} scrolls sideways"
        assert chart_on(page, "burnup-chart") is not None
    shoot(page, "goal-webinar")


def test_the_pages_are_keyboard_navigable_from_the_skip_link_to_the_first_goal(demo: Demo, pages: Pages) -> None:
    page = logged_in(pages, demo.admin)
    page.goto("/")

    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == "Skip to content" and skip["href"] == "#main", skip
    box = page.locator("a.skip").bounding_box()
    assert box is not None and box["x"] >= 0, "the skip link shows when it has the focus"
    shoot(page, "portfolio-skip-link")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main", "the skip link moves the focus to the content"

    first_goal = page.locator("table.goals a.goal-link").first.get_attribute("href")
    reached = None
    for _ in range(60):
        page.keyboard.press("Tab")
        now = focused(page)
        if now["goal_link"]:
            reached = now
            break
    assert reached is not None, "Tab never reached a goal in the table"
    assert reached["href"] == first_goal, f"the first goal Tab reaches is the table's first: {reached}"
    assert reached["visible_focus"], "the focused goal link shows a focus ring"
    shoot(page, "portfolio-goal-focused")

    page.keyboard.press("Enter")
    page.wait_for_url(f"**{first_goal}")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to content", "the goal page starts with the skip link too"


def test_no_page_logs_a_javascript_error_or_a_content_security_policy_violation(demo: Demo, pages: Pages) -> None:
    visited = []
    for width in ("laptop", "phone"):
        page = pages.new(width)
        page.goto("/login")
        shoot(page, "login")
        log_in(page, demo.admin)
        page.get_by_text("The numbers").click()
        # The filters swap the table in place with htmx.
        with page.expect_response(lambda r: "status=at_risk" in r.url):
            page.locator("select[name=status]").select_option("at_risk")
        at_risk = demo.api("/api/v1/goals?status=at_risk")["total"]
        expect(page.locator("table.goals tbody tr")).to_have_count(at_risk)
        shoot(page, "portfolio-filtered")
        visited.append(page.url)
        for campaign in NAMES:
            page.goto(f"/goals/{campaign}")
            for summary in page.locator("details > summary").all():
                summary.click()
            shoot(page, "goal-" + NAMES[campaign].lower().replace(" ", "-"))
            visited.append(page.url)
        for path in ("/health", "/outbox"):
            page.goto(path)
            shoot(page, path.strip("/"))
            visited.append(page.url)

    assert len(visited) == 12
    assert pages.console.problems == [], "\n".join(pages.console.problems)
