"""Slack incoming webhooks (slack_sdk), one per team; the webhook URL is a secret and never logged.

slack_sdk's webhook client logs `Sending a request - url: <the webhook URL>` whenever its logger lets debug
records through (`TANDEM_LOG_LEVEL=debug`). The client gets a logger of its own set to INFO, so that line is
never made; the URL is a registered secret as well (`connectors.http.redact`), masked wherever it shows.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.webhook.async_client import AsyncWebhookClient

from connectors.http.errors import WriteUnsure
from connectors.notify.email import ChannelError

SDK_LOG = logging.getLogger("connectors.notify.slack.sdk")
SDK_LOG.setLevel(logging.INFO)  # below INFO, slack_sdk logs the webhook URL (a secret) with each request


class SlackChannel:
    def __init__(self, webhooks: dict[str, str], timeout: float = 10.0) -> None:
        self.webhooks = webhooks
        self.timeout = timeout

    async def send(
        self, team: str, text: str, blocks: list[dict[str, Any]], metadata: dict[str, Any] | None = None
    ) -> None:
        url = self.webhooks.get(team)
        if url is None:
            raise ChannelError(f"no Slack webhook for team {team!a}")
        client = AsyncWebhookClient(url, timeout=int(self.timeout), logger=SDK_LOG)
        try:
            response = await client.send(text=text, blocks=blocks, metadata=metadata)
        except TimeoutError:
            # The post went out and no answer came: Slack may have posted it, and a webhook post carries
            # nothing Slack could drop a repeat by, so it is not sent again (at most once).
            raise WriteUnsure(
                f"Slack webhook for {team}: no answer within {self.timeout:g} s; not sent again"
            ) from None
        except Exception as exc:  # noqa: BLE001 - aiohttp and slack_sdk errors alike mean "retry later"
            raise ChannelError(f"Slack webhook for {team}: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise ChannelError(f"Slack webhook for {team} answered {response.status_code}")
