"""The example scenario ../shared/scenarios/spring-launch.yaml, replayed by hand through the pure rules.

Its expect file says: one `date_conflict` episode (warning) opened 2027-01-12T10:00 when the launch moved
to 2027-02-15 before the epic's due date 2027-02-20, closed 2027-01-14T10:00 when the epic was pulled in to
2027-02-12; baseline 8; final status done with 2/2 items and 8/8 points; a win on 2027-01-15T10:00 to
maria (campaign owner 101), ivan (u-1, owner of the epic) and olga (u-2, assignee of both stories); digests
on Monday 2027-01-11 09:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from streams.rules.alerts import digest_due, win_due
from streams.rules.config import RuleConfig
from streams.rules.drift import evaluate
from streams.rules.goals import baseline_due, goal_facts, goal_status
from streams.rules.model import CampaignView, GoalView, ItemView, SignalEvent, SignalState
from streams.rules.signals import transition
from tests.unit.rules.builders import summary, told

CAMPAIGN = "0b6e1b6e-6f4e-4c43-9a77-1d2a3c4b5d6e"
START = datetime(2027, 1, 4, 9, tzinfo=UTC)
END = datetime(2027, 1, 20, tzinfo=UTC)
CONFIG = RuleConfig()


def at(day: int, hour: int) -> datetime:
    return datetime(2027, 1, day, hour, tzinfo=UTC)


def latest(now: datetime, *changes: datetime) -> datetime | None:
    """The last of `changes` that happened by `now`."""
    seen = [change for change in changes if change <= now]
    return max(seen) if seen else None


def spring_launch(now: datetime, baseline: float | None) -> GoalView:
    """The goal as Tandem sees it at `now`: the seeded workspace plus the timeline steps up to `now`."""
    launch = date(2027, 2, 15) if now >= at(12, 10) else date(2027, 3, 1)
    epic_due = date(2027, 2, 12) if now >= at(14, 10) else date(2027, 2, 20)
    web2_done = at(8, 10) if now >= at(8, 10) else None
    web3_done = at(15, 10) if now >= at(15, 10) else None
    items = [
        ItemView("WEB-1", None, False, None, epic_due, START, None, None, "u-1", "u-1"),
        ItemView(
            "WEB-2",
            "WEB-1",
            web2_done is not None,
            5,
            None,
            START,
            latest(now, at(6, 10), at(8, 10)),
            web2_done,
            "u-2",
            "u-2",
        ),
        ItemView(
            "WEB-3",
            "WEB-1",
            web3_done is not None,
            3,
            None,
            START,
            latest(now, at(13, 10), at(15, 10)),
            web3_done,
            "u-2",
            "u-2",
        ),
    ]
    return GoalView(
        campaign=CampaignView(id=CAMPAIGN, launch=launch, status="planned", deleted=False, known=True),
        items={entry.key: entry for entry in items},
        first_linked_at=START,
        baseline=baseline,
    )


def ticks() -> list[datetime]:
    """Hourly ticks from the start (the timeline's steps all fall on the hour)."""
    times, now = [], START
    while now <= END:
        times.append(now)
        now += timedelta(hours=1)
    return times


def test_the_epic_due_after_the_moved_launch_is_a_date_conflict() -> None:
    view = spring_launch(at(12, 10), baseline=8)
    findings = evaluate(view, goal_facts(view, at(12, 10), CONFIG), at(12, 10), CONFIG, ready=True, hubspot_synced=True)
    assert findings == {"date_conflict": ("warning", "WEB-1 is due 2027-02-20, after the launch on 2027-02-15.")}


def test_no_rule_holds_just_before_the_launch_moves() -> None:
    view = spring_launch(at(12, 9), baseline=8)
    assert evaluate(view, goal_facts(view, at(12, 9), CONFIG), at(12, 9), CONFIG, ready=True, hubspot_synced=True) == {}


def test_the_spring_launch_scenario_replays_as_expected() -> None:
    baseline: float | None = None
    baseline_at: datetime | None = None
    open_signals: dict[str, SignalState] = {}
    episodes: dict[str, int] = {}
    history: list[SignalEvent] = []
    alerts: list[tuple[str, str, list[str], datetime]] = []
    won_at: datetime | None = None
    last_digest: datetime | None = None
    digests: list[datetime] = []

    for now in ticks():
        view = spring_launch(now, baseline)
        due = baseline_due(view, now, CONFIG)
        if due is not None:
            baseline, baseline_at = due, now
            view = spring_launch(now, baseline)
        facts = goal_facts(view, now, CONFIG)
        wanted = evaluate(view, facts, now, CONFIG, ready=True, hubspot_synced=True)
        open_signals, events = transition(
            open_signals, wanted, now, CONFIG, {r: episodes.get(r, 0) + 1 for r in wanted}
        )
        for signal_event in events:
            if signal_event.action == "opened":
                episodes[signal_event.rule] = signal_event.episode
            to = told(summary(view, facts, "101"), signal_event.action, signal_event.rule)
            if to:
                alerts.append((signal_event.action, signal_event.rule, to, now))
        history += events
        if win_due(view, facts, now, already_won=won_at is not None):
            won_at = now
            alerts.append(("win", "", told(summary(view, facts, "101"), "win", "win"), now))
        slot = digest_due(last_digest, now, CONFIG)
        if slot is not None:
            last_digest = slot
            digests.append(slot)

    assert (baseline, baseline_at) == (8, at(11, 9))
    assert [(e.rule, e.action, e.severity, e.at, e.episode) for e in history] == [
        ("date_conflict", "opened", "warning", at(12, 10), 1),
        ("date_conflict", "closed", "warning", at(14, 10), 1),
    ]
    assert alerts == [
        ("opened", "date_conflict", ["101", "u-1"], at(12, 10)),  # maria, ivan
        ("closed", "date_conflict", ["101", "u-1"], at(14, 10)),  # sent as `resolved`
        ("win", "", ["101", "u-1", "u-2"], at(15, 10)),  # maria, ivan, olga
    ]
    assert won_at == at(15, 10)
    assert at(11, 9) in digests and digests == [at(4, 9), at(11, 9), at(18, 9)]

    final = spring_launch(END, baseline)
    facts = goal_facts(final, END, CONFIG)
    assert goal_status(final, facts, open_signals) == "done"
    assert (facts.progress.items_done, facts.progress.items_total) == (2, 2)
    assert (facts.progress.size_done, facts.progress.size_total) == (8, 8)
    assert final.campaign.launch == date(2027, 2, 15)
