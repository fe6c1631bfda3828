"""A partition whose next record was dropped on the way to its agent: found, and read again.

Faust can lose records between the fetcher and the agents while a worker recovers its tables: the fetcher
hands a record on while the flow is suspended (`wait_first(callback, suspend_flow)`), marks it read, and the
record never reaches a queue, or the queues are cleared; when that happens after the seek to the committed
offsets, nothing fetches it again (faust-streaming/faust#596, open). The agent never sees it, nothing after it
in the partition can be committed past it (Faust commits only up to the first offset not acked), and the
record waits for the next rebalance — a notification not delivered, a replay that never turns quiet. The
SIGTERM chaos test caught it twice: `notifications[2]` one record behind, and `ticks[3]` with offsets 73–81
lost while 82–96 were processed, acked and held back from the commit by the hole.

Every `CHECK_SECONDS` each worker looks at the partitions its agents read. A partition is stalled when the
same offset has been next to commit for `STALL_SECONDS`, the fetcher has handed that record on, and it is
nowhere: not acked, no commit under way (Faust takes the offsets it commits out of the acked ones before
the producer has sent what they wrote), and no record of the partition is queued for an agent or being
processed (a record an agent is still working on, say a delivery waiting out a vendor outage, is never taken
for lost). Handed on means a later record of the partition was; when the last one read is the committed
offset itself (where a seek leaves it), only while the worker has nothing else on hand (`stalled`). A stalled
partition is sought back to its committed offset, so the lost records, and the acked ones after them, are
fetched and processed again (at least once, as after a crash; the agents are idempotent).

A partition whose committed offset has not moved for `REPORT_SECONDS` with records behind it is described
once in the log, stalled or not: what the consumer holds of it and where each agent is.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from streams.app import app, settings

log = logging.getLogger(__name__)

CHECK_SECONDS = 5.0
STALL_SECONDS = 10.0
REPORT_SECONDS = 60.0


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
    """A record of it is queued for an agent or being processed."""
    acked: tuple[int, ...] = ()
    """Offsets acked and awaiting their commit."""
    working: bool = False
    """The worker has work on hand: records of any partition queued for an agent or in flight, a record being
    handed on to the queues, or table writes waiting for the producer (the fetcher holds records back until
    those drain)."""
    committing: bool = False
    """A commit is under way: Faust has taken the offsets it commits out of the acked ones, and the committed
    offset moves only once the producer has sent what they wrote (under load, tens of seconds)."""

    @property
    def behind(self) -> bool:
        return self.committed is not None and self.end is not None and self.committed < self.end


def stalled(now: Look, unmoved_for: float) -> bool:
    """Whether a partition whose committed offset has not moved for `unmoved_for` seconds is stalled.

    A later record handed on (read past the committed offset) proves the next one was: records of a partition
    are handed on in order. The last one read being the committed offset itself is no proof, since a seek
    (Faust's on assignment, or this watchdog's) sets it there before anything is fetched: under a backlog the
    record may still be on its way behind the others, so that counts only when the worker has nothing else on
    hand. (Taking it for lost under load made a worker loading 100,000 records seek back every few seconds
    and never commit.)"""
    if unmoved_for < STALL_SECONDS or now.busy or now.committing or not now.behind or now.read is None:
        return False
    assert now.committed is not None
    if now.committed in now.acked:
        return False
    return now.read > now.committed or (now.read == now.committed and not now.working)


class _Handing:
    message: Any = None
    """The record the fetcher is handing to the agents' queues right now (Faust's consumer callback)."""


def handing_on(callback: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
    """Faust's consumer callback, keeping which record it is handing on while it does: it waits there for
    room in a full queue or for the producer to drain, every agent idle, and the records read after it wait
    in the fetcher's batch. Faust cancels a callback the flow was suspended under, which ends the hand-off."""

    async def hand_on(message: Any) -> None:
        _Handing.message = message
        try:
            await callback(message)
        finally:
            _Handing.message = None

    return hand_on


def handing() -> Any:
    """The record being handed on to the agents now, if any."""
    return _Handing.message


class _Watch:
    since: dict[Any, tuple[int | None, float, bool]] = {}
    """By partition: its committed offset, since when it has not moved, whether that was described."""
    paused: tuple[float, bool] | None = None
    """Since when the consumer has been paused (a rebalance, a recovery), and whether that was told."""


def queued_partitions(topic: str) -> set[Any] | None:
    """The partitions of `topic` with an event queued for an agent; None when a queue cannot be looked into."""
    found: set[Any] = set()
    for channel in getattr(app.topics, "_topic_name_index", {}).get(topic) or ():
        events: Iterable[Any] | None = getattr(channel.queue, "_queue", None)
        if events is None:
            if not channel.queue.empty():
                return None
            continue
        found.update(getattr(getattr(event, "message", None), "tp", None) for event in list(events))
    return found


def look_at(consumer: Any, tp: Any, busy: bool, working: bool, committing: bool) -> Look:
    return Look(
        consumer._committed_offset.get(tp),
        consumer.highwater(tp),
        consumer._read_offset.get(tp),
        busy,
        tuple(consumer._acked.get(tp) or ()),
        working,
        committing,
    )


def describe(tp: Any, now: Look, unmoved_for: float) -> None:
    log.warning(
        "%s[%d]: nothing committed for %.0f s (next to commit %s, end %s, last read %s, a record queued or being "
        "processed: %s, acked awaiting the commit: %s)\n%s",
        tp.topic,
        tp.partition,
        unmoved_for,
        now.committed,
        now.end,
        now.read,
        now.busy,
        list(now.acked[:20]),
        app.agents.human_tracebacks(),
    )


def paused() -> None:
    """Keep since when the consumer has been paused, and tell it once when that lasts."""
    since, told = _Watch.paused or (app.loop.time(), False)
    if not told and app.loop.time() - since >= REPORT_SECONDS:
        log.warning(
            "the consumer has been paused for %.0f s (rebalancing: %s)", app.loop.time() - since, app.rebalancing
        )
        told = True
    _Watch.paused = (since, told)


@app.timer(interval=CHECK_SECONDS)
async def unstall() -> None:
    consumer: Any = app.consumer  # its offsets and in-flight messages are Faust internals
    if app.rebalancing or not app.flow_control.is_active():
        _Watch.since.clear()
        paused()
        return
    _Watch.paused = None
    queued = {name: queued_partitions(name) for name, _ in app.agent_topics(settings.partitions)}
    in_flight = {message.tp for message in list(consumer._unacked_messages) if not message.acked}
    # Work on hand: records queued for or held by an agent, a record being handed on, or table writes waiting
    # for the producer (the fetcher holds the next record back until they drain, every agent idle meanwhile).
    buffered = getattr(getattr(app.producer, "buffer", None), "size", 0)
    working = bool(in_flight or buffered or handing() is not None) or any(
        waiting is None or waiting for waiting in queued.values()
    )
    committing = getattr(consumer, "_commit_fut", None) is not None
    at = app.loop.time()
    for tp in consumer.assignment():
        if tp.topic not in queued:
            continue
        waiting = queued[tp.topic]
        try:
            now = look_at(consumer, tp, waiting is None or tp in waiting or tp in in_flight, working, committing)
        except Exception:  # noqa: BLE001 - a partition revoked meanwhile (aiokafka's IllegalStateError), say
            _Watch.since.pop(tp, None)
            continue
        committed, since, told = _Watch.since.get(tp, (now.committed, at, False))
        if committed != now.committed or not now.behind:
            committed, since, told = now.committed, at, False
        if not told and at - since >= REPORT_SECONDS:
            describe(tp, now, at - since)
            told = True
        _Watch.since[tp] = (committed, since, told)
        if stalled(now, at - since):
            log.warning(
                "%s[%d]: the record at offset %d never reached its agent (Faust dropped it while recovering; last "
                "read %d, end %s); reading the partition again from there",
                tp.topic,
                tp.partition,
                now.committed,
                now.read,
                now.end,
            )
            await consumer.seek(tp, now.committed)
            _Watch.since.pop(tp, None)


__all__ = ["CHECK_SECONDS", "REPORT_SECONDS", "STALL_SECONDS", "Look", "handing", "handing_on", "stalled"]
