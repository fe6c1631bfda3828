"""HubSpot owners by id, as `Person`s: the whole list read once and again when it is older than the
refresh interval (on the source's clock), plus single look-ups for owners the list lacks (archived ones).

A campaign's `hs_owner` may hold a HubSpot *user* id rather than an *owner* id: each owner is found by its
owner id and by its user ids (`userId`, `userIdIncludingInactive`), and comes back as a `Person` whose id
is the owner id, which is what HubSpot wants where it assigns (a task's `hubspot_owner_id`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from connectors.http.errors import RequestRejected
from connectors.hubspot.api import HubSpotApi
from connectors.hubspot.normalise import owner_person
from connectors.hubspot.paging import Cursors
from streams.records import Person

log = logging.getLogger(__name__)


def user_ids(owner: dict[str, Any]) -> list[str]:
    """The HubSpot user ids an owner record carries (REST or typed-client field names)."""
    found = []
    for name in ("userId", "user_id", "userIdIncludingInactive", "user_id_including_inactive"):
        value = owner.get(name)
        if value not in (None, ""):
            found.append(str(value))
    return found


class OwnerDirectory:
    def __init__(self, api: HubSpotApi, clock: Callable[[], datetime], refresh: timedelta) -> None:
        self.api = api
        self.clock = clock
        self.refresh_after = refresh
        self.people: dict[str, Person] = {}
        self.loaded_at: datetime | None = None
        self._missing: set[str] = set()

    async def refresh(self) -> None:
        people: dict[str, Person] = {}
        cursors = Cursors("list owners")
        after: str | None = None
        while True:
            page = await self.api.owners_page(after)
            for owner in page.get("results") or []:
                person = owner_person(owner)
                for user in user_ids(owner):
                    people.setdefault(user, person)
                people[person.id] = person
            after = cursors.next(page)
            if not after:
                break
        self.people = people
        self.loaded_at = self.clock()
        log.info("hubspot owners: %d loaded", len(people))

    async def resolve(self, owner_ids: set[str]) -> dict[str, Person]:
        """`Person`s for these owner ids (an id HubSpot does not know stays a bare `Person(id)`)."""
        refreshed = False
        if self.loaded_at is None or self.clock() - self.loaded_at >= self.refresh_after:
            await self.refresh()
            self._missing.clear()
            refreshed = True
        unknown = {i for i in owner_ids if i not in self.people and i not in self._missing}
        if unknown and not refreshed:  # most likely an owner added since the list was read
            await self.refresh()
            unknown = {i for i in unknown if i not in self.people}
        for owner_id in sorted(unknown):
            if not owner_id.isdigit():
                self._missing.add(owner_id)
                continue
            person = await self._lookup(owner_id)
            if person is None:
                self._missing.add(owner_id)
            else:
                self.people[owner_id] = person
        return {i: self.people.get(i, Person(id=i)) for i in owner_ids}

    async def _lookup(self, owner_id: str) -> Person | None:
        for archived in (False, True):
            try:
                return owner_person(await self.api.owner(owner_id, archived=archived))
            except RequestRejected as exc:
                if exc.status != 404:
                    raise
        log.warning("hubspot owner %s is unknown to HubSpot; campaigns name it without a name or email", owner_id)
        return None


__all__ = ["OwnerDirectory"]
