"""Messages say what happened, why, what it means for the launch and for the work, with links."""

from __future__ import annotations

from connectors.notify.email import build_message, message_id
from connectors.notify.render import render
from streams.records import Notification
from tests.builders import IVAN, MARIA, OLGA, T


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


def test_html_escapes_what_people_typed(goal) -> None:
    hostile = goal.derive(name="<script>alert(1)</script>")
    assert "<script>" not in render(alert(hostile)).html


def test_a_win_names_the_contributors(goal) -> None:
    win = Notification(key="win:c1", kind="win", at=T, campaign="c1", goal=goal, contributors=[OLGA])
    assert "Thank you, Olga Smirnova!" in render(win).text


def test_slack_gets_blocks_with_a_header(goal) -> None:
    blocks = render(alert(goal)).slack_blocks
    assert blocks[0]["type"] == "header" and blocks[1]["text"]["type"] == "mrkdwn"


def test_an_email_carries_both_formats_and_the_notifications_identity(goal) -> None:
    n = alert(goal)
    message = build_message(n, render(n), [IVAN, MARIA], "Tandem <tandem@acme.test>", T)
    assert {part.get_content_type() for part in message.iter_parts()} == {"text/plain", "text/html"}
    assert message["X-Tandem-Kind"] == "opened" and message["X-Tandem-Rule"] == "date_conflict"
    assert message["X-Tandem-At"] == "2027-01-12T10:00:00Z"
    assert message["Message-ID"] == message_id(n.key, [IVAN, MARIA])
