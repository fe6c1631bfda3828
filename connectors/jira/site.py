"""What every Jira client of one site and account shares in a worker: Tandem's recent writes (for
`reconcileIssues`), per-issue write pauses, and the issue ids seen.

Jira's search is eventually consistent: writes made through any `JiraApi` of one site and account are
remembered (`Site.wrote`) for `TANDEM_JIRA_READ_AFTER_WRITE_SECONDS`, and `reconcile_ids()` gives their issue
ids for the `reconcileIssues` parameter of `search/jql` (at most 50).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from connectors.http.caller import PerLoop


@dataclass
class Site:
    """One Jira site and account in this process: the issues Tandem wrote lately, per-issue write pauses,
    and the ids of issues seen (keys → ids, for `reconcileIssues`)."""

    _shared: ClassVar[PerLoop[Site]] = PerLoop()
    _lock: ClassVar[threading.Lock] = threading.Lock()

    read_after_write: float = 300.0
    written: dict[str, float] = field(default_factory=dict)
    """issue key → monotonic time of Tandem's latest write to it."""
    paused: dict[str, float] = field(default_factory=dict)
    """issue key or id → monotonic time before which no write goes to it."""
    ids: dict[str, str] = field(default_factory=dict)

    @classmethod
    def shared(cls, key: str, read_after_write: float) -> Site:
        """The site of app `key` in this event loop (keyed by loop like `Budget.shared`, whose budget it
        accompanies)."""
        with cls._lock:
            found = cls._shared.get(key, lambda: cls(read_after_write))
            found.read_after_write = read_after_write
            return found

    def wrote(self, key: str) -> None:
        self.written[key.upper()] = time.monotonic()

    def recent(self) -> list[str]:
        """Keys Tandem wrote within the read-after-write window, newest first (expired ones are forgotten)."""
        horizon = time.monotonic() - self.read_after_write
        for key in [k for k, at in self.written.items() if at < horizon]:
            del self.written[key]
        return [key for key, _ in sorted(self.written.items(), key=lambda pair: -pair[1])]

    def forget(self, key: str) -> None:
        self.written.pop(key.upper(), None)
        self.ids.pop(key.upper(), None)

    def learn(self, issues: Iterable[Mapping[str, Any]]) -> None:
        for issue in issues:
            key, ident = issue.get("key"), issue.get("id")
            if isinstance(key, str) and ident is not None:
                self.ids[key.upper()] = str(ident)

    def pause(self, issue: str, seconds: float) -> None:
        until = time.monotonic() + max(0.0, seconds)
        self.paused[issue.upper()] = max(self.paused.get(issue.upper(), 0.0), until)

    def pause_left(self, issue: str) -> float:
        names = {issue.upper()}
        ident = self.ids.get(issue.upper())
        if ident is not None:
            names.add(ident)
        until = max((self.paused.get(name, 0.0) for name in names), default=0.0)
        return max(0.0, until - time.monotonic())


__all__ = ["Site"]
