"""The pipeline benchmarks' synthetic company: its size, its links, and a deterministic change stream."""

from __future__ import annotations

from benchmarks.workload import MIX, Workload, campaign_id
from streams.records import CampaignSnapshot, WorkItemSnapshot, decode


def test_a_company_has_a_campaign_and_its_work_per_goal() -> None:
    workload = Workload(goals=3, items_per_goal=5)
    records = list(workload.load())
    assert [topic for topic, _, _ in records].count("campaigns") == 3
    assert [topic for topic, _, _ in records].count("workitems") == 15
    epic = decode(WorkItemSnapshot, records[3][2])
    assert epic.labels == [f"campaign-{campaign_id(0)}"]


def test_growing_adds_only_the_new_goals() -> None:
    workload = Workload(goals=0)
    assert len(list(workload.grow(2))) == 2 * 11
    assert len(list(workload.grow(5))) == 3 * 11
    assert len(workload.campaigns) == 5


def test_the_change_stream_is_deterministic_and_in_the_mix() -> None:
    first = Workload(goals=0)
    list(first.grow(50))
    second = Workload(goals=0)
    list(second.grow(50))
    a, b = first.changes(200, seed=7), second.changes(200, seed=7)
    assert a == b
    assert {kind for *_, kind in a} <= {kind for kind, _ in MIX}
    campaigns = [decode(CampaignSnapshot, value) for topic, _, value, _ in a if topic == "campaigns"]
    assert all(c.source_updated_at > first.campaign(0).source_updated_at for c in campaigns)


def test_changes_can_be_kept_to_the_first_goals() -> None:
    workload = Workload(goals=0)
    list(workload.grow(100))
    keys = {key for topic, key, _, _ in workload.changes(300, seed=1, goals=10) if topic == "campaigns"}
    assert keys <= {campaign_id(goal) for goal in range(10)}
