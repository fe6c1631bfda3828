"""The clock of live mode: ticks on the clock topics (`ticks`, `delivery-ticks`, `digest-ticks`), one per
partition (docs/rules.md).

The leader reads the clock here (the wall clock, or `tandem demo`'s scenario clock) and sends a tick every
`TANDEM_TICK_SECONDS`, and at once whenever a source finishes its first full sync (so rules may start
judging). In replay mode the replayer sends the ticks from the scenario clock instead.
"""

from __future__ import annotations

import logging
from datetime import datetime

from streams import topics
from streams.app import app, settings
from streams.records import Tick
from tandem.clock import clock_for, speed_of

log = logging.getLogger(__name__)

NOW = clock_for(settings)
CHECK_SECONDS = min(0.25, settings.tick_seconds / speed_of(settings))
"""Wall seconds between two looks at the clock: a source that finishes its first sync is told to the rules
within a quarter of a second (a scenario clock runs faster than the wall)."""


def ticks_for(now: datetime, partitions: int, *, hubspot_synced: bool, jira_synced: bool) -> list[Tick]:
    """One tick per partition."""
    return [
        Tick(now=now, partition=p, hubspot_synced=hubspot_synced, jira_synced=jira_synced) for p in range(partitions)
    ]


def tick_due(last: datetime | None, now: datetime, flags: tuple[bool, bool], last_flags: tuple[bool, bool]) -> bool:
    """A tick is due every `tick_seconds`, and as soon as a source's sync state changes."""
    return last is None or flags != last_flags or (now - last).total_seconds() >= settings.tick_seconds


class _Ticker:
    last: datetime | None = None
    last_flags: tuple[bool, bool] = (False, False)


_ticker = _Ticker()


@app.timer(interval=CHECK_SECONDS, on_leader=True)
async def live_clock() -> None:
    if settings.mode != "live":
        return
    from connectors.status import status

    now = NOW()
    flags = (status.hubspot_synced, status.jira_synced)
    if not tick_due(_ticker.last, now, flags, _ticker.last_flags):
        return
    for tick in ticks_for(now, settings.partitions, hubspot_synced=flags[0], jira_synced=flags[1]):
        for topic in topics.CLOCK:
            await topic.send(key=str(tick.partition), partition=tick.partition, value=tick)
    _ticker.last, _ticker.last_flags = now, flags
    log.info(
        "tick %s to %d partitions (hubspot synced: %s, jira synced: %s)", now.isoformat(), settings.partitions, *flags
    )
