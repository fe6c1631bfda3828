"""A partition whose next record was dropped on the way to its agent: found, and read again.

Faust can lose a record between the fetcher and the agent while a worker recovers its tables: the fetcher
hands a record to the agents' queues while the flow is suspended (`wait_first(callback, suspend_flow)`), marks
it read, and the queue is cleared; when that happens after the seek to the committed offsets, nothing fetches
it again (faust-streaming/faust#596, open). The agent never sees it, nothing after it in the partition can be
committed past it, and the record waits for the next rebalance — a notification not delivered, a replay
that never turns quiet (the SIGTERM chaos test caught one: `notifications[2]` one record behind for 10 min).

Every `CHECK_SECONDS` each worker looks at the partitions its agents read. A partition is stalled when the
same record has been next to commit for `STALL_SECONDS` although everything up to the partition's end was
fetched, no record of it is queued for an agent, being processed, or acked and awaiting its commit. A stalled
partition is sought back to its committed offset, so the record is fetched and processed again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from streams.app import app, settings

log = logging.getLogger(__name__)

CHECK_SECONDS = 5.0
STALL_SECONDS = 10.0


@dataclass(frozen=True)
class Look:
    """What the consumer says of one partition at one moment."""

    committed: int | None
    """The next offset to commit (Faust's committed offset: the first record not yet committed)."""
    end: int | None
    """The partition's end (highwater): the offset the next record will get."""
    read: int | None
    """The last offset the fetcher handed on."""
    busy: bool
    """A record of it is queued for an agent, being processed, or acked and not yet committed."""


def stalled(first: Look, now: Look, seconds: float) -> bool:
    """Whether a partition looked at twice, `seconds` apart, is stalled (the module says when)."""
    if seconds < STALL_SECONDS or first != now or now.busy:
        return False
    if now.committed is None or now.end is None or now.read is None:
        return False
    return now.committed < now.end and now.read >= now.end - 1


class _Watch:
    seen: dict[Any, tuple[Look, float]] = {}


def look_at(consumer: Any, tp: Any, busy: bool) -> Look:
    busy = busy or bool(consumer._acked.get(tp))
    return Look(consumer._committed_offset.get(tp), consumer.highwater(tp), consumer._read_offset.get(tp), busy)


def queued_for(topic: str) -> bool:
    """Whether an agent's queue holds events, for any channel reading `topic`."""
    channels = getattr(app.topics, "_topic_name_index", {}).get(topic) or ()
    return any(not channel.queue.empty() for channel in channels)


@app.timer(interval=CHECK_SECONDS)
async def unstall() -> None:
    consumer: Any = app.consumer  # its offsets and in-flight messages are Faust internals
    if app.rebalancing or not app.flow_control.is_active():
        _Watch.seen.clear()
        return
    queued = {name: queued_for(name) for name, _ in app.agent_topics(settings.partitions)}
    in_flight = {message.tp for message in list(consumer._unacked_messages)}
    now_seconds = app.loop.time()
    for tp in consumer.assignment():
        if tp.topic not in queued:
            continue
        try:
            now = look_at(consumer, tp, queued[tp.topic] or tp in in_flight)
        except Exception:  # noqa: BLE001 - a partition revoked meanwhile (aiokafka's IllegalStateError), say
            _Watch.seen.pop(tp, None)
            continue
        first, since = _Watch.seen.get(tp, (now, now_seconds))
        if first != now:
            first, since = now, now_seconds
        _Watch.seen[tp] = (first, since)
        if stalled(first, now, now_seconds - since) and now.committed is not None:
            log.warning(
                "%s[%d]: the record at offset %d never reached its agent (Faust dropped it while recovering); "
                "reading the partition again from there",
                tp.topic,
                tp.partition,
                now.committed,
            )
            await consumer.seek(tp, now.committed)
            _Watch.seen.pop(tp, None)


__all__ = ["CHECK_SECONDS", "STALL_SECONDS", "Look", "stalled"]
