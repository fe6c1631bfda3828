"""The write log: every mutating request a client made to a sandbox, in order, with its outcome."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Write:
    """One mutating request (POST/PUT/PATCH/DELETE) as a sandbox received it."""

    system: str
    method: str
    path: str
    query: str
    body: Any
    """Parsed JSON when the body was JSON, else its text ("" when empty)."""
    at: datetime
    """Sandbox-clock time the request arrived."""
    status: int
    """HTTP status the sandbox answered."""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (for the control plane and reports)."""
        return {
            "system": self.system,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "body": self.body,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "status": self.status,
        }


class WriteLog:
    """Append-only, thread-safe list of writes; `entries(since)` reads from an index on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[Write] = []

    def record(self, write: Write) -> None:
        with self._lock:
            self._entries.append(write)

    def entries(self, since: int = 0) -> list[Write]:
        if since < 0:
            raise ValueError("since must be >= 0")
        with self._lock:
            return list(self._entries[since:])

    def clear(self) -> None:
        """Forget everything (a new scenario starts a new history)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


__all__ = ["Write", "WriteLog"]
