"""The HubSpot source against the HubSpot sandbox over real HTTP, into a real Kafka broker."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime

import pytest

from connectors.http.errors import CredentialsRejected
from connectors.hubspot.source import SOURCE, HubSpotSource
from streams.rules.references import campaign_id_from_url
from tests.integration.connectors.support import (
    Plumbing,
    faults,
    guid,
    load,
    scenario,
    settings_for,
    step,
    until,
    versions,
)
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration


def source(world: Sandboxes, plumbing: Plumbing, **overrides: object) -> HubSpotSource:
    settings = settings_for(world, plumbing.bootstrap, plumbing.prefix, **overrides)
    return HubSpotSource(settings, plumbing.sink, plumbing.cursors(), clock=world.world.clock.now)


async def test_backfill_under_5xx_storms_and_latency_delivers_every_campaign_once(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """Faults at HubSpot's edge (5xx, 429 storms with Retry-After, latency) are retried; nothing is lost or doubled."""
    load(world, scenario(campaigns=230, owners=3))
    faults(world, "hubspot", error_rate=0.25, storm_rate=0.4, latency_ms=5, seed=3)
    hub = source(world, plumbing)
    result = await hub.sync()
    assert hub.synced and result.produced == 230
    injected = world.world.faults.injected  # the storm happened: the sandbox served errors and 429s
    assert sum(n for (system, status), n in injected.items() if system == "hubspot" and status >= 500) > 0
    assert injected[("hubspot", 429)] > 0
    records = await plumbing.records("campaigns", 230)
    seen = versions(records, "id")
    assert len(seen) == 230 and set(seen.values()) == {1}
    first = next(r for r in records if r["id"] == guid(1))
    assert first["owner"] == {"id": "100", "name": "Owner 0", "email": "owner0@acme.test"}
    assert campaign_id_from_url(first["url"], "https://app.hubspot.com") == guid(1)
    await hub.close()


async def test_429_storm_without_retry_after_backs_off_and_completes(world: Sandboxes, plumbing: Plumbing) -> None:
    """HubSpot's own 429s carry no Retry-After: the source backs off exponentially instead."""
    load(world, scenario(campaigns=40))
    faults(world, "hubspot", storm_rate=0.5, storm_retry_after=False, seed=9)
    hub = source(world, plumbing)
    assert (await hub.sync()).produced == 40
    assert hub.api.caller.retries > 0
    await hub.close()


async def test_incremental_poll_sees_an_update_once_and_repeats_nothing(world: Sandboxes, plumbing: Plumbing) -> None:
    load(world, scenario(campaigns=5))
    hub = source(world, plumbing)
    await hub.sync()
    step(world, {"at": "2027-01-05T10:00:00Z", "hubspot": {"update": guid(3), "properties": {"hs_name": "Renamed"}}})
    polled = await hub.sync()
    assert polled.produced == 1
    assert (await hub.sync()).produced == 0
    records = await plumbing.records("campaigns", 6)
    assert [r["name"] for r in records if r["id"] == guid(3)][-1] == "Renamed"
    assert len(records) == 6
    await hub.close()


async def test_killed_mid_backfill_resumes_from_its_cursor_across_a_same_timestamp_page_boundary(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """All 250 campaigns share one updatedAt (seeded together), so every page boundary sits inside one
    timestamp. A source cancelled after its first acknowledged page is replaced by a new one (new cursor
    store, as after a restart): every campaign arrives, none twice at the same version."""
    load(world, scenario(campaigns=250))
    faults(world, "hubspot", latency_ms=150)
    first = source(world, plumbing)
    task = asyncio.create_task(first.sync())
    await until(lambda: SOURCE in (first.book.cursors._cache or {}))  # the first page's cursor is saved
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await first.close()
    produced_before = plumbing.sink.sent
    assert 0 < produced_before < 250
    second = source(world, plumbing)
    assert not await second.load()
    await second.sync()
    records = await plumbing.records("campaigns", 250)
    seen = versions(records, "id")
    assert len(seen) == 250
    assert max(seen.values()) == 1
    await second.close()


async def test_a_cursor_in_the_future_yields_nothing(world: Sandboxes, plumbing: Plumbing) -> None:
    load(world, scenario(campaigns=3))
    store = plumbing.cursors()
    await store.save(SOURCE, {"since": datetime(2030, 1, 1, tzinfo=UTC).isoformat(), "seen": {}, "complete": True})
    hub = HubSpotSource(
        settings_for(world, plumbing.bootstrap, plumbing.prefix), plumbing.sink, store, clock=world.world.clock.now
    )
    result = await hub.sync()
    assert result.produced == 0 and result.fetched >= 1 and hub.synced
    await hub.close()


async def test_reconcile_tombstones_a_deleted_campaign(world: Sandboxes, plumbing: Plumbing) -> None:
    load(world, scenario(campaigns=4))
    hub = source(world, plumbing)
    await hub.sync()
    step(world, {"at": "2027-01-06T00:00:00Z", "hubspot": {"delete": guid(2)}})
    assert (await hub.sync()).produced == 0  # deletions do not show in incremental polls
    result = await hub.reconcile()
    assert result.produced == 1
    records = await plumbing.records("campaigns", 5)
    tomb = [r for r in records if r["deleted"]]
    assert [(t["id"], t["source_updated_at"]) for t in tomb] == [(guid(2), "2027-01-06T00:00:00Z")]
    assert (await hub.reconcile()).produced == 0
    await hub.close()


async def test_a_refused_token_stops_with_one_line_naming_the_variable_and_never_logs_it(
    world: Sandboxes, plumbing: Plumbing, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    load(world, scenario(campaigns=2))
    caplog.set_level(logging.DEBUG)
    bad = "pat-na1-0123456789-this-is-not-the-token"
    hub = source(world, plumbing, hubspot_token=bad)
    with pytest.raises(CredentialsRejected) as refused:
        await hub.sync()
    message = str(refused.value)
    assert "TANDEM_HUBSPOT_TOKEN" in message and "\n" not in message
    assert hub.api.caller.requests == 1  # a 401 is never retried
    out = capsys.readouterr()
    for text in (caplog.text, out.out, out.err, message):
        assert bad not in text and world.hubspot_token not in text
    await hub.close()


async def test_a_campaign_that_cannot_be_normalised_goes_to_the_dead_letter_topic(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """One bad object does not stop the page: it is dead-lettered with its error, the others are produced."""
    load(world, scenario(campaigns=1))
    hub = source(world, plumbing)
    await hub.load()
    good = {"id": guid(1), "properties": {"hs_name": "Fine"}, "updatedAt": "2027-01-04T09:00:00.000Z"}
    bad = {
        "id": guid(2),
        "properties": {"hs_name": "Broken", "hs_start_date": "2027-02-30"},
        "updatedAt": "2027-01-04T09:00:00.000Z",
    }
    assert await hub._produce([good, bad], advance=True) == 1
    letters = await plumbing.records("dlq", 1)
    assert [(d["key"], d["error_type"], d["topic"]) for d in letters] == [
        (guid(2), "ObjectError", "hubspot:/marketing/v3/campaigns")
    ]
    assert "hs_start_date" in letters[0]["error"] and world.hubspot_token not in json.dumps(letters[0])
    assert [r["id"] for r in await plumbing.records("campaigns", 1)] == [guid(1)]
    await hub.close()
