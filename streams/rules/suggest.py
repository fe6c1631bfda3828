"""Link suggestions (docs/rules.md, kind `suggested`): a work item's summary that reads like a campaign's
name, scored 0–1 by rapidfuzz's token-set ratio (a campaign name contained in a summary scores 1.0).

A suggestion is not a link: a person confirms it (the label is then written into Jira and the link
becomes explicit) or rejects it (remembered, never proposed again).
"""

from __future__ import annotations

from collections.abc import Mapping

from rapidfuzz import fuzz, process, utils


def similarity(summary: str, name: str) -> float:
    """0–1: how much `summary` reads like `name`."""
    return round(fuzz.token_set_ratio(summary, name, processor=utils.default_process) / 100.0, 4)


def matches(text: str, candidates: Mapping[str, str], threshold: float) -> dict[str, float]:
    """id → score of every candidate (id → name or summary) scoring at least `threshold` against `text`."""
    if not text.strip() or not candidates:
        return {}
    found = process.extract(
        text,
        candidates,
        scorer=fuzz.token_set_ratio,
        processor=utils.default_process,
        score_cutoff=threshold * 100.0,
        limit=None,
    )
    return {key: round(score / 100.0, 4) for _, score, key in found}
