"""A HubSpot task or note whose answer never came may exist: it is not created a second time (a task is
looked for by its marker; a note, which cannot be, is left unsure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.http.errors import WriteUnsure
from connectors.hubspot.api import HubSpotApi
from connectors.hubspot.sink import HubSpotSink
from tests.integration.connectors.support import Plumbing, faults, load, scenario, settings_for
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration
AT = datetime(2027, 2, 1, tzinfo=UTC)


def created(world: Sandboxes, path: str) -> int:
    """Writes the sandbox carried out (answered 2xx, or would have: a held reply is logged with its status)."""
    _, found = world.control("GET", "/_sandbox/writes")
    return sum(1 for w in found if w["method"] == "POST" and w["path"] == path and w["status"] < 300)


async def test_a_task_whose_answer_times_out_is_looked_for_and_not_created_again(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """HubSpot's task creation (`POST /crm/v3/objects/tasks`, https://developers.hubspot.com/docs/api/crm/tasks)
    takes no idempotency key, so after a timeout nothing in the answer tells whether the task exists; a blind
    retry (eight attempts) could give the owner eight copies. The task carries its key's marker, and before the
    resend the sink searches the owner's tasks with that subject (CRM search) and finds the first."""
    load(world, scenario(campaigns=1))
    hub = HubSpotApi(settings_for(world, plumbing.bootstrap, plumbing.prefix, http_timeout_seconds=1.0))
    before = created(world, "/crm/v3/objects/tasks")
    faults(world, "hubspot", write_reply_delay_ms=3_000)  # HubSpot creates the task; its answer is lost
    try:
        task = await HubSpotSink(hub).create_task(
            "100", "Blocked: WEB-7", "WEB-7 waits for review", AT, idempotency_key="alert:c1:blocked:1"
        )
    finally:
        faults(world, "hubspot", write_reply_delay_ms=0)
    assert created(world, "/crm/v3/objects/tasks") - before == 1
    assert hub.caller.looked_and_found == 1 and task["properties"]["hs_task_subject"] == "Blocked: WEB-7"
    hub.close()


async def test_a_task_sent_again_after_a_crash_is_found_and_not_created_twice(
    world: Sandboxes, plumbing: Plumbing
) -> None:
    """A delivery interrupted after the POST (the worker killed) sends the task again on restart: the sink looks
    for its marker first, so the owner still has one task."""
    load(world, scenario(campaigns=1))
    hub = HubSpotApi(settings_for(world, plumbing.bootstrap, plumbing.prefix))
    sink = HubSpotSink(hub)
    before = created(world, "/crm/v3/objects/tasks")
    first = await sink.create_task("100", "Blocked: WEB-8", "WEB-8 waits", AT, idempotency_key="alert:c1:blocked:2")
    again = await sink.create_task("100", "Blocked: WEB-8", "WEB-8 waits", AT, idempotency_key="alert:c1:blocked:2")
    other = await sink.create_task("100", "Blocked: WEB-8", "WEB-8 waits", AT, idempotency_key="alert:c1:blocked:3")
    assert again["id"] == first["id"] and other["id"] != first["id"]
    assert created(world, "/crm/v3/objects/tasks") - before == 2
    hub.close()


async def test_a_task_without_a_key_whose_answer_times_out_is_unsure(world: Sandboxes, plumbing: Plumbing) -> None:
    """Without a key there is nothing to look for: sent once, and `WriteUnsure` says it may exist."""
    load(world, scenario(campaigns=1))
    hub = HubSpotApi(settings_for(world, plumbing.bootstrap, plumbing.prefix, http_timeout_seconds=1.0))
    before = created(world, "/crm/v3/objects/tasks")
    faults(world, "hubspot", write_reply_delay_ms=3_000)
    try:
        with pytest.raises(WriteUnsure):
            await HubSpotSink(hub).create_task("100", "Blocked: WEB-7", "WEB-7 waits for review", AT)
    finally:
        faults(world, "hubspot", write_reply_delay_ms=0)
    assert created(world, "/crm/v3/objects/tasks") - before == 1
    hub.close()


async def test_a_task_refused_with_429_is_sent_again(world: Sandboxes, plumbing: Plumbing) -> None:
    """A 429 means HubSpot did not carry the request out (https://developers.hubspot.com/docs/api/usage-details):
    waiting and sending it again cannot duplicate it."""
    load(world, scenario(campaigns=1))
    hub = HubSpotApi(settings_for(world, plumbing.bootstrap, plumbing.prefix, http_max_backoff_seconds=0.5))
    before = created(world, "/crm/v3/objects/tasks")
    faults(world, "hubspot", storm_rate=0.6, seed=7)
    try:
        await HubSpotSink(hub).create_task("100", "Blocked: WEB-7", "WEB-7 waits for review", AT)
    finally:
        faults(world, "hubspot", storm_rate=0.0)
    assert hub.caller.throttled > 0  # the storm did refuse it at least once
    assert created(world, "/crm/v3/objects/tasks") - before == 1
    hub.close()
