"""Items 6 and 7 over real channels (an SMTP server, a Slack-webhook receiver, a real worker on a real broker):
CR/LF in a campaign name cannot add a header, an injected address gets no copy, and a message that cannot be
built fails its email unit alone — recorded `failed`, dead-lettered, never stuck in `sending` — while Slack
still gets the notification and the stream goes on."""

from __future__ import annotations

import json

import pytest

from streams.records import Notification, Person
from tests.builders import IVAN, T, goal_summary
from tests.integration.connectors.notify.test_delivery import (  # the same real channels as the delivery tests
    Inbox,
    SlackReceiver,
    eventually,
    inbox,
    slack,
    start_worker,
)
from tests.worker_process import produce, read_topic

pytestmark = pytest.mark.integration
__all__ = ["inbox", "slack"]  # fixtures

SPY = Person(id="kim", email="kim@acme.test>, <spy@evil.example", name="Kim")
NAME = "<script>alert(1)</script> <!channel> *bold* @here \u202egnp.exe " + "z" * 10_240


def hostile(key: str, *, detail: str = "WEB-1 is late.") -> Notification:
    return Notification(
        key=key,
        kind="opened",
        at=T,
        rule="date_conflict",
        severity="warning",
        campaign="c1",
        detail=detail,
        goal=goal_summary().derive(name=f"Spring\r\nBcc: spy@evil.example\r\n\r\n{NAME}"),
        recipients=[IVAN, SPY],
        jira_issues=["WEB-1"],
    )


async def test_cr_lf_and_an_injected_address_reach_no_one_but_the_real_recipient(
    kafka_bootstrap: str, tmp_path, inbox: tuple[Inbox, int], slack: SlackReceiver
) -> None:
    box, port = inbox
    worker = start_worker(kafka_bootstrap, tmp_path, port, slack)
    try:
        n = hostile("signal:c1:hostile:1")
        await produce(kafka_bootstrap, worker.topic("notifications"), [(n.key, n.dumps())])
        await eventually(lambda: box.messages and slack.posts, within=150)
        await eventually(lambda: "is refused" in worker.log_tail(1_000_000), within=30)
        log = worker.log_tail(1_000_000)
    finally:
        worker.stop()
    message = box.messages[0]
    assert [address.addr_spec for address in message["To"].addresses] == ["ivan@acme.test"]
    assert message["Bcc"] is None and "\n" not in message["Subject"]
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, not run
    assert "<script>alert(1)</script> <!channel> *bold* @here" in text  # plain text: as typed
    post = json.dumps(slack.posts[0])
    assert "<!channel>" not in post and "&lt;!channel&gt;" in post and "*bold* @here" in post
    assert slack.posts[0]["text"].startswith("New (warning): Spring Bcc: spy@evil.example &lt;script&gt;")
    assert all(len(block.get("text", {}).get("text", "")) <= 3000 for block in slack.posts[0]["blocks"])
    refused = [line for line in log.splitlines() if "is refused" in line]
    assert refused and all("spy@evil.example" in line for line in refused)  # logged, on one line each


async def test_an_email_that_cannot_be_built_fails_alone_and_the_stream_goes_on(
    kafka_bootstrap: str, tmp_path, inbox: tuple[Inbox, int], slack: SlackReceiver
) -> None:
    """A lone surrogate (valid JSON: `"\\udc80"`) cannot be encoded into an email body: that unit fails."""
    box, port = inbox
    worker = start_worker(kafka_bootstrap, tmp_path, port, slack)
    try:
        broken, fine = hostile("k-broken", detail="late \udc80 indeed"), hostile("k-fine")
        await produce(
            kafka_bootstrap, worker.topic("notifications"), [(broken.key, broken.dumps()), (fine.key, fine.dumps())]
        )
        letters = await read_topic(kafka_bootstrap, worker.topic("dlq"), expect=1, wait_seconds=90)
        await eventually(lambda: len(slack.posts) == 2 and len(box.messages) == 1, within=150)
        outcomes = await read_topic(kafka_bootstrap, worker.topic("deliveries"), expect=8, wait_seconds=30)
    finally:
        worker.stop()
    assert [(letter["key"], letter["agent"], letter["error_type"]) for letter in letters] == [
        ("k-broken", "delivery:email", "MessageError")
    ]
    assert box.messages[0]["X-Tandem-Key"] == "k-fine"
    last = {}
    for outcome in outcomes:
        last[outcome["unit"] if outcome["key"] == "k-broken" else f"fine:{outcome['unit']}"] = outcome
    assert last["email"]["state"] == "failed" and last["email"]["attempts"] == 1
    assert all(o["state"] == "sent" for unit, o in last.items() if unit != "email")
