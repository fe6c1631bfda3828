"""Compact, JSON-friendly encoding of id sets for cursors: Jira keys become ranges (`WEB-1..50000`),
other ids (HubSpot GUIDs) stay as they are. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Iterable

_KEY = re.compile(r"^([A-Z][A-Z0-9_]*)-([1-9][0-9]*)$")
_RANGE = re.compile(r"^([A-Z][A-Z0-9_]*)-([1-9][0-9]*)\.\.([1-9][0-9]*)$")


def encode_ids(ids: Iterable[str]) -> list[str]:
    """A sorted list where runs of consecutive Jira keys of one project are `PROJ-a..b`."""
    numbers: dict[str, list[int]] = {}
    others: set[str] = set()
    for ident in ids:
        match = _KEY.match(ident)
        if match:
            numbers.setdefault(match.group(1), []).append(int(match.group(2)))
        else:
            others.add(ident)
    out: list[str] = []
    for project in sorted(numbers):
        values = sorted(set(numbers[project]))
        start = previous = values[0]
        for value in [*values[1:], None]:
            if value is not None and value == previous + 1:
                previous = value
                continue
            out.append(f"{project}-{start}" if start == previous else f"{project}-{start}..{previous}")
            if value is not None:
                start = previous = value
    return out + sorted(others)


def decode_ids(encoded: Iterable[str]) -> set[str]:
    """The ids `encode_ids` encoded."""
    ids: set[str] = set()
    for item in encoded:
        match = _RANGE.match(item)
        if match:
            project, low, high = match.group(1), int(match.group(2)), int(match.group(3))
            ids.update(f"{project}-{n}" for n in range(low, high + 1))
        else:
            ids.add(item)
    return ids


__all__ = ["decode_ids", "encode_ids"]
