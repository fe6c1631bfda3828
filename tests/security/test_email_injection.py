"""Items 6 and 7: what people typed cannot add a header or a recipient to an email, and a message that cannot
be built fails its own delivery unit, not the notification."""

from __future__ import annotations

import pytest

from connectors.notify import agent
from connectors.notify.addresses import AddressError, plain_address, shown
from connectors.notify.email import MessageError, build_message
from connectors.notify.render import one_line, render
from streams.records import GoalSummary, Notification, Person
from tandem.people import Directory
from tandem.settings import SettingsError, load_settings
from tests.builders import IVAN, T

SPY = "kim@acme.test>, <spy@evil.example"


def alert(goal: GoalSummary, *, name: str = "Spring", recipients: list[Person] | None = None) -> Notification:
    return Notification(
        key="signal:c1:date_conflict:1:opened:0",
        kind="opened",
        at=T,
        rule="date_conflict",
        severity="warning",
        campaign="c1",
        detail="WEB-1 is late.",
        goal=goal.derive(name=name),
        recipients=recipients if recipients is not None else [IVAN],
    )


def build(n: Notification, recipients: list[Person] | None = None):
    return build_message(n, render(n), recipients if recipients is not None else n.recipients, "tandem@acme.test", T)


def test_a_campaign_name_with_cr_lf_builds_an_email_with_one_line_headers(goal) -> None:
    n = alert(goal, name="Spring\r\nBcc: spy@evil.example\r\n\r\n<html>fake body")
    message = build(n)
    raw = message.as_bytes()
    headers = raw.split(b"\n\n", 1)[0]
    assert b"\nBcc:" not in headers and "spy@evil.example" not in str(message["Bcc"] or "")
    assert message["Subject"].startswith("New (warning): Spring Bcc: spy@evil.example <html>fake body")


def test_a_recipient_name_with_cr_lf_stays_in_its_display_name(goal) -> None:
    n = alert(goal, recipients=[Person(id="1", email="kim@acme.test", name="Kim\r\nBcc: spy@evil.example")])
    message = build(n)
    assert [address.addr_spec for address in message["To"].addresses] == ["kim@acme.test"]
    assert message["Bcc"] is None


def test_one_line_collapses_controls_and_drops_bidirectional_overrides() -> None:
    assert one_line("a\r\n\tb\x00c\u2028d") == "a b c d"
    assert one_line("invoice\u202egnp.exe") == "invoicegnp.exe"
    assert one_line("x" * 10_000, 998).endswith("…") and len(one_line("x" * 10_000, 998)) == 998


@pytest.mark.parametrize(
    "value",
    [
        SPY,
        "kim@acme.test,spy@evil.example",
        "kim@acme.test; spy@evil.example",
        "Kim <kim@acme.test>",
        "<kim@acme.test>",
        '"kim@acme.test, spy"@evil.example',
        "kim(comment)@acme.test",
        "kim@[10.0.0.1]",
        "kim@localhost",
        "kim@acme.test\r\nBcc: spy@evil.example",
        "kim@acme.test\u202e",
        "kïm@acme.test",
        "",
    ],
)
def test_anything_but_one_plain_address_is_refused(value: str) -> None:
    with pytest.raises(AddressError):
        plain_address(value)


def test_a_plain_address_is_accepted_with_its_domain_lower_cased() -> None:
    assert plain_address(" Kim.O'Hara+launch@ACME.Test ") == "Kim.O'Hara+launch@acme.test"


def test_an_email_never_goes_to_an_injected_address(goal) -> None:
    n = alert(goal, recipients=[IVAN, Person(id="kim", email=SPY, name="Kim")])
    assert agent.mailable(n) == [IVAN]
    message = build(n, agent.mailable(n))
    assert [address.addr_spec for address in message["To"].addresses] == ["ivan@acme.test"]


def test_building_for_an_injected_address_is_a_message_error_not_a_send(goal) -> None:
    n = alert(goal, recipients=[Person(id="kim", email=SPY, name="Kim")])
    with pytest.raises(MessageError, match="no plain address"):
        build(n)


def test_a_refused_address_is_logged_escaped_so_it_cannot_forge_a_log_line() -> None:
    logged = shown("kim@acme.test\r\n2027-01-12 INFO tandem: all good")
    assert "\n" not in logged and "\r" not in logged and "\\r\\n" in logged


def test_tandem_people_with_an_injected_address_is_refused_at_start(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TANDEM_PEOPLE", '{"kim": {"email": "kim@acme.test>, <spy@evil.example"}}')
    with pytest.raises(SettingsError, match="TANDEM_PEOPLE"):
        load_settings()
    with pytest.raises(AddressError):
        Directory({"kim": {"email": SPY}})
