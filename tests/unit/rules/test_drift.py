"""The seven drift rules of docs/rules.md, each threshold on both sides of its edge."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from streams.rules.config import RuleConfig
from streams.rules.drift import evaluate
from streams.rules.forecast import Forecast
from streams.rules.goals import goal_facts
from streams.rules.model import GoalView
from tests.unit.rules.builders import DAY, LAUNCH, SECOND, T0, L, goal, item, judge

# --- schedule_risk ---------------------------------------------------------------------------------
# A goal finishing 14 points in the last 14 days (1 point a day) with `remaining` points open: F = now + remaining.


def paced(now: datetime, remaining: float, *, first_linked_at: datetime | None = None) -> GoalView:
    return goal(
        item("DONE", size=14, done=True, done_at=now - DAY),
        item("OPEN", size=remaining),
        first_linked_at=first_linked_at if first_linked_at is not None else now - 20 * DAY,
    )


RISK_NOW = L - 30 * DAY


def test_schedule_risk_stays_closed_when_the_forecast_is_exactly_the_buffer_before_launch() -> None:
    assert "schedule_risk" not in judge(paced(RISK_NOW, 28), RISK_NOW)


def test_schedule_risk_warns_when_the_forecast_falls_inside_the_buffer() -> None:
    severity, detail = judge(paced(RISK_NOW, 28.5), RISK_NOW)["schedule_risk"]
    assert severity == "warning"
    assert "2027-02-27" in detail and "2027-03-01" in detail


def test_schedule_risk_is_a_warning_when_the_forecast_is_the_launch_itself() -> None:
    assert judge(paced(RISK_NOW, 30), RISK_NOW)["schedule_risk"][0] == "warning"


def test_schedule_risk_is_critical_when_the_forecast_is_after_launch() -> None:
    assert judge(paced(RISK_NOW, 30.5), RISK_NOW)["schedule_risk"][0] == "critical"


def test_schedule_risk_is_critical_when_the_forecast_is_never() -> None:
    view = goal(
        item("DONE", size=14, done=True, done_at=RISK_NOW - 15 * DAY),
        item("OPEN", size=1),
        first_linked_at=RISK_NOW - 20 * DAY,
    )
    severity, detail = judge(view, RISK_NOW)["schedule_risk"]
    assert severity == "critical"
    assert "Nothing was finished" in detail


def test_schedule_risk_buffer_is_configurable() -> None:
    config = RuleConfig(buffer_days=5)
    assert "schedule_risk" in judge(paced(RISK_NOW, 25.5), RISK_NOW, config)
    assert "schedule_risk" not in judge(paced(RISK_NOW, 25), RISK_NOW, config)


def odds(p50: date, p85: date, on_time: float = 0.3) -> Forecast:
    return Forecast(p50, p85, p85 + 5 * DAY, on_time, never=False, done=False, key="k", horizon=p85 + 700 * DAY)


def judge_with_odds(view: GoalView, forecast: Forecast, basis: str = "p85") -> dict:
    config = RuleConfig(schedule_risk_basis=basis)  # type: ignore[arg-type]
    found = replace(goal_facts(view, RISK_NOW, config), odds=forecast)
    return evaluate(view, found, RISK_NOW, config, ready=True, hubspot_synced=True)


def test_on_the_p85_basis_schedule_risk_warns_when_p85_falls_inside_the_buffer() -> None:
    severity, detail = judge_with_odds(paced(RISK_NOW, 10), odds(LAUNCH - 10 * DAY, LAUNCH - DAY))["schedule_risk"]
    assert severity == "warning"
    assert detail.startswith(
        "About a 30 % chance of being ready for the 1 Mar 2027 launch; 85 % likely by 28 Feb 2027."
    )


def test_on_the_p85_basis_schedule_risk_is_critical_when_p50_is_after_launch() -> None:
    assert judge_with_odds(paced(RISK_NOW, 10), odds(LAUNCH, LAUNCH + DAY))["schedule_risk"][0] == "critical"


def test_on_the_p85_basis_schedule_risk_is_silent_when_p85_leaves_the_buffer_whatever_the_straight_line() -> None:
    view = paced(RISK_NOW, 28.5)  # the straight line warns (test above)
    assert "schedule_risk" not in judge_with_odds(view, odds(LAUNCH - 10 * DAY, LAUNCH - 3 * DAY))


def test_on_the_linear_basis_schedule_risk_ignores_the_odds_but_quotes_them() -> None:
    late = odds(LAUNCH + DAY, LAUNCH + 9 * DAY, on_time=0.1)
    assert "schedule_risk" not in judge_with_odds(paced(RISK_NOW, 10), late, basis="linear")
    severity, detail = judge_with_odds(paced(RISK_NOW, 28.5), late, basis="linear")["schedule_risk"]
    assert severity == "warning" and detail.endswith(
        "About a 10 % chance of being ready for the 1 Mar 2027 launch; 85 % likely by 10 Mar 2027."
    )


def test_schedule_risk_is_judged_45_days_before_launch() -> None:
    now = L - 45 * DAY
    assert "schedule_risk" in judge(paced(now, 60), now)


def test_schedule_risk_is_silent_more_than_45_days_before_launch() -> None:
    now = L - 45 * DAY - SECOND
    assert "schedule_risk" not in judge(paced(now, 60), now)


def test_schedule_risk_horizon_is_configurable() -> None:
    now = L - 50 * DAY
    assert "schedule_risk" in judge(paced(now, 60), now, RuleConfig(risk_horizon_days=50))


def test_schedule_risk_waits_14_days_after_the_first_link() -> None:
    assert "schedule_risk" not in judge(paced(RISK_NOW, 60, first_linked_at=RISK_NOW - 14 * DAY + SECOND), RISK_NOW)


def test_schedule_risk_is_judged_14_days_after_the_first_link() -> None:
    assert "schedule_risk" in judge(paced(RISK_NOW, 60, first_linked_at=RISK_NOW - 14 * DAY), RISK_NOW)


def test_schedule_risk_is_silent_from_launch_on() -> None:
    assert "schedule_risk" not in judge(paced(L, 60), L)


def test_schedule_risk_is_judged_just_before_launch() -> None:
    now = L - SECOND
    assert judge(paced(now, 60), now)["schedule_risk"][0] == "critical"


def test_schedule_risk_needs_open_leaves() -> None:
    view = goal(item("DONE", size=14, done=True, done_at=RISK_NOW - DAY), first_linked_at=RISK_NOW - 20 * DAY)
    assert "schedule_risk" not in judge(view, RISK_NOW)


def test_schedule_risk_ignores_open_leaves_of_size_zero() -> None:
    assert "schedule_risk" not in judge(paced(RISK_NOW, 0), RISK_NOW)


def test_schedule_risk_is_silent_without_a_launch_date() -> None:
    view = goal(item("OPEN", size=100), launch=None, first_linked_at=T0)
    assert "schedule_risk" not in judge(view, T0 + 30 * DAY)


# --- missed_launch ---------------------------------------------------------------------------------


def test_missed_launch_opens_at_launch_with_open_leaves() -> None:
    severity, detail = judge(goal(item("S1")), L)["missed_launch"]
    assert severity == "critical"
    assert "S1" in detail and "2027-03-01" in detail


def test_missed_launch_stays_closed_just_before_launch() -> None:
    assert "missed_launch" not in judge(goal(item("S1")), L - SECOND)


def test_missed_launch_opens_when_the_campaign_goes_live_early() -> None:
    assert judge(goal(item("S1"), status="Active"), L - 10 * DAY)["missed_launch"][0] == "critical"


def test_missed_launch_opens_for_a_live_campaign_without_a_launch_date() -> None:
    assert "missed_launch" in judge(goal(item("S1"), status="in_progress", launch=None), T0)


def test_missed_launch_stays_closed_when_every_leaf_is_done() -> None:
    assert "missed_launch" not in judge(goal(item("S1", done=True)), L + DAY)


def test_missed_launch_is_silent_without_a_launch_date() -> None:
    assert "missed_launch" not in judge(goal(item("S1"), launch=None), L + DAY)


def test_live_statuses_are_configurable() -> None:
    config = RuleConfig(live_statuses=frozenset({"running"}))
    assert "missed_launch" in judge(goal(item("S1"), status="Running"), T0, config)
    assert "missed_launch" not in judge(goal(item("S1"), status="active"), T0, config)


# --- scope_creep -----------------------------------------------------------------------------------


def sized(total: float, baseline: float | None = 10) -> GoalView:
    return goal(item("S1", size=total), baseline=baseline)


def test_scope_creep_waits_for_the_baseline() -> None:
    assert "scope_creep" not in judge(sized(100, baseline=None), T0)


def test_scope_creep_stays_closed_at_exactly_20_percent() -> None:
    assert "scope_creep" not in judge(sized(12), T0)


def test_scope_creep_opens_at_21_percent_over_baseline() -> None:
    severity, detail = judge(sized(12.1), T0)["scope_creep"]
    assert severity == "warning"
    assert "10" in detail and "12.1" in detail and "+21%" in detail


def test_scope_creep_is_a_warning_at_exactly_40_percent() -> None:
    assert judge(sized(14), T0)["scope_creep"][0] == "warning"


def test_scope_creep_is_critical_above_40_percent() -> None:
    assert judge(sized(14.1), T0)["scope_creep"][0] == "critical"


def test_scope_creep_ignores_float_noise_at_the_edge() -> None:
    """1.2 + 1.2 + 1.2 is 3.5999999999999996 in floats: exactly 20 % over a baseline of 3 is no creep."""
    view = goal(item("S1", size=1.2), item("S2", size=1.2), item("S3", size=1.2), baseline=3)
    assert "scope_creep" not in judge(view, T0)


def test_scope_creep_counts_leaves_without_points_at_the_default_size() -> None:
    view = goal(*[item(f"S{n}") for n in range(13)], baseline=10)
    assert judge(view, T0)["scope_creep"][0] == "warning"


def test_scope_creep_does_not_count_containers() -> None:
    view = goal(item("EPIC", size=50), item("S1", parent="EPIC", size=10), baseline=10)
    assert "scope_creep" not in judge(view, T0)


def test_scope_creep_percent_is_configurable() -> None:
    config = RuleConfig(scope_creep_pct=10)
    assert judge(sized(11.5), T0, config)["scope_creep"][0] == "warning"
    assert judge(sized(12.5), T0, config)["scope_creep"][0] == "critical"


def test_scope_creep_stays_closed_when_scope_shrinks() -> None:
    assert "scope_creep" not in judge(sized(2), T0)


# --- stalled ---------------------------------------------------------------------------------------

STALL_NOW = L - 20 * DAY


def quiet_since(changed: datetime | None, *, linked_at: datetime = STALL_NOW - 30 * DAY) -> GoalView:
    return goal(item("S1", linked_at=linked_at, changed=changed))


def test_stalled_opens_after_seven_days_without_a_status_change() -> None:
    severity, detail = judge(quiet_since(STALL_NOW - 7 * DAY), STALL_NOW)["stalled"]
    assert severity == "warning"
    assert "7 days" in detail and "S1" in detail


def test_stalled_stays_closed_one_second_before_seven_days() -> None:
    assert "stalled" not in judge(quiet_since(STALL_NOW - 7 * DAY + SECOND), STALL_NOW)


def test_stalled_counts_a_never_changed_item_from_when_it_was_linked() -> None:
    assert "stalled" in judge(quiet_since(None, linked_at=STALL_NOW - 7 * DAY), STALL_NOW)
    assert "stalled" not in judge(quiet_since(None, linked_at=STALL_NOW - 6 * DAY), STALL_NOW)


def test_stalled_counts_an_item_changed_before_it_was_linked_from_the_link() -> None:
    view = quiet_since(STALL_NOW - 20 * DAY, linked_at=STALL_NOW - 2 * DAY)
    assert "stalled" not in judge(view, STALL_NOW)


def test_stalled_is_reset_by_a_status_change_on_any_linked_item() -> None:
    view = goal(
        item("S1", linked_at=T0, changed=STALL_NOW - 10 * DAY),
        item("S2", linked_at=T0, changed=STALL_NOW - DAY, done=True, done_at=STALL_NOW - DAY),
    )
    assert "stalled" not in judge(view, STALL_NOW)


def test_stalled_is_reset_by_a_status_change_on_a_container() -> None:
    view = goal(
        item("EPIC", linked_at=T0, changed=STALL_NOW - DAY),
        item("S1", parent="EPIC", linked_at=T0, changed=STALL_NOW - 10 * DAY),
    )
    assert "stalled" not in judge(view, STALL_NOW)


def test_stalled_is_judged_30_days_before_launch() -> None:
    now = L - 30 * DAY
    assert "stalled" in judge(quiet_since(now - 8 * DAY), now)


def test_stalled_is_silent_more_than_30_days_before_launch() -> None:
    now = L - 30 * DAY - SECOND
    assert "stalled" not in judge(quiet_since(now - 8 * DAY), now)


def test_stalled_needs_open_leaves() -> None:
    view = goal(item("S1", done=True, linked_at=T0, changed=T0, done_at=T0))
    assert "stalled" not in judge(view, STALL_NOW)


def test_stalled_is_silent_without_a_launch_date() -> None:
    view = goal(item("S1", linked_at=T0), launch=None)
    assert "stalled" not in judge(view, T0 + 60 * DAY)


def test_stalled_thresholds_are_configurable() -> None:
    config = RuleConfig(stalled_days=3, stalled_horizon_days=40)
    now = L - 40 * DAY
    assert "stalled" in judge(quiet_since(now - 3 * DAY), now, config)


# --- date_conflict ---------------------------------------------------------------------------------

FAR = L - 30 * DAY


def test_date_conflict_opens_when_an_open_leaf_is_due_after_launch() -> None:
    severity, detail = judge(goal(item("S1", due=date(2027, 3, 2))), FAR)["date_conflict"]
    assert severity == "warning"
    assert detail == "S1 is due 2027-03-02, after the launch on 2027-03-01."


def test_date_conflict_stays_closed_when_due_on_the_launch_date() -> None:
    assert "date_conflict" not in judge(goal(item("S1", due=date(2027, 3, 1))), FAR)


def test_date_conflict_opens_for_an_open_container_due_after_launch() -> None:
    view = goal(item("EPIC", due=date(2027, 3, 5)), item("S1", parent="EPIC"))
    assert "EPIC is due 2027-03-05" in judge(view, FAR)["date_conflict"][1]


def test_date_conflict_ignores_a_container_whose_leaves_are_all_done() -> None:
    view = goal(item("EPIC", due=date(2027, 3, 5), done=False), item("S1", parent="EPIC", done=True))
    assert "date_conflict" not in judge(view, FAR)


def test_date_conflict_ignores_a_done_leaf() -> None:
    assert "date_conflict" not in judge(goal(item("S1", due=date(2027, 3, 5), done=True)), FAR)


def test_date_conflict_ignores_items_without_due_date() -> None:
    assert "date_conflict" not in judge(goal(item("S1")), FAR)


def test_date_conflict_is_critical_seven_days_before_launch() -> None:
    assert judge(goal(item("S1", due=date(2027, 3, 2))), L - 7 * DAY)["date_conflict"][0] == "critical"


def test_date_conflict_is_a_warning_just_over_seven_days_before_launch() -> None:
    assert judge(goal(item("S1", due=date(2027, 3, 2))), L - 7 * DAY - SECOND)["date_conflict"][0] == "warning"


def test_date_conflict_stays_critical_after_launch() -> None:
    assert judge(goal(item("S1", due=date(2027, 3, 9))), L + DAY)["date_conflict"][0] == "critical"


def test_date_conflict_critical_days_are_configurable() -> None:
    config = RuleConfig(date_conflict_critical_days=10)
    assert judge(goal(item("S1", due=date(2027, 3, 2))), L - 10 * DAY, config)["date_conflict"][0] == "critical"


def test_date_conflict_is_silent_without_a_launch_date() -> None:
    assert "date_conflict" not in judge(goal(item("S1", due=date(2027, 3, 2)), launch=None), FAR)


def test_date_conflict_names_every_late_item_in_key_order() -> None:
    view = goal(item("S2", due=date(2027, 3, 9)), item("S1", due=date(2027, 3, 2)))
    assert judge(view, FAR)["date_conflict"][1].startswith("S1 is due 2027-03-02; S2 is due 2027-03-09")


# --- canceled_work ---------------------------------------------------------------------------------


def test_canceled_work_opens_when_the_campaign_is_canceled_with_open_leaves() -> None:
    severity, detail = judge(goal(item("S1"), status="Cancelled"), T0)["canceled_work"]
    assert severity == "warning" and "S1" in detail


def test_canceled_work_opens_when_the_campaign_was_deleted_with_open_leaves() -> None:
    assert "deleted" in judge(goal(item("S1"), deleted=True), T0)["canceled_work"][1]


def test_a_canceled_goal_is_judged_by_canceled_work_alone() -> None:
    """Its launch will not happen: a due date after it, a stall or a missed date concern no one."""
    late = item("S1", due=LAUNCH + 30 * DAY)
    view = goal(late, status="canceled", first_linked_at=T0 - 60 * DAY)
    assert set(judge(view, L + 10 * DAY)) == {"canceled_work"}


def test_an_uncanceled_goal_is_judged_afresh() -> None:
    late = item("S1", due=LAUNCH + 30 * DAY)
    assert "date_conflict" in judge(goal(late, status="planned"), T0)


def test_canceled_work_stays_closed_when_every_leaf_is_done() -> None:
    assert "canceled_work" not in judge(goal(item("S1", done=True), status="canceled"), T0)


def test_canceled_work_stays_closed_for_a_campaign_going_ahead() -> None:
    assert "canceled_work" not in judge(goal(item("S1"), status="planned"), T0)


def test_canceled_statuses_are_configurable() -> None:
    config = RuleConfig(canceled_statuses=frozenset({"aborted"}))
    assert "canceled_work" in judge(goal(item("S1"), status="Aborted"), T0, config)
    assert "canceled_work" not in judge(goal(item("S1"), status="canceled"), T0, config)


# --- orphan_work -----------------------------------------------------------------------------------


def orphan(refs: frozenset[str] = frozenset({"WEB-9"}), *, known: bool = False, deleted: bool = False) -> GoalView:
    return goal(item("WEB-9"), launch=None, status=None, known=known, deleted=deleted, orphan_refs=refs, campaign="x9")


def test_orphan_work_opens_for_a_campaign_hubspot_never_had() -> None:
    severity, detail = judge(orphan(), T0)["orphan_work"]
    assert severity == "warning" and "WEB-9" in detail and "x9" in detail


def test_orphan_work_waits_for_the_hubspot_sync() -> None:
    assert "orphan_work" not in judge(orphan(), T0, hubspot_synced=False)


def test_orphan_work_is_not_raised_for_a_deleted_campaign() -> None:
    findings = judge(orphan(known=True, deleted=True), T0)
    assert "orphan_work" not in findings
    assert "canceled_work" in findings


def test_orphan_work_needs_a_referencing_item() -> None:
    assert "orphan_work" not in judge(orphan(frozenset()), T0)


# --- readiness -------------------------------------------------------------------------------------


def test_no_signal_opens_before_both_sources_synced() -> None:
    view = goal(item("S1", due=date(2027, 4, 1)), status="canceled", baseline=0.1)
    assert judge(view, L + DAY)  # conditions hold...
    assert judge(view, L + DAY, ready=False) == {}  # ...but nothing is judged on a partial picture


def test_several_rules_can_hold_at_once() -> None:
    view = goal(item("S1", size=20, due=date(2027, 3, 9), linked_at=T0), baseline=10)
    assert set(judge(view, L + timedelta(hours=1))) == {"missed_launch", "scope_creep", "stalled", "date_conflict"}
