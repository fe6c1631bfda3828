"""The dead-letter path: a record an agent cannot process goes to `tandem.dlq` with its error and origin,
and the broker has acknowledged it before the agent moves on (and so before the offset is committed).

Retriable failures are tried again with exponential backoff first (a vendor that is down, for as long as
`TANDEM_OUTAGE_PATIENCE_SECONDS`: `connectors.http.outage`); anything else is dead-lettered at once.
Nothing escapes: the stream goes on with the next record. The error and the value are redacted
(`connectors.http.redact`): an exception's text may quote a request with its credentials.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from tenacity import AsyncRetrying, retry_if_exception_type

from connectors.http.outage import give_up, pause
from connectors.http.redact import redact
from streams import topics
from streams.app import settings
from streams.errors import RetriableError
from streams.records import DeadLetter

log = logging.getLogger(__name__)

RETRY_ATTEMPTS = 5


def _text(raw: bytes | None) -> tuple[str | None, str | None]:
    """Raw bytes as (text, None) when they are UTF-8, else (None, base64)."""
    if raw is None:
        return None, None
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, base64.b64encode(raw).decode("ascii")


def dead_letter_for(message: Any, agent: str, exc: BaseException, now: datetime) -> DeadLetter:
    """The dead-letter record for a Kafka message that `agent` failed to process with `exc`."""
    key, _ = _text(message.key)
    value, value_base64 = _text(message.value)
    if value is not None:
        value = redact(value)
    return DeadLetter(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        agent=agent,
        error_type=type(exc).__name__,
        error=redact(str(exc))[:2000],
        failed_at=now,
        key=key,
        value=value,
        value_base64=value_base64,
    )


async def send_to_dlq(message: Any, agent: str, exc: BaseException) -> None:
    """Produce the dead letter and wait until the broker has it."""
    letter = dead_letter_for(message, agent, exc, datetime.now(UTC))
    log.warning(
        "dead-lettered %s[%s]@%s in %s: %s: %s",
        letter.topic,
        letter.partition,
        letter.offset,
        agent,
        letter.error_type,
        letter.error,
    )
    delivery = await topics.dlq.send(key=letter.key, value=letter)
    await delivery


async def process(event: Any, agent: str, handle: Callable[[Any], Awaitable[None]]) -> bool:
    """Run `handle(event)`; on failure dead-letter the event's message. True when it was handled."""
    try:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(RetriableError),
            stop=give_up(RETRY_ATTEMPTS, settings.outage_patience_seconds, agent),
            wait=pause(multiplier=0.2, short_max=10.0),
            reraise=True,
        ):
            with attempt:
                await handle(event)
        return True
    except Exception as exc:  # noqa: BLE001 - exceptions never escape an agent: they go to the DLQ
        await send_to_dlq(event.message, agent, exc)
        return False
