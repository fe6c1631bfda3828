"""A real Apache Kafka broker for the test session, started by the project's own launcher.

Unless `KAFKA_BOOTSTRAP_SERVERS` names a broker, one single-node KRaft broker is started on free ports
in a temporary directory (jars from the per-user cache, resolved once) and stopped at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tandem.kafka.launcher import LocalKafka
from tandem.settings import load_settings
from tandem.worker_process import free_port


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`host:port` of a real Kafka 4 broker."""
    given = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if given:
        yield given
        return
    broker = LocalKafka(
        home=tmp_path_factory.mktemp("kafka"),
        cache_dir=load_settings().cache_dir,
        port=free_port(),
        controller_port=free_port(),
        say=lambda line: None,
    )
    broker.start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()
