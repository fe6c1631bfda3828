"""A partition whose next record never reached its agent is read again; a busy or moving one is left alone."""

from __future__ import annotations

from streams.stalls import STALL_SECONDS, Look, stalled

LOST = Look(committed=41, end=42, read=41, busy=False)


def test_a_record_fetched_but_never_processed_for_the_stall_time_is_a_stall() -> None:
    assert stalled(LOST, LOST, STALL_SECONDS)


def test_not_before_the_stall_time() -> None:
    assert not stalled(LOST, LOST, STALL_SECONDS - 1)


def test_a_partition_that_moved_meanwhile_is_no_stall() -> None:
    moved = Look(committed=42, end=43, read=42, busy=False)
    assert not stalled(LOST, moved, STALL_SECONDS)


def test_a_partition_with_a_record_queued_or_in_flight_is_no_stall() -> None:
    busy = Look(committed=41, end=42, read=41, busy=True)
    assert not stalled(busy, busy, STALL_SECONDS * 10)


def test_a_partition_not_fetched_to_its_end_is_no_stall() -> None:
    behind = Look(committed=41, end=50, read=45, busy=False)
    assert not stalled(behind, behind, STALL_SECONDS * 10)


def test_a_partition_committed_to_its_end_is_no_stall() -> None:
    done = Look(committed=42, end=42, read=41, busy=False)
    assert not stalled(done, done, STALL_SECONDS * 10)


def test_a_partition_never_committed_is_left_to_faust() -> None:
    fresh = Look(committed=None, end=3, read=2, busy=False)
    assert not stalled(fresh, fresh, STALL_SECONDS * 10)
