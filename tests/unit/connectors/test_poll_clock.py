"""When the leader polls a source: at once, then every poll interval."""

from __future__ import annotations

from connectors.polling import PollClock


def test_a_fresh_worker_polls_at_once() -> None:
    """Faust timers first fire one interval after start: a fresh worker sat idle for a minute before its backfill."""
    assert PollClock().due("jira", 60.0, now=1000.0)


def test_the_next_poll_waits_for_the_interval() -> None:
    clock = PollClock()
    clock.due("jira", 60.0, now=1000.0)
    assert not clock.due("jira", 60.0, now=1059.9)
    assert clock.due("jira", 60.0, now=1060.0)


def test_each_source_keeps_its_own_interval() -> None:
    clock = PollClock()
    clock.due("jira", 60.0, now=1000.0)
    assert clock.due("hubspot", 60.0, now=1001.0)
