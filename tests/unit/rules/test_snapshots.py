"""Which snapshots the intake agents accept, and how a deleted campaign is remembered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.records import CampaignSnapshot
from streams.rules.snapshots import merge_campaign_tombstone, supersedes

AT = datetime(2027, 1, 4, 9, tzinfo=UTC)


def campaign(at: datetime = AT, **fields: object) -> CampaignSnapshot:
    values: dict = {"id": "c1", "name": "Spring", "source_updated_at": at}
    values.update(fields)
    return CampaignSnapshot(**values)


def test_the_first_snapshot_is_news() -> None:
    assert supersedes(None, campaign())


def test_a_later_snapshot_supersedes() -> None:
    assert supersedes(campaign(), campaign(AT + timedelta(seconds=1)))


def test_an_older_snapshot_is_dropped() -> None:
    assert not supersedes(campaign(), campaign(AT - timedelta(seconds=1), name="Old name"))


def test_an_exact_repeat_is_dropped() -> None:
    assert not supersedes(campaign(), campaign())


def test_same_time_with_different_content_is_news() -> None:
    assert supersedes(campaign(), campaign(status="active"))


def test_a_tombstone_keeps_what_was_known_of_the_campaign() -> None:
    known = campaign(notes="WEB-1", owner=None)
    tombstone = CampaignSnapshot(id="c1", name="", source_updated_at=AT + timedelta(hours=1), deleted=True)
    merged = merge_campaign_tombstone(known, tombstone)
    assert merged.deleted and merged.notes == "WEB-1" and merged.name == "Spring"
    assert merged.source_updated_at == AT + timedelta(hours=1)


def test_a_tombstone_for_an_unknown_campaign_stays_as_it_is() -> None:
    tombstone = CampaignSnapshot(id="c9", name="", source_updated_at=AT, deleted=True)
    assert merge_campaign_tombstone(None, tombstone) is tombstone
