"""The receivers' pure rules: the JSON depth bound and the Jira replay window."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from connectors.webhooks.intake import MAX_DEPTH, Intake, TooDeep, depth, parse_json, replay_refusal

NOW = datetime(2027, 1, 4, 12, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


def intake(*, speed: float = 1.0, window: float = 300.0) -> Intake:
    return Intake(None, None, "s", "s", clock=lambda: NOW, clock_speed=speed, jira_max_age_seconds=window)  # type: ignore[arg-type]


def test_depth_counts_arrays_and_objects_not_brackets_in_strings() -> None:
    assert depth(json.loads('{"a": [1, {"b": "[[[[{{{{"}]}')) == 3
    assert depth(3) == 0 and depth([]) == 1 and depth({}) == 1


def test_json_nested_deeper_than_the_bound_is_refused_with_a_clear_message() -> None:
    assert parse_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    for levels in (MAX_DEPTH + 1, 100_000):  # the latter past the decoder's own recursion limit
        with pytest.raises(TooDeep, match=f"JSON nested deeper than {MAX_DEPTH} levels"):
            parse_json(b"[" * levels + b"]" * levels)


def test_nan_and_infinity_are_not_json() -> None:
    for text in (b'{"timestamp": NaN}', b"[Infinity]", b"[-Infinity]"):
        with pytest.raises(ValueError, match="is not JSON"):
            parse_json(text)


def test_a_body_that_is_not_strict_utf8_is_not_json() -> None:
    """JSON between systems is UTF-8 (RFC 8259 §8.1); Python's `json.loads` on bytes would accept a
    UTF-8-encoded surrogate (found by the fuzz test: a signed Jira body with `\xed\xa0\x80` got a 200)."""
    for body in (b'{"a": "x\xed\xa0\x80y"}', b'{"a": "\xff"}', '{"a": 1}'.encode("utf-16")):
        with pytest.raises(ValueError):
            parse_json(body)


def test_the_replay_window_holds_both_ways() -> None:
    assert replay_refusal(intake(), NOW_MS - 299_000) is None
    assert replay_refusal(intake(), NOW_MS + 299_000) is None
    old = replay_refusal(intake(), NOW_MS - 301_000)
    assert old is not None and "301 s old, outside the 300 s replay window" in old
    future = replay_refusal(intake(), NOW_MS + 3_600_000)
    assert future is not None and "3600 s in the future" in future
    assert replay_refusal(intake(window=3600), NOW_MS - 3_000_000) is None


def test_the_replay_window_is_in_wall_seconds_on_a_fast_scenario_clock() -> None:
    """`tandem demo` runs a scenario day in ~20 wall seconds (4320 clock s per wall s), and the Jira sandbox
    stamps deliveries by that clock: one stamped 1 wall second ago is 72 scenario minutes old, and fresh."""
    assert replay_refusal(intake(speed=4320), NOW_MS - 4320 * 1000) is None
    assert replay_refusal(intake(speed=4320), NOW_MS - 4320 * 301 * 1000) is not None


def test_a_timestamp_that_is_not_a_number_is_left_to_the_shape_check() -> None:
    for stamp in (None, "yesterday", True, float("nan")):
        assert replay_refusal(intake(), stamp) is None
