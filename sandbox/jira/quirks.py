"""Jira Cloud behaviours a test can switch, and the search index that makes search eventually consistent.

`JiraQuirks` (one per store, back to its defaults whenever the site is loaded afresh) holds:

- `changelog_created` (`"epoch_ms"`): how `POST changelog/bulkfetch` writes `created`: epoch milliseconds, as
  Jira Cloud sends it; `"iso"` for Jira's `2027-01-04T09:00:00.000+0000` strings (the type the description
  gives); `"epoch_s"` for the seconds of Atlassian's own example.
- `search_lag_seconds` (`0`): an API write (fields, labels, comments) reaches `search/jql` only this many real
  seconds later; until then search shows the issue as it was before (a new issue not at all), unless the
  search names its id in `reconcileIssues`.
- `unindexed` (`[]`): issue keys the search index has lost: every search leaves them out (unless
  reconciled), while `GET issue` still answers.
- `repeat_page_tokens` (`false`): a search (or bulk changelog) page asked with a `nextPageToken` answers the
  same page with the same token again, forever (a Jira bug, or a caching proxy).
- `hidden_projects` (`[]`): projects the API account may not browse: Jira answers as if they did not exist
  (JQL 400, `GET project` 404, `GET issue` 404, left out of searches).
- `rate_limit_headers` (`"enforced"`): how the burst limit answers (`ratelimit.py`): a 429 with
  `Retry-After`; `"reset_only"`: a 429 with `X-RateLimit-Reset` but no `Retry-After`; `"beta"`: not enforced,
  the answer carries `Beta-Retry-After` and `X-Beta-RateLimit-*`.
- `captcha_after_failures` (`3`): consecutive failed basic-auth logins of one account after which Jira wants
  a CAPTCHA: every request of that account, right token or not, gets a 403 with
  `X-Authentication-Denied-Reason` until someone logs in in a browser (`POST /_sandbox/jira/browser-login`);
  `null` switches it off.

Control routes: `GET /_sandbox/jira/quirks`, `PUT /_sandbox/jira/quirks` (the switches to change, as JSON; an
unknown switch is a 400 naming it), `DELETE /_sandbox/jira/quirks` (all back to the defaults), and
`POST /_sandbox/jira/browser-login` (`{"email": ...}`; without one, every account) clears a CAPTCHA.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from sandbox.jira.model import Issue

ChangelogTime = Literal["epoch_ms", "epoch_s", "iso"]
CHANGELOG_TIMES = ("epoch_ms", "epoch_s", "iso")
RateLimitHeaders = Literal["enforced", "reset_only", "beta"]
RATE_LIMIT_HEADERS = ("enforced", "reset_only", "beta")


@dataclass
class JiraQuirks:
    changelog_created: ChangelogTime = "epoch_ms"
    search_lag_seconds: float = 0.0
    unindexed: set[str] = field(default_factory=set)
    repeat_page_tokens: bool = False
    hidden_projects: set[str] = field(default_factory=set)
    rate_limit_headers: RateLimitHeaders = "enforced"
    captcha_after_failures: int | None = 3

    def update(self, data: Any) -> None:
        """Change the switches named in `data` (the control route's JSON); ValueError names a bad one."""
        if not isinstance(data, dict):
            raise ValueError("the quirks are a JSON object of switches")
        known = {f.name for f in fields(self)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown Jira quirk(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        changes: dict[str, Any] = {}
        for name, value in data.items():
            changes[name] = _checked(name, value)
        for name, value in changes.items():
            setattr(self, name, value)

    def to_json(self) -> dict[str, Any]:
        return {
            "changelog_created": self.changelog_created,
            "search_lag_seconds": self.search_lag_seconds,
            "unindexed": sorted(self.unindexed),
            "repeat_page_tokens": self.repeat_page_tokens,
            "hidden_projects": sorted(self.hidden_projects),
            "rate_limit_headers": self.rate_limit_headers,
            "captcha_after_failures": self.captcha_after_failures,
        }


def _checked(name: str, value: Any) -> Any:
    if name == "changelog_created":
        if value not in CHANGELOG_TIMES:
            raise ValueError(f"changelog_created must be one of {', '.join(CHANGELOG_TIMES)}")
        return value
    if name == "rate_limit_headers":
        if value not in RATE_LIMIT_HEADERS:
            raise ValueError(f"rate_limit_headers must be one of {', '.join(RATE_LIMIT_HEADERS)}")
        return value
    if name == "search_lag_seconds":
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError("search_lag_seconds must be a number of seconds, at least 0")
        return float(value)
    if name in ("unindexed", "hidden_projects"):
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            raise ValueError(f"{name} must be a list of keys")
        return {item.upper() for item in value}
    if name == "repeat_page_tokens":
        if not isinstance(value, bool):
            raise ValueError("repeat_page_tokens must be true or false")
        return value
    if name == "captcha_after_failures":
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError("captcha_after_failures must be a whole number of failures (at least 1), or null")
        return value
    raise ValueError(f"unknown Jira quirk {name}")  # pragma: no cover - guarded by update()


@dataclass
class _Stale:
    until: float
    """Monotonic time at which the index catches up."""
    shown: Issue | None
    """What search shows until then (None: the issue is not in the index yet)."""


class SearchIndex:
    """What `search/jql` sees: the issues, except those an API write changed less than `search_lag_seconds`
    ago (shown as they were before it) and those the index lost (`unindexed`). Issues named in
    `reconcileIssues` are always read as they are now. Jira documents the lag: "The delay might vary from a
    few seconds to minutes" (https://developer.atlassian.com/cloud/jira/platform/search-and-reconcile/).

    Only API writes lag: scenario steps stand for changes made long enough before the next poll, and keep
    replays deterministic. The lag runs on real (monotonic) time, like the rate limits."""

    def __init__(self, quirks: JiraQuirks, clock: Callable[[], float] = time.monotonic) -> None:
        self.quirks = quirks
        self._clock = clock
        self._stale: dict[int, _Stale] = {}

    def clear(self) -> None:
        self._stale.clear()

    def before_write(self, issue: Issue | None) -> Issue | None:
        """A copy of `issue` as search shows it now, to keep showing if the write changes it (None: nothing
        to keep — no lag, or the issue is new)."""
        if self.quirks.search_lag_seconds <= 0 or issue is None:
            return None
        current = self._current_stale(issue.id)
        if current is not None:
            return current.shown
        return copy.deepcopy(issue)

    def written(self, issue_id: int, shown: Issue | None, *, created: bool = False) -> None:
        """An API write changed issue `issue_id`: search keeps showing `shown` (None for a new issue) for the lag."""
        lag = self.quirks.search_lag_seconds
        if lag <= 0 or (shown is None and not created):
            return
        previous = self._current_stale(issue_id)
        kept = previous.shown if previous is not None else shown
        self._stale[issue_id] = _Stale(self._clock() + lag, kept)

    def _current_stale(self, issue_id: int) -> _Stale | None:
        entry = self._stale.get(issue_id)
        if entry is not None and entry.until <= self._clock():
            del self._stale[issue_id]
            return None
        return entry

    def lagging(self) -> tuple[int, ...]:
        """Ids whose search view is still stale (expired entries are dropped)."""
        for issue_id in list(self._stale):
            self._current_stale(issue_id)
        return tuple(sorted(self._stale))

    def view(self, issues: Iterable[Issue], reconcile: frozenset[int] = frozenset()) -> Iterator[Issue]:
        """The issues as search sees them."""
        lost = self.quirks.unindexed
        hidden = self.quirks.hidden_projects
        for issue in issues:
            if issue.project_key in hidden:
                continue
            if issue.id in reconcile:
                yield issue
                continue
            if issue.key in lost:
                continue
            stale = self._current_stale(issue.id)
            if stale is None:
                yield issue
            elif stale.shown is not None:
                yield stale.shown

    def fingerprint(self, reconcile: frozenset[int]) -> tuple[Any, ...]:
        """What the view depends on besides the store's version (for caching orderings)."""
        return (
            self.lagging(),
            tuple(sorted(self.quirks.unindexed)),
            tuple(sorted(self.quirks.hidden_projects)),
            tuple(sorted(reconcile)),
        )


__all__ = ["CHANGELOG_TIMES", "RATE_LIMIT_HEADERS", "ChangelogTime", "JiraQuirks", "RateLimitHeaders", "SearchIndex"]
