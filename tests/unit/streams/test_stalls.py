"""A partition whose next record never reached its agent is read again; a busy or moving one is left alone."""

from __future__ import annotations

import asyncio

from streams.stalls import STALL_SECONDS, Look, handing, handing_on, stalled

LOST = Look(committed=41, end=42, read=41, busy=False)


def test_a_record_fetched_but_never_processed_for_the_stall_time_is_a_stall() -> None:
    assert stalled(LOST, STALL_SECONDS)


def test_not_before_the_stall_time() -> None:
    assert not stalled(LOST, STALL_SECONDS - 1)


def test_a_partition_with_a_record_queued_or_in_flight_is_no_stall() -> None:
    busy = Look(committed=41, end=42, read=41, busy=True)
    assert not stalled(busy, STALL_SECONDS * 10)


def test_records_lost_before_acked_ones_are_a_stall() -> None:
    """The SIGTERM chaos test's `ticks[3]`: 73-81 never reached the agent, 82-96 were processed and acked, and
    Faust holds them back from the commit behind the hole."""
    hole = Look(committed=73, end=97, read=96, busy=False, acked=tuple(range(82, 97)))
    assert stalled(hole, STALL_SECONDS)


def test_a_next_record_acked_and_awaiting_its_commit_is_no_stall() -> None:
    acked = Look(committed=41, end=43, read=42, busy=False, acked=(41, 42))
    assert not stalled(acked, STALL_SECONDS * 10)


def test_a_partition_whose_next_record_was_not_fetched_yet_is_no_stall() -> None:
    behind = Look(committed=41, end=50, read=40, busy=False)
    assert not stalled(behind, STALL_SECONDS * 10)


def test_a_partition_committed_to_its_end_is_no_stall() -> None:
    done = Look(committed=42, end=42, read=41, busy=False)
    assert not stalled(done, STALL_SECONDS * 10)


def test_a_partition_never_committed_is_left_to_faust() -> None:
    fresh = Look(committed=None, end=3, read=2, busy=False)
    assert not stalled(fresh, STALL_SECONDS * 10)


def test_a_partition_just_sought_to_its_committed_offset_is_no_stall_while_the_worker_has_work_on_hand() -> None:
    """A seek leaves the last read at the committed offset before anything is fetched; under a backlog the
    record is on its way behind the others (a worker loading 100,000 records sought back every few seconds)."""
    loaded = Look(committed=41, end=900, read=41, busy=False, working=True)
    assert not stalled(loaded, 60.0)


def test_a_later_record_handed_on_proves_the_next_one_lost_even_while_the_worker_has_work_on_hand() -> None:
    hole = Look(committed=73, end=97, read=96, busy=False, acked=tuple(range(82, 97)), working=True)
    assert stalled(hole, 11.0)


def test_records_acked_and_being_committed_are_no_stall() -> None:
    """Faust takes the offsets it commits out of the acked ones, then waits for the producer to send what
    those records wrote (28 s once, under a load of 100,000 records) before the committed offset moves."""
    committing = Look(committed=14, end=1285, read=180, busy=False, working=True, committing=True)
    assert not stalled(committing, 60.0)


async def test_the_record_being_handed_on_is_known_until_the_hand_off_ends_or_is_cancelled() -> None:
    """The fetcher waits inside Faust's callback for room in a full queue or for the producer to drain, with
    every agent idle: the watchdog must see that as work on hand. Faust cancels a hand-off when the flow is
    suspended, which must not leave the record marked."""
    room = asyncio.Event()

    async def to_the_queues(message: object) -> None:
        await room.wait()

    hand_on = handing_on(to_the_queues)
    waiting = asyncio.create_task(hand_on("record 41"))
    await asyncio.sleep(0)
    assert handing() == "record 41"
    room.set()
    await waiting
    assert handing() is None
    room.clear()
    cancelled = asyncio.create_task(hand_on("record 42"))
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.gather(cancelled, return_exceptions=True)
    assert handing() is None
