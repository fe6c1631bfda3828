"""HubSpot listings that change or never end while the source pages them: the sandbox over HTTP, a real broker."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.hubspot.paging import EndlessPaging
from connectors.hubspot.source import HubSpotSource
from tests.integration.connectors.support import Plumbing, faults, guid, load, scenario, settings_for, step
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration


def source(world: Sandboxes, plumbing: Plumbing) -> HubSpotSource:
    settings = settings_for(world, plumbing.bootstrap, plumbing.prefix)
    return HubSpotSource(settings, plumbing.sink, plumbing.cursors(), clock=world.world.clock.now)


async def test_a_deletion_during_the_reconcile_listing_never_tombstones_the_live_campaign_it_shifts(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """HubSpot does not document what the campaign listing's `after` is
    (https://developers.hubspot.com/docs/reference/api/marketing/campaigns: "the cursor token value to get the
    next set of results"); read as an offset, deleting a campaign on page 1 while the listing runs moves the
    first campaign of page 2 onto page 1, and the listing never returns it. Each id missing from the listing is
    read directly (batch read, https://developers.hubspot.com/docs/api-reference/marketing-campaigns-public-api-v3/campaigns/post-marketing-v3-campaigns-batch-read):
    the live one shifted across the boundary gets no tombstone; the deleted one gets its tombstone from the
    next listing, which misses only it."""
    load(world, scenario(campaigns=150))
    assert world.control("GET", "/_sandbox/hubspot/paging")[1] == {"cursors": "offset"}
    hub = source(world, plumbing)
    await hub.sync()
    listing = hub.api.list_campaigns

    async def delete_after_the_first_page(**query: Any) -> dict[str, Any]:
        page = await listing(**query)
        if query.get("sort") == "createdAt" and not query.get("after"):
            step(world, {"at": "2027-01-06T00:00:00Z", "hubspot": {"delete": guid(5)}})
        return page

    hub.api.list_campaigns = delete_after_the_first_page  # type: ignore[method-assign]
    disturbed = await hub.reconcile()
    assert disturbed.fetched == 149  # guid(101) moved onto page 1 after it was read: the listing missed it
    assert disturbed.produced == 0  # and the batch read found it alive: no tombstone
    assert guid(101) in await hub.book.known_ids()
    hub.api.list_campaigns = listing  # type: ignore[method-assign]
    assert (await hub.reconcile()).produced == 1  # the next listing misses only the deleted one
    records = await plumbing.records("campaigns", 151)
    assert [r["id"] for r in records if r["deleted"]] == [guid(5)]
    await hub.close()


async def test_a_repeated_campaign_cursor_fails_the_poll_with_one_line(world: Sandboxes, plumbing: Plumbing) -> None:
    """A cursor that comes back (a HubSpot fault, or a caching proxy) would page forever while the source holds
    its lock; HubSpot's paging (https://developers.hubspot.com/docs/api/crm/understanding-the-crm#paging-through-results)
    hands out a new `after` per page, so a repeated one ends the listing and fails the poll."""
    load(world, scenario(campaigns=250))
    faults(world, "hubspot", repeat_cursor=["^/marketing/v3/campaigns$"])
    hub = source(world, plumbing)
    with pytest.raises(EndlessPaging) as stopped:
        await hub.sync()
    message = str(stopped.value)
    assert "list campaigns" in message and "already followed" in message and "\n" not in message
    assert hub.api.caller.requests <= 3  # owners, page 1, page 2 naming the cursor it was asked with
    assert not hub.synced
    await hub.close()


async def test_a_repeated_owner_cursor_fails_the_refresh_with_one_line(world: Sandboxes, plumbing: Plumbing) -> None:
    """The same guard on the owner listing (`GET /crm/v3/owners/`, 500 a page)."""
    load(world, scenario(owners=1200))
    faults(world, "hubspot", repeat_cursor=["^/crm/v3/owners/?$"])
    hub = source(world, plumbing)
    with pytest.raises(EndlessPaging, match="list owners"):
        await hub.owners.refresh()
    assert hub.api.caller.requests == 2  # page 1, then page 2 naming the cursor it was asked with
    await hub.close()
