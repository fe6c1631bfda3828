"""Delivery over real channels: an SMTP server (aiosmtpd) and a Slack-webhook receiver (aiohttp), fed by a
real worker on a real broker. Exactly once, retried with backoff, one failing channel holding up nothing."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller

from connectors.jira.sink import MARKER_PREFIX, document_text
from streams.records import Notification
from tandem.worker_process import free_port
from tests.builders import IVAN, MARIA, T, goal_summary
from tests.integration.connectors.support import clean, faults, jira_get, load, scenario
from tests.sandbox_fixtures import Sandboxes
from tests.worker_process import Worker, produce, read_topic

pytestmark = pytest.mark.integration


class Inbox:
    """An SMTP server's mailbox; `hold` seconds before answering 250 (the message is already received)."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.hold = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        await asyncio.sleep(self.hold)
        return "250 OK"


class SlackReceiver:
    """Answers 500 to the first `failures` posts, then 200."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.failures = 0
        self.port = free_port()
        self.attempts = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=500, text="internal_error")
        self.posts.append(json.loads(await request.read()))
        return web.Response(text="ok")


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    box, port = Inbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
async def slack() -> Any:
    receiver = SlackReceiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", receiver.port).start()
    yield receiver
    await runner.cleanup()


def notification(key: str = "signal:c1:date_conflict:1:opened:0") -> Notification:
    return Notification(
        key=key,
        kind="opened",
        at=T,
        rule="date_conflict",
        severity="warning",
        campaign="c1",
        detail="WEB-1 is due 2027-02-20, after the launch on 2027-02-15.",
        goal=goal_summary(),
        recipients=[IVAN, MARIA],
        jira_issues=["WEB-1"],
    )


def start_worker(bootstrap: str, tmp_path: Path, smtp_port: int, slack: SlackReceiver | None) -> Worker:
    hooks = {"marketing": f"http://127.0.0.1:{slack.port}/hook"} if slack else {}
    worker = Worker(
        bootstrap=bootstrap,
        data_dir=tmp_path / "worker",
        extra_env={
            "TANDEM_SMTP_HOST": "127.0.0.1",
            "TANDEM_SMTP_PORT": str(smtp_port),
            "TANDEM_SMTP_TIMEOUT": "5",
            "TANDEM_SLACK_WEBHOOKS": json.dumps(hooks),
            "TANDEM_SMTP_FROM": "Tandem <tandem@acme.test>",
        },
    )
    worker.start()
    return worker


async def eventually(condition: Any, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.2)


async def test_an_alert_arrives_once_by_email_in_text_and_html_and_once_in_slack(
    kafka_bootstrap: str, tmp_path: Path, inbox: tuple[Inbox, int], slack: SlackReceiver
) -> None:
    box, port = inbox
    worker = start_worker(kafka_bootstrap, tmp_path, port, slack)
    try:
        n = notification()
        await produce(kafka_bootstrap, worker.topic("notifications"), [(n.key, n.dumps()), (n.key, n.dumps())])
        await eventually(lambda: box.messages and slack.posts)
        await asyncio.sleep(2)  # room for a duplicate to show up
    finally:
        worker.stop()
    assert len(box.messages) == 1 and len(slack.posts) == 1
    message = box.messages[0]
    assert sorted(address.addr_spec for address in message["To"].addresses) == ["ivan@acme.test", "maria@acme.test"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    for body in (text, html):
        assert "https://acme.atlassian.net/browse/WEB-1" in body
        assert "https://app.hubspot.com/marketing/4242/campaigns/details/c1" in body
    assert '<a href="https://acme.atlassian.net/browse/WEB-1">WEB-1</a>' in html
    assert slack.posts[0]["blocks"][0]["type"] == "header"
    assert slack.posts[0]["metadata"]["event_payload"]["kind"] == "opened"


async def test_a_failing_slack_is_retried_without_holding_up_the_email(
    kafka_bootstrap: str, tmp_path: Path, inbox: tuple[Inbox, int], slack: SlackReceiver
) -> None:
    box, port = inbox
    slack.failures = 2
    worker = start_worker(kafka_bootstrap, tmp_path, port, slack)
    try:
        n = notification()
        await produce(kafka_bootstrap, worker.topic("notifications"), [(n.key, n.dumps())])
        await eventually(lambda: bool(slack.posts))
    finally:
        worker.stop()
    assert slack.attempts == 3 and len(slack.posts) == 1
    assert len(box.messages) == 1


async def test_an_smtp_server_that_is_down_is_retried_then_dead_lettered_and_the_stream_goes_on(
    kafka_bootstrap: str, tmp_path: Path, slack: SlackReceiver
) -> None:
    worker = start_worker(kafka_bootstrap, tmp_path, free_port(), slack)  # nothing listens on that port
    try:
        first, second = notification("k1"), notification("k2")
        await produce(
            kafka_bootstrap, worker.topic("notifications"), [(first.key, first.dumps()), (second.key, second.dumps())]
        )
        letters = await read_topic(kafka_bootstrap, worker.topic("dlq"), expect=2, wait_seconds=90)
    finally:
        worker.stop()
    assert sorted(letter["key"] for letter in letters) == ["k1", "k2"]
    assert {letter["agent"] for letter in letters} == {"delivery:email"}
    assert all("SMTP 127.0.0.1" in letter["error"] for letter in letters)
    assert len(slack.posts) == 2  # Slack delivered both while email kept failing


async def test_a_worker_killed_between_sending_and_recording_sends_the_email_again_under_the_same_message_id(
    kafka_bootstrap: str, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    box.hold = 20.0  # the server has the message, but the worker never hears "250"
    worker = start_worker(kafka_bootstrap, tmp_path, port, None)
    n = notification()
    await produce(kafka_bootstrap, worker.topic("notifications"), [(n.key, n.dumps())])
    await eventually(lambda: bool(box.messages))
    worker.kill()
    box.hold = 0.0
    worker.start()
    try:
        later = notification("k-after-restart")
        await produce(kafka_bootstrap, worker.topic("notifications"), [(later.key, later.dumps())])
        await eventually(lambda: len(box.messages) >= 3)
        await asyncio.sleep(3)
    finally:
        worker.stop()
    # At least once for email: the repeat carries the first one's Message-ID, so a mail client shows one.
    keys = sorted(message["X-Tandem-Key"] for message in box.messages)
    assert keys == sorted([n.key, n.key, "k-after-restart"])
    first, again = [message["Message-ID"] for message in box.messages if message["X-Tandem-Key"] == n.key]
    assert first == again


async def test_a_jira_comment_interrupted_mid_send_is_sent_again_and_posted_once(
    kafka_bootstrap: str, tmp_path: Path, sandboxes: Sandboxes
) -> None:
    load(sandboxes, scenario(issues=1))  # WEB-1
    faults(sandboxes, "jira", write_reply_delay_ms=30_000)  # Jira posts the comment; its reply never arrives
    worker = Worker(
        bootstrap=kafka_bootstrap,
        data_dir=tmp_path / "worker",
        extra_env={
            "TANDEM_NOTIFY_EMAIL": "false",
            "TANDEM_NOTIFY_JIRA_COMMENTS": "true",
            "TANDEM_JIRA_URL": str(sandboxes.jira_url),
            "TANDEM_JIRA_EMAIL": sandboxes.jira_email,
            "TANDEM_JIRA_API_TOKEN": sandboxes.jira_token,
            "TANDEM_JIRA_PROJECTS": "WEB",
        },
    )
    n = notification()

    def comments() -> list[dict[str, Any]]:
        _, writes = sandboxes.control("GET", "/_sandbox/writes")
        return [w for w in writes if w["method"] == "POST" and w["path"] == "/rest/api/3/issue/WEB-1/comment"]

    try:
        worker.start()
        await produce(kafka_bootstrap, worker.topic("notifications"), [(n.key, n.dumps())])
        await eventually(lambda: bool(comments()))
        worker.kill()
        clean(sandboxes)
        worker.start()
        changelog = f"{worker.app_id}-deliveries-changelog"
        states = await read_topic(kafka_bootstrap, changelog, expect=3, wait_seconds=60)
        # Marked `sending` before the first try, again before the second, then `sent`: not left `unknown`.
        assert [state["state"] for state in states] == ["sending", "sending", "sent"]
    finally:
        worker.stop()
        clean(sandboxes)
    assert len(comments()) == 1  # the second try found the first comment's marker and posted nothing
    posted = jira_get(sandboxes, "/rest/api/3/issue/WEB-1/comment")["comments"]
    assert [MARKER_PREFIX + n.key in document_text(c["body"]) for c in posted] == [True]
