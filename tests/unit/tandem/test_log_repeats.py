"""A broker outage logs one "Unable connect" line per node and half minute, not one per attempt."""

from __future__ import annotations

import logging

from tandem.log_repeats import NOISY, Repeats

TEMPLATE = NOISY["aiokafka.client"][0]


def record(node: str, msg: str = TEMPLATE) -> logging.LogRecord:
    return logging.LogRecord("aiokafka.client", logging.ERROR, __file__, 1, msg, (node, "refused"), None)


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_repeat_within_the_window_is_dropped() -> None:
    repeats = Repeats((TEMPLATE,), window=30, clock=Clock())
    assert [repeats.filter(record("1")) for _ in range(3)] == [True, False, False]


def test_after_the_window_the_next_one_says_how_many_were_dropped() -> None:
    clock = Clock()
    repeats = Repeats((TEMPLATE,), window=30, clock=clock)
    for _ in range(5):
        repeats.filter(record("1"))
    clock.now = 31
    shown = record("1")
    assert repeats.filter(shown) is True
    assert shown.getMessage() == "Unable connect to node with id 1: refused (4 more like it in the last 30 s not shown)"


def test_each_node_has_its_own_window() -> None:
    repeats = Repeats((TEMPLATE,), window=30, clock=Clock())
    assert repeats.filter(record("1")) and repeats.filter(record("2"))


def test_other_messages_pass() -> None:
    repeats = Repeats((TEMPLATE,), window=30, clock=Clock())
    other = "Heartbeat failed for group %s: %s"
    assert all(repeats.filter(record("g", other)) for _ in range(3))
