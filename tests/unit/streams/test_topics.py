"""Every topic is created with its partitions and, for the compacted ones, how long they keep records."""

from __future__ import annotations

from streams import topics
from streams.app import topic_config


def test_the_goals_as_they_stand_are_compacted_and_kept_for_good() -> None:
    assert topic_config(topics.goals) == {"cleanup.policy": "compact"}


def test_the_dashboards_history_is_compacted_and_bounded_in_time() -> None:
    for topic in (topics.goal_history, topics.deliveries):
        assert topic_config(topic) == {"cleanup.policy": "compact,delete", "retention.ms": str(400 * 86400 * 1000)}


def test_every_topic_the_dashboard_reads_is_created_by_the_worker() -> None:
    from streams.web.readmodel import TOPICS

    created = {topic.get_topic_name() for topic in topics.ALL}
    assert {topics.settings.topic(name) for name in TOPICS} <= created


def test_every_topic_an_agent_reads_is_created_before_the_consumer_subscribes() -> None:
    """A topic created after the consumer subscribed is seen at the next metadata refresh only, minutes on:
    the connectors' `jira-events` was, and webhook-driven changes waited for the next poll meanwhile."""
    import importlib

    from streams.app import AUTODISCOVER, app

    for module in AUTODISCOVER:
        importlib.import_module(module)
    names = {name for name, _ in app.agent_topics(topics.settings.partitions)}
    assert topics.settings.topic("jira-events") in names


def test_no_topic_is_read_by_two_agents() -> None:
    """Faust acks a record several agents read only when every one has taken it, and a stop or a rebalance
    drops what is still queued for the others: the shared `ticks` record was left half-acked, and the worker
    waited for it (`wait_empty`) on SIGTERM until it was killed. So each clock reader has its own topic."""
    import importlib
    from collections import Counter

    from streams.app import AUTODISCOVER, app

    for module in AUTODISCOVER:
        importlib.import_module(module)
    readers = Counter(name for name, _ in app.agent_topics(topics.settings.partitions))
    assert [name for name, count in readers.items() if count > 1] == []
    assert {topic.get_topic_name() for topic in topics.CLOCK} <= set(readers)


def test_the_replayer_ticks_every_clock_topic() -> None:
    from streams.records import TICK_TOPICS

    assert {topics.settings.topic(name) for name in TICK_TOPICS} == {t.get_topic_name() for t in topics.CLOCK}


def test_the_leader_topic_the_worker_makes_up_front_is_the_one_faust_elects_its_leader_by() -> None:
    """Faust made it while starting; a consumer that subscribed before the broker's metadata showed it got no
    leader partition, so no worker polled or ticked until a metadata refresh (a fresh demo showed no goal)."""
    from streams.app import app

    assert app.leader_topic_name() == app._leader_assignor._leader_topic_name
