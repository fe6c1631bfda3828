"""Signal lifecycle (docs/rules.md): open, escalate, de-escalate, remind, close, supersede, number episodes."""

from __future__ import annotations

from datetime import datetime

from streams.rules.config import RuleConfig
from streams.rules.model import Severity, SignalEvent, SignalState
from streams.rules.signals import reminder_period, transition
from tests.unit.rules.builders import CONFIG, DAY, SECOND, T0

HOUR = DAY / 24


def state(
    rule: str = "stalled",
    severity: Severity = "warning",
    *,
    max_severity: Severity | None = None,
    opened_at: datetime = T0,
    last_reminder_at: datetime | None = None,
    episode: int = 1,
) -> SignalState:
    return SignalState(rule, severity, max_severity or severity, opened_at, last_reminder_at, episode)


def actions(events: list[SignalEvent]) -> list[tuple[str, str]]:
    return [(event.rule, event.action) for event in events]


def step(
    open_signals: dict[str, SignalState],
    wanted: dict[str, tuple[Severity, str]],
    now: datetime,
    config: RuleConfig = CONFIG,
    next_episode: dict[str, int] | None = None,
) -> tuple[dict[str, SignalState], list[SignalEvent]]:
    return transition(open_signals, wanted, now, config, next_episode or {})


def test_a_signal_opens_when_its_condition_becomes_true() -> None:
    signals, events = step({}, {"stalled": ("warning", "quiet for 7 days")}, T0)
    assert signals == {"stalled": SignalState("stalled", "warning", "warning", T0, None, 1)}
    assert events == [SignalEvent("stalled", "opened", "warning", T0, 1, "quiet for 7 days")]


def test_an_opening_takes_its_episode_from_the_mapping() -> None:
    signals, events = step({}, {"stalled": ("warning", "")}, T0, next_episode={"stalled": 4})
    assert signals["stalled"].episode == 4 and events[0].episode == 4


def test_an_opening_takes_its_episode_from_a_callable() -> None:
    asked: list[str] = []

    def next_episode(rule: str) -> int:
        asked.append(rule)
        return 7

    signals, _ = transition({}, {"date_conflict": ("warning", "")}, T0, CONFIG, next_episode)
    assert signals["date_conflict"].episode == 7 and asked == ["date_conflict"]


def test_a_signal_that_stays_true_changes_nothing() -> None:
    open_signals = {"stalled": state()}
    signals, events = step(open_signals, {"stalled": ("warning", "")}, T0 + HOUR)
    assert signals == open_signals and events == []


def test_a_rising_severity_escalates_and_raises_the_highest_severity() -> None:
    signals, events = step({"scope_creep": state("scope_creep")}, {"scope_creep": ("critical", "+45%")}, T0 + HOUR)
    assert (signals["scope_creep"].severity, signals["scope_creep"].max_severity) == ("critical", "critical")
    assert events == [SignalEvent("scope_creep", "escalated", "critical", T0 + HOUR, 1, "+45%", index=1)]


def test_a_falling_severity_deescalates_and_keeps_the_highest_severity() -> None:
    open_signals = {"scope_creep": state("scope_creep", "critical")}
    signals, events = step(open_signals, {"scope_creep": ("warning", "+25%")}, T0 + HOUR)
    assert (signals["scope_creep"].severity, signals["scope_creep"].max_severity) == ("warning", "critical")
    assert actions(events) == [("scope_creep", "deescalated")]


def test_each_escalation_in_an_episode_is_numbered() -> None:
    signals, _ = step({"scope_creep": state("scope_creep")}, {"scope_creep": ("critical", "")}, T0 + HOUR)
    signals, _ = step(signals, {"scope_creep": ("warning", "")}, T0 + 2 * HOUR)
    signals, events = step(signals, {"scope_creep": ("critical", "")}, T0 + 3 * HOUR)
    assert events[0].action == "escalated" and events[0].index == 2


def test_a_signal_closes_when_its_condition_becomes_false() -> None:
    signals, events = step({"date_conflict": state("date_conflict", episode=2)}, {}, T0 + DAY)
    assert signals == {}
    assert events == [SignalEvent("date_conflict", "closed", "warning", T0 + DAY, 2, "The condition no longer holds.")]


def test_missed_launch_supersedes_schedule_risk() -> None:
    open_signals = {"schedule_risk": state("schedule_risk", "critical", episode=3)}
    signals, events = step(open_signals, {"missed_launch": ("critical", "launch passed")}, T0)
    assert set(signals) == {"missed_launch"}
    assert actions(events) == [("missed_launch", "opened"), ("schedule_risk", "superseded")]
    assert events[1].episode == 3


def test_schedule_risk_does_not_open_while_the_launch_is_missed() -> None:
    wanted: dict[str, tuple[Severity, str]] = {"missed_launch": ("critical", ""), "schedule_risk": ("warning", "")}
    signals, events = step({}, wanted, T0)
    assert set(signals) == {"missed_launch"}
    assert actions(events) == [("missed_launch", "opened")]


def test_schedule_risk_closes_plainly_when_the_launch_is_not_missed() -> None:
    _, events = step({"schedule_risk": state("schedule_risk")}, {}, T0)
    assert actions(events) == [("schedule_risk", "closed")]


def test_no_reminder_at_the_opening() -> None:
    _, events = step({}, {"stalled": ("warning", "")}, T0)
    assert actions(events) == [("stalled", "opened")]


def test_no_reminder_one_second_before_three_days() -> None:
    _, events = step({"stalled": state()}, {"stalled": ("warning", "")}, T0 + 3 * DAY - SECOND)
    assert events == []


def test_reminder_every_three_days_while_open() -> None:
    signals = {"stalled": state()}
    reminders: list[tuple[datetime, int]] = []
    now = T0
    while now <= T0 + 10 * DAY:
        signals, events = step(signals, {"stalled": ("warning", "quiet")}, now)
        reminders += [(event.at, event.index) for event in events if event.action == "reminder"]
        now += HOUR
    assert reminders == [(T0 + 3 * DAY, 1), (T0 + 6 * DAY, 2), (T0 + 9 * DAY, 3)]


def test_a_reminder_goes_at_the_first_evaluation_after_it_is_due() -> None:
    signals, events = step({"stalled": state()}, {"stalled": ("warning", "")}, T0 + 3 * DAY + 5 * HOUR)
    assert actions(events) == [("stalled", "reminder")]
    assert signals["stalled"].last_reminder_at == T0 + 3 * DAY + 5 * HOUR


def test_one_reminder_even_when_several_periods_passed() -> None:
    signals, events = step({"stalled": state()}, {"stalled": ("warning", "")}, T0 + 10 * DAY)
    assert [(event.action, event.index) for event in events] == [("reminder", 3)]
    _, events = step(signals, {"stalled": ("warning", "")}, T0 + 11 * DAY)
    assert events == []


def test_the_next_reminder_keeps_the_schedule_from_the_opening() -> None:
    open_signals = {"stalled": state(last_reminder_at=T0 + 10 * DAY)}
    _, events = step(open_signals, {"stalled": ("warning", "")}, T0 + 12 * DAY)
    assert [(event.action, event.index) for event in events] == [("reminder", 4)]


def test_reminder_days_are_configurable() -> None:
    _, events = step({"stalled": state()}, {"stalled": ("warning", "")}, T0 + DAY, RuleConfig(remind_days=1))
    assert actions(events) == [("stalled", "reminder")]


def test_an_escalation_and_a_reminder_can_come_together() -> None:
    _, events = step({"scope_creep": state("scope_creep")}, {"scope_creep": ("critical", "")}, T0 + 3 * DAY)
    assert [(event.action, event.severity) for event in events] == [("escalated", "critical"), ("reminder", "critical")]


def test_a_closed_signal_sends_no_reminder() -> None:
    _, events = step({"stalled": state()}, {}, T0 + 3 * DAY)
    assert actions(events) == [("stalled", "closed")]


def test_events_come_ordered_by_rule_then_action() -> None:
    open_signals = {"stalled": state(), "date_conflict": state("date_conflict")}
    wanted: dict[str, tuple[Severity, str]] = {"scope_creep": ("warning", ""), "canceled_work": ("warning", "")}
    _, events = step(open_signals, wanted, T0 + HOUR)
    assert actions(events) == [
        ("canceled_work", "opened"),
        ("date_conflict", "closed"),
        ("scope_creep", "opened"),
        ("stalled", "closed"),
    ]


def test_the_same_input_gives_the_same_output() -> None:
    open_signals = {"stalled": state(), "schedule_risk": state("schedule_risk")}
    wanted: dict[str, tuple[Severity, str]] = {"missed_launch": ("critical", ""), "stalled": ("warning", "")}
    assert step(open_signals, wanted, T0 + 4 * DAY) == step(dict(open_signals), dict(wanted), T0 + 4 * DAY)


def test_transition_does_not_change_its_inputs() -> None:
    open_signals = {"stalled": state()}
    wanted: dict[str, tuple[Severity, str]] = {"stalled": ("critical", "")}
    step(open_signals, wanted, T0 + 4 * DAY)
    assert open_signals == {"stalled": state()} and wanted == {"stalled": ("critical", "")}


def test_reminder_period_counts_whole_periods_since_opening() -> None:
    assert reminder_period(T0, T0 + 3 * DAY - SECOND, CONFIG) == 0
    assert reminder_period(T0, T0 + 3 * DAY, CONFIG) == 1
    assert reminder_period(T0, T0 - DAY, CONFIG) == 0


def test_a_canceled_campaigns_other_signals_close_as_superseded_without_a_resolved_notice() -> None:
    open_signals = {"stalled": state("stalled"), "date_conflict": state("date_conflict")}
    wanted = {"canceled_work": ("warning", "still building")}
    after, events = transition(open_signals, wanted, T0 + DAY, CONFIG, {}, canceled=True)
    assert set(after) == {"canceled_work"}
    assert actions(events) == [("canceled_work", "opened"), ("date_conflict", "superseded"), ("stalled", "superseded")]
    assert {e.detail for e in events if e.action == "superseded"} == {"The campaign was canceled."}


def test_a_canceled_campaigns_own_canceled_work_closes_as_resolved() -> None:
    _, events = transition({"canceled_work": state("canceled_work")}, {}, T0 + DAY, CONFIG, {}, canceled=True)
    assert actions(events) == [("canceled_work", "closed")]
