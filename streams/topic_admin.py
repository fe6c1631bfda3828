"""Creates Tandem's topics with their declared partitions before anything reads or writes them.

Faust creates only the topics it owns (changelogs); the broker refuses to auto-create the rest, so a
typo cannot create a topic. An existing topic with another partition count would break co-partitioning
of tables and their sources, so it is a `FatalError` naming the topic and the setting.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from streams.errors import FatalError

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36


async def ensure_topics(
    bootstrap_servers: str,
    wanted: Mapping[str, int],
    replication: int = 1,
    configs: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    """Create the topics in `wanted` (name → partitions) that are missing, with their `configs` (name →
    topic config, e.g. compaction); return the ones created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=30000)
    await admin.start()
    try:
        existing = {
            topic["topic"]: len(topic["partitions"])
            for topic in await admin.describe_topics(list(wanted))
            if topic["error_code"] == 0
        }
        for name, partitions in existing.items():
            if partitions != wanted[name]:
                raise FatalError(
                    f"topic {name} has {partitions} partitions but TANDEM_PARTITIONS is {wanted[name]}: "
                    "set TANDEM_PARTITIONS to match, or use a new TANDEM_TOPIC_PREFIX"
                )
        missing = [name for name in wanted if name not in existing]
        if missing:
            response = await admin.create_topics([NewTopic(name, wanted[name], replication) for name in missing])
            for name, code, *rest in response.topic_errors:
                if code not in (0, TOPIC_ALREADY_EXISTS):
                    message = rest[0] if rest else ""
                    raise FatalError(f"could not create topic {name}: error {code} {message}")
            log.info("created topics %s", ", ".join(missing))
        return missing
    finally:
        await admin.close()


async def partition_counts(bootstrap_servers: str, topics: list[str]) -> dict[str, int]:
    """Partitions of each existing topic among `topics` (missing topics are left out)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=30000)
    await admin.start()
    try:
        return {
            topic["topic"]: len(topic["partitions"])
            for topic in await admin.describe_topics(topics)
            if topic["error_code"] == 0
        }
    finally:
        await admin.close()
