"""Typed records at topic boundaries: plain JSON both ways, and a clear error for anything else."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from streams.records import (
    CampaignSnapshot,
    Notification,
    OwnerGoal,
    Person,
    PortfolioGoal,
    PortfolioReason,
    RecordError,
    RemoteLink,
    WorkItemSnapshot,
    decode,
)
from streams.state import LeaderBrief, LeaderState
from tests.builders import DANA, leadership

AT = datetime(2027, 1, 4, 9, tzinfo=UTC)


def test_a_campaign_snapshot_round_trips_as_plain_json() -> None:
    snapshot = CampaignSnapshot(
        id="c1",
        name="Spring",
        source_updated_at=AT,
        start_date="2027-03-01",
        owner=Person(id="101", email="maria@acme.test"),
    )
    data = json.loads(snapshot.dumps())
    assert "__faust" not in data and data["owner"]["email"] == "maria@acme.test"
    assert decode(CampaignSnapshot, snapshot.dumps()) == snapshot


def test_a_work_item_snapshot_round_trips_with_nested_records() -> None:
    item = WorkItemSnapshot(
        key="WEB-1", project="WEB", source_updated_at=AT, remote_links=[RemoteLink(url="https://x")]
    )
    decoded = decode(WorkItemSnapshot, item.dumps())
    assert isinstance(decoded.remote_links[0], RemoteLink) and decoded.source_updated_at == AT


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"id": "c1"}', "missing name, source_updated_at"),
        (b'{"id": "", "name": "n", "source_updated_at": "2027-01-01T00:00:00Z"}', "id must be a non-empty string"),
        (b'{"id": "c1", "name": "n", "source_updated_at": "2027-01-01T00:00:00"}', "must carry a timezone"),
        (
            b'{"id": "c1", "name": "n", "source_updated_at": "2027-01-01T00:00:00Z", "start_date": "2027-02-30"}',
            "not a calendar date",
        ),
        (
            b'{"id": "c1", "name": "n", "source_updated_at": "2027-01-01T00:00:00Z", "start_date": "March"}',
            "YYYY-MM-DD",
        ),
    ],
)
def test_bad_campaign_bytes_are_a_record_error_saying_why(raw: bytes, problem: str) -> None:
    with pytest.raises(RecordError, match=problem):
        decode(CampaignSnapshot, raw)


def test_an_unknown_status_category_is_refused() -> None:
    raw = b'{"key": "WEB-1", "project": "WEB", "source_updated_at": "2027-01-01T00:00:00Z", "status_category": "x"}'
    with pytest.raises(RecordError, match="status_category"):
        decode(WorkItemSnapshot, raw)


def test_a_leadership_digest_round_trips_with_its_report() -> None:
    n = leadership()
    decoded = decode(Notification, n.dumps())
    assert decoded == n and decoded.leadership is not None
    assert isinstance(decoded.leadership.slipped[0].reasons[0], PortfolioReason)
    assert isinstance(decoded.leadership.wins[0].contributors[0], Person)


def test_a_leader_message_and_a_leaders_state_round_trip() -> None:
    goal = PortfolioGoal(campaign="c1", name="Spring", status="at_risk", as_of=AT, details={"stalled": "why"})
    message = OwnerGoal(owner="leader:dana@acme.test", person=DANA, campaign="c1", at=AT, portfolio=goal)
    assert decode(OwnerGoal, message.dumps()) == message
    state = LeaderState(
        leader=message.owner, person=DANA, goals={"c1": goal}, last_sent={"c1": LeaderBrief(status="on_track")}
    )
    assert LeaderState.loads(state.dumps()) == state
