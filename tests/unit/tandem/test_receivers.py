"""A replay reports each notification from the email the local SMTP server received: its `X-Tandem-*`
headers say what it is (docs/scenarios.md)."""

from __future__ import annotations

from types import SimpleNamespace

from connectors.notify.email import build_message
from connectors.notify.render import render
from tandem.receivers import Receivers
from tests.builders import DANA, leadership


async def test_a_leadership_digest_is_reported_with_its_kind() -> None:
    n = leadership()
    message = build_message(n, render(n), [DANA], "Tandem <tandem@acme.test>", n.at)
    receivers = Receivers()
    envelope = SimpleNamespace(content=message.as_bytes(), rcpt_tos=["dana@acme.test"])
    assert await receivers.inbox.handle_DATA(None, None, envelope) == "250 Message accepted for delivery"
    assert receivers.notifications() == [
        {"kind": "leadership_digest", "channel": "email", "to": ["dana@acme.test"], "at": "2027-01-11T09:00:00Z"}
    ]
