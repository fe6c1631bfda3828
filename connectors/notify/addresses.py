"""One plain email address per person, strictly: what Tandem sends mail to.

An address comes from Jira, HubSpot or `TANDEM_PEOPLE`, which anyone with access to those tools can write.
Put into a `To` header as it is, `kim@acme.test>, <spy@evil.example` is two recipients. So an address is
accepted only when it is exactly one `local@domain` (email-validator, syntax only: no quoted local parts,
no comments, no display names, no domain literals, no control or bidirectional characters), and it is used
in the normalised form the validator gives. Anything else is refused; the caller logs it with `shown()`,
whose output cannot forge a log line.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


class AddressError(ValueError):
    """Not exactly one plain email address."""


def plain_address(value: str) -> str:
    """The one address `value` is (normalised), or `AddressError` saying why not."""
    if not isinstance(value, str) or not value.strip():
        raise AddressError("empty address")
    try:
        # test_environment: `.test` domains are allowed (the sandboxes' and the examples' people).
        checked = validate_email(value.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise AddressError(f"not one plain email address: {exc}") from None
    return str(checked.normalized)


def shown(value: str, limit: int = 80) -> str:
    """`value` for a log line: quoted, every control character escaped (so no CR/LF starts a forged line),
    cut to `limit` characters."""
    text = value if len(value) <= limit else value[:limit] + "…"
    return ascii(text)


__all__ = ["AddressError", "plain_address", "shown"]
