"""The incremental cursor: lookback, same-timestamp boundaries, JSON round trip, compact id sets (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.state.idsets import decode_ids, encode_ids
from connectors.state.watermark import Watermark

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def test_objects_sharing_a_timestamp_across_a_page_boundary_are_each_new_once() -> None:
    mark = Watermark(timedelta(minutes=5))
    page_one = [(f"WEB-{n}", T0) for n in range(1, 101)]
    assert all(mark.is_new(i, t) for i, t in page_one)
    mark.record(page_one)
    # the next read starts at the cursor minus the lookback and lists all 150 again
    again = [(f"WEB-{n}", T0) for n in range(1, 151)]
    assert [i for i, t in again if mark.is_new(i, t)] == [f"WEB-{n}" for n in range(101, 151)]


def test_a_newer_version_is_new_and_older_than_the_lookback_is_not() -> None:
    mark = Watermark(timedelta(minutes=5))
    mark.record([("A", T0), ("B", T0 + timedelta(minutes=10))])
    assert mark.is_new("A", T0 + timedelta(minutes=11))
    assert not mark.is_new("C", T0)  # before since - lookback: already covered
    assert mark.is_new("C", T0 + timedelta(minutes=6))
    assert set(mark.seen) == {"B"}  # pruned below the cutoff


def test_the_cursor_survives_json_with_ranges_for_jira_keys() -> None:
    mark = Watermark(timedelta(minutes=5), complete=True, reconciled_at=T0)
    mark.record([(f"WEB-{n}", T0) for n in range(1, 5001)] + [("guid-1", T0)])
    mark.added = {"WEB-1", "WEB-2", "WEB-3"}
    data = mark.to_json()
    assert data["seen"] == {T0.isoformat(): ["WEB-1..5000", "guid-1"]}
    back = Watermark.from_json(data, timedelta(minutes=5))
    assert back.seen == mark.seen and back.since == T0 and back.complete and back.added == mark.added
    assert back.reconciled_at == T0


def test_an_empty_cursor_is_a_backfill() -> None:
    mark = Watermark.from_json(None, timedelta(minutes=1))
    assert mark.since is None and not mark.complete and mark.is_new("X", T0)


def test_id_sets_encode_runs_and_keep_other_ids() -> None:
    ids = {"WEB-1", "WEB-2", "WEB-3", "WEB-7", "APP-10", "APP-11", "0b6e-guid"}
    encoded = encode_ids(ids)
    assert encoded == ["APP-10..11", "WEB-1..3", "WEB-7", "0b6e-guid"]
    assert decode_ids(encoded) == ids
