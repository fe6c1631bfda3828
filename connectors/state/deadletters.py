"""Dead letters for vendor objects a source could not turn into records (they never were on a topic)."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from connectors.http.redact import redact
from connectors.state.producer import KafkaSink
from streams.records import DeadLetter

log = logging.getLogger(__name__)


def object_dead_letter(
    origin: str, agent: str, key: str | None, obj: Any, exc: BaseException, now: datetime
) -> DeadLetter:
    """The dead letter for vendor object `obj` (from `origin`, e.g. `jira:/rest/api/3/search/jql`)."""
    return DeadLetter(
        topic=origin,
        partition=-1,
        offset=-1,
        agent=agent,
        error_type=type(exc).__name__,
        error=redact(str(exc))[:2000],
        failed_at=now,
        key=key,
        value=redact(json.dumps(obj, default=str, sort_keys=True))[:100_000],
    )


async def dead_letter(sink: KafkaSink, letter: DeadLetter) -> None:
    log.warning(
        "dead-lettered %s %s in %s: %s: %s", letter.topic, letter.key, letter.agent, letter.error_type, letter.error
    )
    await sink.send("dlq", letter.key or "", letter)


__all__ = ["dead_letter", "object_dead_letter"]
