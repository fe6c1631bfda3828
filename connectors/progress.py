"""What one sync did, and the progress lines a long sync logs while it runs."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass


@dataclass
class SyncResult:
    """Objects fetched from the API, records produced to Kafka, HTTP requests sent, wall seconds taken."""

    fetched: int = 0
    produced: int = 0
    requests: int = 0
    seconds: float = 0.0


class Progress:
    """Logs `what: N fetched, M produced (R/s)` at most every `every` seconds, and a final line."""

    def __init__(self, log: logging.Logger, what: str, every: float = 5.0) -> None:
        self.log = log
        self.what = what
        self.every = every
        self.started = time.monotonic()
        self._last = self.started
        self.fetched = 0
        self.produced = 0

    def add(self, fetched: int, produced: int) -> None:
        self.fetched += fetched
        self.produced += produced
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self._line("progress")

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def done(self) -> None:
        self._line("done")

    def _line(self, stage: str) -> None:
        elapsed = max(self.elapsed(), 1e-6)
        self.log.info(
            "%s %s: %d fetched, %d produced in %.1fs (%.0f objects/s)",
            self.what,
            stage,
            self.fetched,
            self.produced,
            elapsed,
            self.fetched / elapsed,
        )


__all__ = ["Progress", "SyncResult"]
