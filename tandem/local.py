"""Starting what is missing on this machine: the one path `tandem replay` and `tandem demo` share to get a
Kafka broker, and the one-line answer every command that needs a broker gives when there is none.

A broker is found in this order: `KAFKA_BOOTSTRAP_SERVERS` (the user's own); the local broker of
`tandem kafka start`, when it runs and answers; otherwise one of the run's own, started under the run's
directory on free ports and stopped when the run ends. The launcher's calls block (they wait for the
broker with their own event loop), so they run in a thread here and never inside the caller's loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path

import click

from tandem.kafka.launcher import LocalKafka, broker_answers
from tandem.settings import Settings, get_settings
from tandem.worker_process import free_port


def no_broker_message(bootstrap: str) -> str:
    return f"no broker at {bootstrap}: start one with `tandem kafka start` or set KAFKA_BOOTSTRAP_SERVERS"


def require_broker(settings: Settings | None = None, timeout: float = 5.0) -> str:
    """The broker's address, or a one-line `ClickException` saying how to get one."""
    bootstrap = (settings or get_settings()).bootstrap_servers
    if not broker_answers(bootstrap, timeout):
        raise click.ClickException(no_broker_message(bootstrap))
    return bootstrap


async def broker_for_run(
    settings: Settings, stack: AsyncExitStack, home: Path, say: Callable[[str], None] = print
) -> str:
    """A broker for a replay or the demo (see the module's docstring); one it starts is stopped by `stack`."""
    if settings.kafka_bootstrap_servers:
        bootstrap = settings.kafka_bootstrap_servers
        if not await asyncio.to_thread(broker_answers, bootstrap):
            raise click.ClickException(f"KAFKA_BOOTSTRAP_SERVERS={bootstrap}, but no broker answers there")
        return bootstrap
    local = LocalKafka.from_settings(settings, say=say)
    if local.status().running and await asyncio.to_thread(broker_answers, local.bootstrap):
        return local.bootstrap
    own = LocalKafka(
        home=home,
        cache_dir=settings.cache_dir,
        port=free_port(),
        controller_port=free_port(),
        heap=settings.kafka_heap,
        say=say,
    )
    await asyncio.to_thread(own.start)
    stack.push_async_callback(asyncio.to_thread, own.stop)
    return own.bootstrap
