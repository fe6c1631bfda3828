"""Which incoming snapshots are news, and how a deleted campaign is remembered (pure functions)."""

from __future__ import annotations

from typing import Any

from streams.records import CampaignSnapshot, RecordError


def supersedes(previous: Any, incoming: Any) -> bool:
    """True when `incoming` is news: no previous snapshot, a later source time, or the same time with
    different content. Older snapshots and exact repeats are dropped (connectors re-send inside their
    lookback window)."""
    if previous is None:
        return True
    if incoming.source_updated_at != previous.source_updated_at:
        return bool(incoming.source_updated_at > previous.source_updated_at)
    return bool(incoming.asdict() != previous.asdict())


def merge_campaign_tombstone(previous: CampaignSnapshot | None, incoming: CampaignSnapshot) -> CampaignSnapshot:
    """A deleted campaign keeps what was known of it (its links stay until their references go)."""
    if not incoming.deleted or previous is None:
        return incoming
    return previous.derive(deleted=True, source_updated_at=incoming.source_updated_at)


def check_key(key: Any, expected: str) -> None:
    """Records are keyed by the id they carry, so they and their state share a partition."""
    if key != expected:
        raise RecordError(f"record keyed {key!r} but names {expected!r}: producers must key by id")
