"""One line per cause, not thousands: a log filter that lets a repeated message through once per window.

While the broker is away, aiokafka logs "Unable connect to node with id 1: ..." for every attempt of every
client — 58,000 lines in a 42 s outage (the broker-restart chaos test). The filter keys a record by its logger,
its message template and its first argument (the node), lets the first through, drops the repeats for
`window` seconds, and adds to the next one it lets through how many it dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

WINDOW_SECONDS = 30.0
NOISY = {"aiokafka.client": ("Unable connect to node with id %s: %s",)}
"""The loggers whose messages (by template) come in storms, and are filtered."""


class Repeats(logging.Filter):
    def __init__(
        self, templates: tuple[str, ...], window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.templates = templates
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg not in self.templates:
            return True
        first = str(record.args[0]) if isinstance(record.args, tuple) and record.args else ""
        key = (record.name, str(record.msg), first)
        now = self.clock()
        with self._lock:
            since, dropped = self._seen.get(key, (-self.window - 1.0, 0))
            if now - since < self.window:
                self._seen[key] = (since, dropped + 1)
                return False
            self._seen[key] = (now, 0)
        if dropped:
            record.msg = f"{record.msg} ({dropped} more like it in the last {self.window:.0f} s not shown)"
        return True


def install() -> None:
    """Filter the noisy loggers of this process (idempotent)."""
    for name, templates in NOISY.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, Repeats) for f in logger.filters):
            logger.addFilter(Repeats(templates))


__all__ = ["NOISY", "Repeats", "install"]
