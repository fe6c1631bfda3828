"""Item 1: what people typed reaches Slack as text, never as mrkdwn control sequences.

Slack decodes `&amp;`, `&lt;` and `&gt;` for display and reads every other `<...>` as markup (a link, a
`<!channel>` ping, a user mention): "Formatting text for app surfaces", section "Escaping text",
https://api.slack.com/reference/surfaces/formatting#escaping — "you shouldn't HTML-escape the whole text, just
these three characters". So Tandem escapes exactly those three in every value it puts in Slack text, blocks and
the `text` fallback; its own links (`<url|label>`) still work, with the label escaped.
"""

from __future__ import annotations

import json
import re

from connectors.notify.agent import mention
from connectors.notify.render import mrkdwn, render, slack_link
from streams.records import GoalSummary, Notification
from tests.builders import IVAN, T

PHISHING = "<!channel> <https://evil.example/login|Reset your SSO password>"


def alert(goal: GoalSummary, *, name: str = "Spring", detail: str = "WEB-1 is late.") -> Notification:
    return Notification(
        key="signal:c1:date_conflict:1:opened:0",
        kind="opened",
        at=T,
        rule="date_conflict",
        severity="warning",
        campaign="c1",
        detail=detail,
        goal=goal.derive(name=name),
        recipients=[IVAN],
    )


def targets(payload: object) -> list[str]:
    """What each `<...>` sequence Slack reads as markup points at (a URL, `!channel`, `@U…`): the text up to
    the first `|`, anywhere in a payload's texts."""
    return [m.split("|", 1)[0] for m in re.findall(r"<([^<>]*)>", json.dumps(payload, ensure_ascii=False))]


def test_a_campaign_name_with_a_channel_ping_and_a_disguised_link_pings_no_one_and_links_nowhere(goal) -> None:
    rendered = render(alert(goal, name=PHISHING, detail=f"Moved by {PHISHING}"), "https://tandem.acme.test")
    pointed = targets(rendered.slack_blocks) + targets(rendered.slack_text)
    assert pointed and all(
        target.startswith(("https://app.hubspot.com/", "https://acme.atlassian.net/", "https://tandem.acme.test/"))
        for target in pointed
    )
    everything = json.dumps([rendered.slack_blocks, rendered.slack_text])
    assert "&lt;!channel&gt; &lt;https://evil.example/login|Reset your SSO password&gt;" in everything


def test_the_text_fallback_is_escaped_too(goal) -> None:
    rendered = render(alert(goal, name="<!here> & <@U024BE7LH>"))
    assert "<" not in rendered.slack_text and ">" not in rendered.slack_text
    assert "&lt;!here&gt; &amp; &lt;@U024BE7LH&gt;" in rendered.slack_text


def test_tandems_own_links_still_work_with_their_label_escaped(goal) -> None:
    rendered = render(alert(goal, name="<b>Launch</b> & co"), "https://tandem.acme.test")
    links = rendered.slack_blocks[-1]["elements"][0]["text"]
    assert "<https://tandem.acme.test/goals/c1|Open the goal in Tandem>" in links
    assert "|&lt;b&gt;Launch&lt;/b&gt; &amp; co in HubSpot>" in links


def test_a_url_that_would_end_or_forge_a_link_is_not_made_into_one() -> None:
    assert slack_link("https://acme.test/a|<!channel>", "x") is None
    assert slack_link("javascript:alert(1)", "x") is None
    assert slack_link("https://acme.test/a?b=1&c=2", "x") == "<https://acme.test/a?b=1&amp;c=2|x>"


def test_the_body_is_plain_text_so_bold_and_at_here_stay_as_typed(goal) -> None:
    rendered = render(alert(goal, detail="*bold* _it_ @here ~strike~"))
    body = rendered.slack_blocks[1]["text"]
    assert body["type"] == "plain_text" and "*bold* _it_ @here ~strike~" in body["text"]


def test_a_slack_handle_from_tandem_people_is_a_mention_only_when_it_is_one() -> None:
    assert mention("<@U024BE7LH>") == "<@U024BE7LH>"
    assert mention("<!subteam^SAZ94GDB8>") == "<!subteam^SAZ94GDB8>"
    assert mention("<!channel>") == "&lt;!channel&gt;"
    assert mention("<@U1> <!everyone>") == mrkdwn("<@U1> <!everyone>")
