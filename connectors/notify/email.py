"""Email over SMTP (aiosmtplib): text and HTML alternatives, one message per notification and audience.

Headers carry the notification's identity, so receivers (and the replay's report) can tell what a message
is: `Message-ID` derived from the idempotency key (mail clients drop a duplicate), and `X-Tandem-Key`,
`-Kind`, `-Rule`, `-Campaign`, `-At` (when the cause happened).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import aiosmtplib

from connectors.notify.render import Rendered
from streams.records import Notification, Person
from tandem.settings import Settings


class ChannelError(RuntimeError):
    """A channel could not deliver; worth retrying."""


def message_id(key: str, recipients: list[Person]) -> str:
    audience = ",".join(sorted(p.email or p.id for p in recipients))
    digest = hashlib.sha256(f"{key}|{audience}".encode()).hexdigest()[:32]
    return f"<{digest}@tandem>"


def build_message(
    n: Notification, rendered: Rendered, recipients: list[Person], sender: str, at: datetime
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(formataddr((p.name or "", p.email or "")) for p in recipients)
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(at)
    message["Message-ID"] = message_id(n.key, recipients)
    message["X-Tandem-Key"] = n.key
    message["X-Tandem-Kind"] = n.kind
    message["X-Tandem-At"] = at.isoformat().replace("+00:00", "Z")
    if n.rule:
        message["X-Tandem-Rule"] = n.rule
    if n.campaign:
        message["X-Tandem-Campaign"] = n.campaign
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


class EmailChannel:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        s = self.settings
        try:
            await aiosmtplib.send(
                message,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username,
                password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                use_tls=s.smtp_security == "tls",
                start_tls=s.smtp_security == "starttls",
                timeout=s.smtp_timeout,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise ChannelError(f"SMTP {s.smtp_host}:{s.smtp_port}: {type(exc).__name__}: {exc}") from None
