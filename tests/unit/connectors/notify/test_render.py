"""Messages say what happened, why, what it means for the launch and for the work, with links."""

from __future__ import annotations

import re

from connectors.notify.email import build_message, message_id
from connectors.notify.render import render
from streams.records import Notification, Odds, Person, PortfolioCount
from tests.builders import DANA, HUBSPOT, IVAN, MARIA, OLGA, T, leadership


def alert(goal) -> Notification:
    return Notification(
        key="signal:c1:date_conflict:1:opened:0",
        kind="opened",
        at=T,
        rule="date_conflict",
        severity="warning",
        campaign="c1",
        detail="WEB-1 is due 2027-02-20, after the launch.",
        goal=goal,
        recipients=[IVAN, MARIA],
    )


def test_an_alert_speaks_to_marketing_and_engineering_with_links_into_both_tools(goal) -> None:
    rendered = render(alert(goal), "https://tandem.acme.test")
    for text in (rendered.text, rendered.html):
        assert "For the launch (marketing)" in text and "For the work (engineering)" in text
        assert "https://app.hubspot.com/marketing/4242/campaigns/details/c1" in text
        assert "https://acme.atlassian.net/browse/WEB-1" in text
        assert "WEB-1 is due 2027-02-20" in text
    assert rendered.subject == "New (warning): Spring Launch 2027 — work is due after the launch"


ODDS = "About a 30 % chance of being ready for the 15 Feb 2027 launch; 85 % likely by 3 Mar 2027."


def test_an_alert_gives_the_goals_odds_in_plain_words(goal) -> None:
    rendered = render(alert(goal.derive(odds=Odds(key="k", horizon="2029-01-01", words=ODDS, p85="2027-03-03"))))
    for text in (rendered.text, rendered.html):
        assert f"1 of 2 items done (5 of 8 points). {ODDS}" in text


def test_without_finished_work_an_alert_says_there_is_no_forecast_rather_than_never(goal) -> None:
    words = "No work finished in the last 14 days, so no forecast yet."
    rendered = render(alert(goal.derive(forecast="never", odds=Odds(key="k", horizon="2029-01-01", words=words))))
    assert words in rendered.text and "never" not in rendered.text


def test_a_digest_gives_each_goals_odds(goal) -> None:
    digest = Notification(
        key="digest:maria:2027-01-11",
        kind="digest",
        at=T,
        goals=[goal.derive(odds=Odds(key="k", horizon="2029-01-01", words=ODDS))],
    )
    rendered = render(digest)
    assert ODDS in rendered.text and ODDS in rendered.html


def test_html_escapes_what_people_typed(goal) -> None:
    hostile = goal.derive(name="<script>alert(1)</script>")
    assert "<script>" not in render(alert(hostile)).html


def test_a_win_names_the_contributors(goal) -> None:
    win = Notification(key="win:c1", kind="win", at=T, campaign="c1", goal=goal, contributors=[OLGA])
    assert "Thank you, Olga Smirnova!" in render(win).text


def test_slack_gets_a_header_a_plain_text_body_and_tandems_links(goal) -> None:
    blocks = render(alert(goal), "https://tandem.acme.test").slack_blocks
    assert [block["type"] for block in blocks] == ["header", "section", "context"]
    assert blocks[1]["text"]["type"] == "plain_text" and "For the launch (marketing)" in blocks[1]["text"]["text"]
    links = blocks[2]["elements"][0]["text"]
    assert "<https://acme.atlassian.net/browse/WEB-1|WEB-1>" in links
    assert "<https://tandem.acme.test/goals/c1|Open the goal in Tandem>" in links


def test_an_email_carries_both_formats_and_the_notifications_identity(goal) -> None:
    n = alert(goal)
    message = build_message(n, render(n), [IVAN, MARIA], "Tandem <tandem@acme.test>", T)
    assert {part.get_content_type() for part in message.iter_parts()} == {"text/plain", "text/html"}
    assert message["X-Tandem-Kind"] == "opened" and message["X-Tandem-Rule"] == "date_conflict"
    assert message["X-Tandem-At"] == "2027-01-12T10:00:00Z"
    assert message["Message-ID"] == message_id(n.key, [IVAN, MARIA])


# --- the leadership digest --------------------------------------------------------------------------


def test_a_leadership_digest_says_the_counts_by_status_and_their_trend() -> None:
    rendered = render(leadership())
    assert rendered.subject == "Leadership digest, the week of 2027-01-11: 4 goals, 2 at risk, 0 off track"
    for line in ("on track 1 (-1)", "at risk 2 (±0)", "off track 0 (-1)", "done 1 (+1)", "canceled 0 (±0)"):
        assert f"- {line}" in rendered.text
    assert "<td>1 (+1)</td>" in rendered.html and "<th>off track</th>" in rendered.html


def test_the_first_leadership_digest_gives_counts_without_a_trend_and_says_it_is_the_first() -> None:
    counts = [PortfolioCount(status="at_risk", count=2)]
    rendered = render(leadership(previous_period=None, counts=counts, slipped=[], recovered=[]))
    assert "- at risk 2\n" in rendered.text and "(+" not in rendered.text
    assert "first leadership digest" in rendered.text and "Wins this week:" in rendered.text


def test_a_monthly_leadership_digest_names_its_month() -> None:
    rendered = render(leadership(cadence="monthly", period_start="2027-02-01"))
    assert rendered.subject.startswith("Leadership digest, February 2027:")


def test_a_leadership_digest_says_which_goals_slipped_and_why() -> None:
    rendered = render(leadership())
    why = "work is due after the launch (warning): WEB-1 is due 2027-03-10, after the launch on 2027-03-01."
    assert "* Spring Launch 2027: on track → at risk" in rendered.text.split("Recovered")[0]
    assert "Spring Launch 2027</a>: on track → at risk" in rendered.html
    assert why in rendered.text and why in rendered.html


def test_a_leadership_digest_says_which_goals_recovered_and_why() -> None:
    rendered = render(leadership())
    for text in (rendered.text, rendered.html):
        assert "Autumn Sale" in text and "off track → at risk" in text
        assert "resolved: the launch date has come and the work is not done" in text
        assert "the work has stalled (warning): No change for 8 days." in text


def test_a_leadership_digest_names_the_people_behind_each_win() -> None:
    rendered = render(leadership())
    for text in (rendered.text, rendered.html):
        assert "Winter Webinar" in text and "before the launch on 2027-01-20" in text
        assert "thanks to Ivan Petrov, Olga Smirnova" in text


def test_a_leadership_digest_links_each_goal_to_its_dashboard_page() -> None:
    rendered = render(leadership(), "https://tandem.acme.test/")
    for campaign in ("c1", "c2", "c3"):
        assert f"https://tandem.acme.test/goals/{campaign}" in rendered.text
        assert f'href="https://tandem.acme.test/goals/{campaign}"' in rendered.html
    assert HUBSPOT not in rendered.text


def test_without_a_dashboard_a_leadership_digest_links_each_goal_to_hubspot() -> None:
    rendered = render(leadership())
    for campaign in ("c1", "c2", "c3"):
        assert f"{HUBSPOT}{campaign}" in rendered.text and f'href="{HUBSPOT}{campaign}"' in rendered.html
    assert "/goals/" not in rendered.text


def test_leadership_html_escapes_hostile_names() -> None:
    hostile = "<script>alert(1)</script>"
    n = leadership()
    assert n.leadership is not None
    report = n.leadership.derive(
        slipped=[n.leadership.slipped[0].derive(name=hostile)],
        wins=[n.leadership.wins[0].derive(contributors=[Person(id="x", name=hostile)])],
    )
    html = render(n.derive(leadership=report)).html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_leadership_email_says_its_kind_and_key() -> None:
    n = leadership()
    message = build_message(n, render(n), [DANA], "Tandem <tandem@acme.test>", n.at)
    assert message["X-Tandem-Kind"] == "leadership_digest"
    assert message["X-Tandem-Key"] == "leadership:dana@acme.test:2027-01-11"
    assert message["X-Tandem-Campaign"] is None


def test_the_same_delivery_unit_sends_the_same_message_id_every_time(goal) -> None:
    n = alert(goal)
    first = build_message(n, render(n), [IVAN, MARIA], "tandem@acme.test", T)
    again = build_message(n, render(n), [MARIA, IVAN], "tandem@acme.test", T.replace(hour=11))
    assert first["Message-ID"] == again["Message-ID"]
    assert re.fullmatch(r"<[0-9a-f]{32}@tandem\.invalid>", first["Message-ID"])


def test_different_delivery_units_send_different_message_ids(goal) -> None:
    n = alert(goal)
    ids = {
        build_message(n, render(n), [IVAN, MARIA], "tandem@acme.test", T)["Message-ID"],  # unit `email`
        build_message(n, render(n), [MARIA], "tandem@acme.test", T)["Message-ID"],  # unit `email:maria@…`
        build_message(
            alert(goal).derive(key="signal:c1:date_conflict:2:opened:0"),
            render(n),
            [IVAN, MARIA],
            "tandem@acme.test",
            T,
        )["Message-ID"],  # another notification
    }
    assert len(ids) == 3
