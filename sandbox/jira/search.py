"""JQL search over the store, paged with `nextPageToken` as `/rest/api/3/search/jql` pages.

A page token is a cursor, not an offset: it carries the sort values of the last issue returned (and the
query's fingerprint), and the next page starts strictly after that position in the query's order, ties
broken by issue id. Paging a set that does not change therefore returns every issue exactly once. When
issues change between pages (an update moves an issue under `ORDER BY updated`), the cursor stays where it was:
an issue can then be seen twice or not at all, the same hazard as on Jira Cloud, where results are eventually
consistent. Deduplicate by key, and bound incremental polls with `updated >=` (minute precision) and a lookback.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from bisect import bisect_right
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.jira.errors import UNBOUNDED_JQL, JiraError
from sandbox.jira.jql import JqlError, parse
from sandbox.jira.jql_compile import Compiled, Ordering, compile_query, floor_minute
from sandbox.jira.model import Issue
from sandbox.jira.store import JiraStore

DEFAULT_MAX_RESULTS = 50
MAX_RESULTS_WITH_FIELDS = 100
"""Issues per page when any field beyond id/key is requested."""
MAX_RESULTS_IDS_ONLY = 5000
"""Issues per page when only `id`/`key` are requested (Jira's documented maximum)."""
INVALID_TOKEN = "The provided next page token is invalid or expired."  # noqa: S105 - an error message

Raw = tuple[Hashable | None, ...]


@dataclass(frozen=True)
class Page:
    issues: list[Issue]
    next_page_token: str | None


def compile_jql(
    store: JiraStore, jql: str, *, now: datetime, current_user: str | None, bounded: bool = True
) -> Compiled:
    """Parse and compile `jql`; a bad query (or an unbounded one, when `bounded`) is Jira's 400."""
    try:
        compiled = compile_query(parse(jql), store, now=now, current_user=current_user)
    except JqlError as error:
        raise JiraError(400, (error.message,)) from None
    if bounded and not compiled.bounded:
        raise JiraError(400, (UNBOUNDED_JQL,))
    return compiled


def search(
    store: JiraStore,
    jql: str,
    *,
    max_results: int,
    next_page_token: str | None,
    now: datetime,
    current_user: str | None,
    reconcile: frozenset[int] = frozenset(),
) -> Page:
    """One page of the issues `jql` matches, in its order, as the search index sees them (`reconcile`: issue
    ids read as they are now). With `quirks.repeat_page_tokens`, a page asked with a token answers that token
    again."""
    with store.lock:
        compiled = compile_jql(store, jql, now=now, current_user=current_user)
        fingerprint = _fingerprint(jql, reconcile)
        cursor = _read_token(next_page_token, fingerprint, len(compiled.ordering.keys)) if next_page_token else None
        ordered, keys, cursor_key = _ordered(store, jql, now, current_user, compiled, cursor, reconcile)
        start = bisect_right(keys, cursor_key) if cursor_key is not None else 0
        page = ordered[start : start + max_results]
        more = start + max_results < len(ordered)
        token = _write_token(fingerprint, _raw(page[-1], compiled.ordering), page[-1].id) if page and more else None
        if store.quirks.repeat_page_tokens and next_page_token is not None:
            token = next_page_token
        return Page(page, token)


def count(store: JiraStore, jql: str, *, now: datetime, current_user: str | None) -> int:
    with store.lock:
        compiled = compile_jql(store, jql, now=now, current_user=current_user)
        return sum(1 for issue in store.index.view(store.issues.values()) if compiled.predicate(issue))


def matches(store: JiraStore, compiled: Compiled, issue: Issue) -> bool:
    with store.lock:
        return compiled.predicate(issue)


_Sorted = tuple[list[Issue], list[tuple[Any, ...]], list[dict[Any, int]]]
_CACHE_SIZE = 16


def _ordered(
    store: JiraStore,
    jql: str,
    now: datetime,
    current_user: str | None,
    compiled: Compiled,
    cursor: tuple[Raw, int] | None,
    reconcile: frozenset[int] = frozenset(),
) -> tuple[list[Issue], list[tuple[Any, ...]], tuple[Any, ...] | None]:
    """The matching issues in order, reused across the pages of one query while the store and its search
    index have not changed."""
    key = ("search", store.version, store.index.fingerprint(reconcile), jql, floor_minute(now), current_user)
    cache = store.read_cache
    cached = cache.get(key)
    if cached is not None:
        ordered, keys, ranks = cached
        if cursor is None:
            return ordered, keys, None
        placed = _composite(cursor[0], cursor[1], compiled.ordering, ranks)
        if placed is not None:
            return ordered, keys, placed
    matching = [issue for issue in store.index.view(store.issues.values(), reconcile) if compiled.predicate(issue)]
    ordered, keys, ranks = _order(matching, compiled.ordering, cursor)
    if len(cache) >= _CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = (ordered, keys, ranks)
    placed = _composite(cursor[0], cursor[1], compiled.ordering, ranks) if cursor is not None else None
    return ordered, keys, placed


def _raw(issue: Issue, ordering: Ordering) -> Raw:
    return tuple(getter(issue) for _, getter, _ in ordering.keys)


def _order(issues: list[Issue], ordering: Ordering, cursor: tuple[Raw, int] | None) -> _Sorted:
    """Sort by the ORDER BY values (nulls last ascending, first descending), then by id."""
    raws = [_raw(issue, ordering) for issue in issues]
    ranks: list[dict[Any, int]] = []
    for index in range(len(ordering.keys)):
        distinct = {raw[index] for raw in raws if raw[index] is not None}
        if cursor is not None and cursor[0][index] is not None:
            distinct.add(cursor[0][index])
        ranks.append({value: rank for rank, value in enumerate(sorted(distinct))})  # type: ignore[type-var]
    keyed = []
    for raw, issue in zip(raws, issues, strict=True):
        composite = _composite(raw, issue.id, ordering, ranks)
        assert composite is not None
        keyed.append((composite, issue))
    keyed.sort(key=lambda pair: pair[0])
    return [issue for _, issue in keyed], [key for key, _ in keyed], ranks


def _composite(raw: Raw, issue_id: int, ordering: Ordering, ranks: list[dict[Any, int]]) -> tuple[Any, ...] | None:
    """The position of (raw values, id) in the order; None when a value is not among `ranks`."""
    parts: list[tuple[int, int]] = []
    for index, (_, _, descending) in enumerate(ordering.keys):
        value = raw[index]
        if value is None:
            parts.append((-1, 0) if descending else (1, 0))
            continue
        rank = ranks[index].get(value)
        if rank is None:
            return None
        parts.append((0, -rank if descending else rank))
    return (*parts, issue_id)


def _fingerprint(jql: str, reconcile: frozenset[int] = frozenset()) -> str:
    """The query a token belongs to: its JQL and its `reconcileIssues` ("This list of ids should be consistent
    with each paginated request across different pages": a token asked with another list is refused)."""
    text = " ".join(jql.split()) + ("|" + ",".join(str(i) for i in sorted(reconcile)) if reconcile else "")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _freeze(value: Any) -> Hashable | None:
    if isinstance(value, list):
        return tuple(_freeze(item) for item in value)
    if value is None or isinstance(value, str | int | float):
        return value
    raise ValueError("unexpected value in a page token")


def _write_token(fingerprint: str, raw: Raw, issue_id: int) -> str:
    payload = json.dumps(
        {"q": fingerprint, "after": [list(v) if isinstance(v, tuple) else v for v in raw], "id": issue_id}
    )
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _read_token(token: str, fingerprint: str, width: int) -> tuple[Raw, int]:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        after = tuple(_freeze(value) for value in data["after"])
        issue_id = int(data["id"])
        if data["q"] != fingerprint or len(after) != width:
            raise ValueError("token for another query")
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise JiraError(400, (INVALID_TOKEN,)) from None
    return after, issue_id


__all__ = [
    "DEFAULT_MAX_RESULTS",
    "MAX_RESULTS_IDS_ONLY",
    "MAX_RESULTS_WITH_FIELDS",
    "Page",
    "compile_jql",
    "count",
    "matches",
    "search",
]
