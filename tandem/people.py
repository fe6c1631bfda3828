"""The address book `TANDEM_PEOPLE` gives: an email, a name or a Slack handle for people the tools know
no address of, looked up by the tool's id or by email. An email there must be exactly one plain address
(`connectors.notify.addresses`): the settings refuse anything else at start, and so does the directory."""

from __future__ import annotations

from collections.abc import Mapping

from connectors.notify.addresses import AddressError, plain_address, shown
from streams.records import Person


class Directory:
    """Addresses from `TANDEM_PEOPLE` (person id or email → {"email", "name", "slack"}) on top of the tools'."""

    def __init__(self, overrides: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.overrides = {key.lower(): dict(value) for key, value in (overrides or {}).items()}
        for key, entry in self.overrides.items():
            if entry.get("email"):
                try:
                    entry["email"] = plain_address(entry["email"])
                except AddressError as exc:
                    raise AddressError(f"TANDEM_PEOPLE {shown(key)}: {exc}") from None

    def _extra(self, person: Person) -> dict[str, str]:
        return self.overrides.get(person.id.lower()) or self.overrides.get((person.email or "").lower()) or {}

    def resolve(self, person: Person) -> Person:
        """The person with the address and name `TANDEM_PEOPLE` gives them."""
        extra = self._extra(person)
        if not extra:
            return person
        return person.derive(email=extra.get("email") or person.email, name=extra.get("name") or person.name)

    def slack_handle(self, person: Person) -> str | None:
        return self._extra(person).get("slack")
