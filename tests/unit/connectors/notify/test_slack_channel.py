"""What a Slack post's failure means: sent again only when it cannot have been posted."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from connectors.http.errors import WriteUnsure
from connectors.notify.email import ChannelError
from connectors.notify.slack import SlackChannel


@pytest.fixture
async def slow_slack() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A webhook receiver that takes each post and answers only after 3 s."""
    posts: list[bytes] = []

    async def receive(request: web.Request) -> web.Response:
        posts.append(await request.read())
        await asyncio.sleep(3)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/services/T/B/x", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/services/T/B/x", posts
    await runner.cleanup()


async def test_a_post_left_unanswered_is_unsure_and_not_retried(slow_slack: tuple[str, list[bytes]]) -> None:
    """Slack's incoming webhooks take no idempotency key (https://api.slack.com/messaging/webhooks): a post
    that timed out may be in the channel, so it is reported unsure (the delivery marks it `unknown`), not
    retried into a second message."""
    url, posts = slow_slack
    with pytest.raises(WriteUnsure):
        await SlackChannel({"web": url}, timeout=1).send("web", "Launch at risk", [])
    assert len(posts) == 1


async def test_a_post_that_could_not_connect_is_a_channel_error_to_retry() -> None:
    """Nothing reached Slack, so sending again cannot duplicate it."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(ChannelError):
        await SlackChannel({"web": f"http://127.0.0.1:{port}/services/T/B/x"}, timeout=1).send("web", "hi", [])
