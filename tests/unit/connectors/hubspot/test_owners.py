"""Campaign owners as `Person`s, found by owner id or by HubSpot user id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.hubspot.owners import OwnerDirectory

NOW = datetime(2027, 1, 4, tzinfo=UTC)


class OwnersPage:
    """HubSpot's owners list, one page, as the typed client returns it."""

    async def owners_page(self, after: str | None = None) -> dict[str, Any]:
        owner = {"id": "101", "email": "maria@acme.test", "first_name": "Maria", "last_name": "Lopez"}
        return {"results": [{**owner, "user_id": 9001, "user_id_including_inactive": 9002}]}


async def test_an_owner_is_found_by_its_user_id_and_carries_its_owner_id() -> None:
    """`hs_owner` may hold a HubSpot user id; a task's `hubspot_owner_id` needs the owner id."""
    owners = OwnerDirectory(OwnersPage(), lambda: NOW, timedelta(hours=1))  # type: ignore[arg-type]
    found = await owners.resolve({"101", "9001", "9002"})
    assert {key: person.id for key, person in found.items()} == {"101": "101", "9001": "101", "9002": "101"}
    assert found["9001"].email == "maria@acme.test"
