"""The replay report (docs/scenarios.md) is built from what flowed: goal summaries, signal records, writes."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.records import GoalSummary, LinkBrief, Progress, SignalRecord, SuggestionBrief
from tandem.replay.report import build_report

T = datetime(2027, 1, 12, 10, tzinfo=UTC)


def signal(action: str, at: datetime, severity: str = "warning", episode: int = 1, rule: str = "date_conflict"):
    return SignalRecord(
        campaign="c1",
        rule=rule,
        action=action,
        at=at,
        episode=episode,
        severity=severity,
        max_severity=severity,
        opened_at=T,
    )


def test_a_signal_episode_spans_its_opening_and_closing() -> None:
    report = build_report("s", {}, [signal("opened", T), signal("closed", T.replace(day=14))], [])
    assert report["signals"] == [
        {
            "campaign": "c1",
            "rule": "date_conflict",
            "severity": "warning",
            "opened_at": "2027-01-12T10:00:00Z",
            "closed_at": "2027-01-14T10:00:00Z",
        }
    ]


def test_an_episode_reports_the_highest_severity_it_reached() -> None:
    records = [
        signal("opened", T),
        signal("escalated", T.replace(day=13), "critical"),
        signal("deescalated", T.replace(day=14), "warning"),
    ]
    assert build_report("s", {}, records, [])["signals"][0]["severity"] == "critical"


def test_an_open_episode_has_no_closing_time() -> None:
    assert build_report("s", {}, [signal("opened", T)], [])["signals"][0]["closed_at"] is None


def test_each_episode_of_a_rule_is_its_own_row() -> None:
    records = [signal("opened", T), signal("closed", T.replace(day=13)), signal("opened", T.replace(day=15), episode=2)]
    assert [row["opened_at"][:10] for row in build_report("s", {}, records, [])["signals"]] == [
        "2027-01-12",
        "2027-01-15",
    ]


def test_wins_are_not_signal_episodes() -> None:
    assert build_report("s", {}, [signal("win", T, rule="win")], [])["signals"] == []


def test_links_suggestions_and_goals_come_from_the_final_summaries() -> None:
    goal = GoalSummary(
        campaign="c1",
        name="Spring",
        status="done",
        as_of=T,
        launch="2027-02-15",
        baseline=8.0,
        forecast=None,
        progress=Progress(items_done=2, items_total=2, size_done=8.0, size_total=8.0),
        links=[
            LinkBrief(work_item="WEB-2", kind="inherited", source="parent", seen_at=T),
            LinkBrief(work_item="WEB-1", kind="explicit", source="campaign_notes", seen_at=T),
        ],
        suggestions=[SuggestionBrief(work_item="APP-9", score=0.91, state="pending", seen_at=T)],
    )
    report = build_report("s", {"c1": goal}, [], [])
    assert [(link["work_item"], link["kind"], link["source"]) for link in report["links"]] == [
        ("WEB-1", "explicit", "campaign_notes"),
        ("WEB-2", "inherited", "parent"),
    ]
    assert report["suggestions"] == [{"campaign": "c1", "work_item": "APP-9", "score": 0.91, "state": "pending"}]
    assert report["goals"] == [
        {
            "campaign": "c1",
            "status": "done",
            "launch": "2027-02-15",
            "forecast": None,
            "odds": None,
            "baseline": 8,
            "progress": {"items_done": 2, "items_total": 2, "size_done": 8, "size_total": 8},
        }
    ]


def test_writes_are_sorted_by_time() -> None:
    writes = [
        {"system": "jira", "method": "POST", "path": "/b", "at": "2027-01-02T00:00:00Z", "body": {}},
        {"system": "hubspot", "method": "PATCH", "path": "/a", "at": "2027-01-01T00:00:00Z", "body": {}},
    ]
    assert [w["path"] for w in build_report("s", {}, [], writes)["writes"]] == ["/a", "/b"]


def test_notifications_at_the_same_time_are_ordered_by_recipient() -> None:
    digest = {"kind": "digest", "channel": "email", "at": "2027-01-11T09:00:00Z"}
    report = build_report("s", {}, [], [], [digest | {"to": ["maria@acme.test"]}, digest | {"to": ["ivan@acme.test"]}])
    assert [n["to"] for n in report["notifications"]] == [["ivan@acme.test"], ["maria@acme.test"]]


def test_work_naming_a_campaign_hubspot_does_not_have_is_neither_a_link_nor_a_goal() -> None:
    orphan = GoalSummary(
        campaign="c9",
        name="",
        status="on_track",
        as_of=T,
        known=False,
        progress=Progress(items_done=0, items_total=1, size_done=0.0, size_total=1.0),
        links=[LinkBrief(work_item="WEB-9", kind="explicit", source="label", seen_at=T)],
    )
    report = build_report("s", {"c9": orphan}, [], [])
    assert report["links"] == [] and report["goals"] == []
