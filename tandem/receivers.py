"""What the notifications of a replay or the demo reach: a real local SMTP server (aiosmtpd) and a local
receiver of Slack incoming-webhook posts. A replay's report lists what these received (docs/scenarios.md);
the demo's dashboard shows it on its Outbox page, read from `GET /outbox.json`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.utils import getaddresses
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller

from tandem.worker_process import free_port


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(
            {
                "headers": {key.lower(): str(value) for key, value in message.items()},
                "to": sorted(address.lower() for _, address in getaddresses(message.get_all("To", []))),
                "envelope_to": sorted(address.lower() for address in envelope.rcpt_tos),
                "text": _plain(message),
            }
        )
        return "250 Message accepted for delivery"


def _plain(message: Any) -> str:
    body = message.get_body(preferencelist=("plain",))
    return str(body.get_content()) if body is not None else ""


@dataclass
class Receivers:
    smtp_port: int = field(default_factory=free_port)
    slack_port: int = field(default_factory=free_port)
    inbox: _Inbox = field(default_factory=_Inbox)
    slack_posts: list[dict[str, Any]] = field(default_factory=list)
    _smtp: Controller | None = None
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._smtp = Controller(self.inbox, hostname="127.0.0.1", port=self.smtp_port)
        self._smtp.start()
        app = web.Application()
        app.router.add_post("/slack/{team}", self._slack)
        app.router.add_get("/outbox.json", self._outbox)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.slack_port).start()

    async def stop(self) -> None:
        if self._smtp is not None:
            self._smtp.stop()
        if self._runner is not None:
            await self._runner.cleanup()

    def slack_url(self, team: str) -> str:
        return f"http://127.0.0.1:{self.slack_port}/slack/{team}"

    @property
    def outbox_url(self) -> str:
        return f"http://127.0.0.1:{self.slack_port}/outbox.json"

    def outbox(self) -> dict[str, Any]:
        """Every message received, as it would arrive: emails (subject, from, to, date, text) and Slack posts."""
        emails = [
            {
                "subject": m["headers"].get("subject", ""),
                "from": m["headers"].get("from", ""),
                "to": m["to"],
                "date": m["headers"].get("date", ""),
                "text": m["text"],
            }
            for m in self.inbox.messages
        ]
        posts = [{"team": post["team"], "blocks": _blocks(post["body"])} for post in self.slack_posts]
        return {"emails": emails, "slack": posts}

    async def _outbox(self, request: web.Request) -> web.Response:
        return web.json_response(self.outbox())

    async def _slack(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        self.slack_posts.append({"team": request.match_info["team"], "body": body})
        return web.Response(text="ok")

    def notifications(self) -> list[dict[str, Any]]:
        """Every message received, as the report lists notifications. Emails with one `Message-ID` are one
        notification, as a mail client shows them (a send repeated after an interruption, see
        `connectors.notify.resend`); `repeated_emails()` counts the repeats."""
        found = []
        seen: set[str] = set()
        for message in self.inbox.messages:
            headers = message["headers"]
            if (ident := headers.get("message-id")) is not None:
                if ident in seen:
                    continue
                seen.add(ident)
            found.append(
                _row(
                    headers.get("x-tandem-kind"),
                    headers.get("x-tandem-rule"),
                    headers.get("x-tandem-campaign"),
                    "email",
                    message["to"],
                    headers.get("x-tandem-at"),
                )
            )
        for post in self.slack_posts:
            payload = (post["body"].get("metadata") or {}).get("event_payload") or {}
            found.append(
                _row(
                    payload.get("kind"),
                    payload.get("rule"),
                    payload.get("campaign"),
                    "slack",
                    [post["team"]],
                    payload.get("at"),
                )
            )
        return found

    def repeated_emails(self) -> int:
        """Emails received again with a `Message-ID` already received (folded into one by `notifications`)."""
        idents = [m["headers"]["message-id"] for m in self.inbox.messages if "message-id" in m["headers"]]
        return len(idents) - len(set(idents))


def _blocks(body: dict[str, Any]) -> list[dict[str, str]]:
    """A Slack message's blocks as (type, text), or its fallback text."""
    found = []
    for block in body.get("blocks") or []:
        text = block.get("text")
        if isinstance(text, dict):
            found.append({"type": str(block.get("type")), "text": str(text.get("text", ""))})
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("text"):
                found.append({"type": "context", "text": str(element["text"])})
    return found or [{"type": "section", "text": str(body.get("text", ""))}]


def _row(kind: Any, rule: Any, campaign: Any, channel: str, to: list[str], at: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "kind": kind,
        "channel": channel,
        "to": to,
        "at": str(at).replace("+00:00", "Z") if at else None,
    }
    if rule:
        row["rule"] = rule
    if campaign:
        row["campaign"] = campaign
    return row
