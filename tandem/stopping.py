"""Stopping a long-running command on Ctrl-C or SIGTERM, even where it was started with SIGINT ignored (a
background job of a non-interactive shell inherits that, and Python then never raises KeyboardInterrupt)."""

from __future__ import annotations

import asyncio
import signal

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def until_stopped() -> signal.Signals:
    """Wait until this process gets SIGINT or SIGTERM; the signal that came."""
    loop = asyncio.get_running_loop()
    came: asyncio.Future[signal.Signals] = loop.create_future()

    def stop(signum: signal.Signals) -> None:
        if not came.done():
            came.set_result(signum)

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop, signum)
    try:
        return await came
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
