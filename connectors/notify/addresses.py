"""One plain email address per person, strictly: what Tandem sends mail to.

An address comes from Jira, HubSpot or `TANDEM_PEOPLE`, which anyone with access to those tools can write.
Put into a `To` header as it is, `kim@acme.test>, <spy@evil.example` is two recipients. So an address is
accepted only when it is exactly one `local@domain`: the standard library's RFC 5322 parser
(`email.headerregistry.Address(addr_spec=...)`, which refuses anything left over or any defect) must read
all of it as one addr-spec, and then the address must also be plain: printable ASCII only (no control or
bidirectional characters, no spaces), a dot-atom local part (no quoted strings, no comments), and a domain
of at least two DNS labels (no domain literals such as `[10.0.0.1]`, no IP-less host names). It is used with
the domain lower-cased. Anything else is refused; the caller logs it with `shown()`, whose output cannot
forge a log line.
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError, MessageDefect
from email.headerregistry import Address

LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
"""RFC 5322's dot-atom: what a local part may be here (a quoted local part is refused)."""
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
LONGEST = 254
"""RFC 5321's limit for a forward path (RFC 3696 errata 1690)."""


class AddressError(ValueError):
    """Not exactly one plain email address."""


def plain_address(value: str) -> str:
    """The one address `value` is (domain lower-cased), or `AddressError` saying why not."""
    if not isinstance(value, str) or not value.strip():
        raise AddressError("empty address")
    text = value.strip()
    if not text.isascii() or not text.isprintable() or " " in text:
        raise AddressError("not one plain email address: only printable ASCII without spaces is accepted")
    if len(text) > LONGEST:
        raise AddressError(f"not one plain email address: longer than {LONGEST} characters")
    try:
        address = Address(addr_spec=text)
    except (HeaderParseError, MessageDefect, ValueError, IndexError):
        # The parser's message quotes the value; the caller shows the value itself, escaped (`shown`).
        raise AddressError("not one plain email address: it is not exactly one local@domain") from None
    local, domain = address.username, address.domain.lower()
    if address.addr_spec != text and address.addr_spec.lower() != text.lower():
        raise AddressError("not one plain email address: it does not read back as itself")
    if not LOCAL.match(local) or len(local) > 64:
        raise AddressError("not one plain email address: the part before @ must be a plain dot-atom")
    labels = domain.split(".")
    if len(labels) < 2 or not all(LABEL.match(label) for label in labels):
        raise AddressError("not one plain email address: the domain must be a host name such as acme.test")
    return f"{local}@{domain}"


def shown(value: str, limit: int = 80) -> str:
    """`value` for a log line: quoted, every control character escaped (so no CR/LF starts a forged line),
    cut to `limit` characters."""
    text = value if len(value) <= limit else value[:limit] + "…"
    return ascii(text)


__all__ = ["AddressError", "plain_address", "shown"]
