"""Email over SMTP (aiosmtplib): text and HTML alternatives, one message per notification and audience.

Headers carry the notification's identity, so receivers (and the replay's report) can tell what a message
is: `Message-ID` derived from the idempotency key (mail clients drop a duplicate), and `X-Tandem-Key`,
`-Kind`, `-Rule`, `-Campaign`, `-At` (when the cause happened).

Every header value is one line (`one_line`: CR, LF and other control characters collapsed), whatever a
campaign name or an id holds, and every recipient is exactly one plain address (`addresses.plain_address`);
a message that still cannot be built is a `MessageError`, which fails this delivery unit alone.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import aiosmtplib

from connectors.notify.addresses import AddressError, plain_address
from connectors.notify.render import Rendered, one_line
from streams.records import Notification, Person
from tandem.settings import Settings

NAME_LIMIT = 100


class ChannelError(RuntimeError):
    """A channel could not deliver; worth retrying."""


class MessageError(ValueError):
    """A message that cannot be built from what it was given: not worth retrying (the unit fails alone)."""


def message_id(key: str, recipients: list[Person]) -> str:
    """The `Message-ID` of the email for notification `key` to `recipients` (one delivery unit): stable, so a
    repeat of the same unit carries the same id and mail clients fold it (RFC 5322 §3.6.4: the id "refers to
    a particular version of a particular message", and a resend is the same message); a different unit
    (another audience, another notification) gets another. The right side is `tandem.invalid`, a domain that
    can never be anyone's (RFC 2606), so it cannot collide with ids of real mail servers."""
    audience = ",".join(sorted((p.email or p.id).lower() for p in recipients))
    digest = hashlib.sha256(f"{key}|{audience}".encode()).hexdigest()[:32]
    return f"<{digest}@tandem.invalid>"


def build_message(
    n: Notification, rendered: Rendered, recipients: list[Person], sender: str, at: datetime
) -> EmailMessage:
    """The email to `recipients` (each with a plain address: see `connectors.notify.agent`)."""
    try:
        to = [formataddr((one_line(p.name or "", NAME_LIMIT), plain_address(p.email or ""))) for p in recipients]
    except AddressError as exc:
        raise MessageError(f"a recipient of {one_line(n.key, 200)} has no plain address: {exc}") from None
    if not to:
        raise MessageError(f"{one_line(n.key, 200)} has no recipient with an address")
    headers = {
        "From": sender,
        "To": ", ".join(to),
        "Subject": rendered.subject,
        "Date": format_datetime(at),
        "Message-ID": message_id(n.key, recipients),
        "X-Tandem-Key": n.key,
        "X-Tandem-Kind": n.kind,
        "X-Tandem-At": at.isoformat().replace("+00:00", "Z"),
        "X-Tandem-Rule": n.rule,
        "X-Tandem-Campaign": n.campaign,
    }
    message = EmailMessage()
    try:
        for name, value in headers.items():
            if value:
                message[name] = one_line(value, None if name in ("From", "To") else 998)
        message.set_content(rendered.text)
        message.add_alternative(rendered.html, subtype="html")
    except (ValueError, TypeError) as exc:  # what the email package refuses, whatever it is
        raise MessageError(f"the email for {one_line(n.key, 200)} cannot be built: {exc}") from None
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
