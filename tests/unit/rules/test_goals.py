"""A goal's facts (docs/rules.md): leaves, containers, top-level items, sizes, progress, forecast, baseline, status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streams.rules.config import RuleConfig
from streams.rules.goals import baseline_due, goal_status, item_is_done, item_size, launch_instant
from streams.rules.model import Progress, Severity, SignalState
from tests.unit.rules.builders import CONFIG, DAY, SECOND, T0, facts, goal, item

NOW = T0 + 10 * DAY


def signal(rule: str, severity: Severity) -> SignalState:
    return SignalState(rule, severity, severity, T0, None, 1)


# --- structure -------------------------------------------------------------------------------------


def test_a_linked_item_without_linked_children_is_a_leaf() -> None:
    view = goal(item("EPIC"), item("S1", parent="EPIC"), item("S2", parent="EPIC"))
    assert facts(view, NOW).leaves == {"S1", "S2"}


def test_a_linked_item_with_linked_children_is_a_container() -> None:
    view = goal(item("EPIC"), item("S1", parent="EPIC"))
    assert facts(view, NOW).containers == {"EPIC"}


def test_an_epic_whose_children_are_not_linked_is_a_leaf() -> None:
    assert facts(goal(item("EPIC")), NOW).leaves == {"EPIC"}


def test_container_is_open_while_a_leaf_under_it_is_open() -> None:
    view = goal(item("EPIC", done=True), item("S1", parent="EPIC", done=True), item("S2", parent="EPIC"))
    assert facts(view, NOW).open_containers == {"EPIC"}


def test_container_is_open_while_a_leaf_deep_under_it_is_open() -> None:
    view = goal(item("EPIC"), item("STORY", parent="EPIC"), item("SUB", parent="STORY"))
    assert facts(view, NOW).open_containers == {"EPIC", "STORY"}


def test_container_is_done_when_every_leaf_under_it_is_done_whatever_its_own_status() -> None:
    view = goal(item("EPIC", done=False), item("S1", parent="EPIC", done=True))
    result = facts(view, NOW)
    assert result.open_containers == frozenset()
    assert result.open_leaves == frozenset()


def test_top_level_items_are_those_whose_parent_is_not_linked() -> None:
    view = goal(item("EPIC"), item("S1", parent="EPIC"), item("LOOSE", parent="UNLINKED-9"), item("SOLO"))
    assert facts(view, NOW).top_level == {"EPIC", "LOOSE", "SOLO"}


def test_a_parent_cycle_does_not_hang() -> None:
    view = goal(item("A", parent="B"), item("B", parent="A"), item("C", parent="A"))
    result = facts(view, NOW)
    assert result.leaves == {"C"}
    assert result.open_containers == {"A", "B"}


# --- done and size ---------------------------------------------------------------------------------


def test_wont_do_counts_as_done() -> None:
    """Jira puts "Won't Do" (like "Done") in the status category `done`: the work is finished for the goal."""
    assert item_is_done("done")
    view = goal(item("S1", done=item_is_done("done"), size=3))
    assert facts(view, NOW).progress == Progress(items_done=1, items_total=1, size_done=3, size_total=3)


@pytest.mark.parametrize("category", ["new", "indeterminate", None, ""])
def test_only_the_done_category_is_done(category: str | None) -> None:
    assert not item_is_done(category)


def test_size_is_the_story_points_when_set() -> None:
    assert item_size(5, CONFIG) == 5.0


def test_size_is_the_default_size_without_story_points() -> None:
    assert item_size(None, CONFIG) == 1.0
    assert item_size(None, RuleConfig(default_size=2.5)) == 2.5


def test_zero_story_points_are_a_size_of_zero() -> None:
    assert item_size(0, CONFIG) == 0.0


def test_progress_counts_leaves_only() -> None:
    view = goal(
        item("EPIC", size=100, done=True),
        item("S1", parent="EPIC", size=5, done=True),
        item("S2", parent="EPIC", size=3),
        item("S3", parent="EPIC"),
    )
    assert facts(view, NOW).progress == Progress(items_done=1, items_total=3, size_done=5, size_total=9)


def test_remaining_is_the_size_of_the_open_leaves() -> None:
    view = goal(item("S1", size=5, done=True), item("S2", size=3), item("S3"))
    assert facts(view, NOW).remaining == 4


# --- throughput and forecast -----------------------------------------------------------------------


def test_throughput_is_the_size_done_in_the_window_per_day() -> None:
    view = goal(item("D1", size=7, done=True, done_at=NOW - DAY), item("OPEN", size=1))
    assert facts(view, NOW).throughput_per_day == 0.5


def test_work_done_exactly_one_window_ago_is_outside_the_window() -> None:
    view = goal(item("D1", size=7, done=True, done_at=NOW - 14 * DAY), item("OPEN"))
    assert facts(view, NOW).throughput_per_day == 0


def test_work_done_just_inside_the_window_counts() -> None:
    view = goal(item("D1", size=14, done=True, done_at=NOW - 14 * DAY + SECOND), item("OPEN"))
    assert facts(view, NOW).throughput_per_day == 1


def test_work_done_at_now_counts() -> None:
    view = goal(item("D1", size=14, done=True, done_at=NOW), item("OPEN"))
    assert facts(view, NOW).throughput_per_day == 1


def test_the_velocity_window_is_configurable() -> None:
    view = goal(item("D1", size=7, done=True, done_at=NOW - 10 * DAY), item("OPEN"))
    assert facts(view, NOW, RuleConfig(velocity_window_days=7)).throughput_per_day == 0


def test_a_reopened_leaf_does_not_count_towards_throughput() -> None:
    view = goal(item("R1", size=7, done=False, done_at=NOW - DAY))
    assert facts(view, NOW).throughput_per_day == 0


def test_forecast_is_now_plus_remaining_over_throughput() -> None:
    view = goal(item("D1", size=7, done=True, done_at=NOW - DAY), item("S2", size=3))
    assert facts(view, NOW).forecast == NOW + 6 * DAY


def test_forecast_is_never_when_nothing_was_done_in_the_window() -> None:
    view = goal(item("D1", size=7, done=True, done_at=NOW - 20 * DAY), item("S2", size=3))
    result = facts(view, NOW)
    assert result.forecast is None and result.forecast_never


def test_forecast_is_none_but_not_never_when_nothing_remains() -> None:
    view = goal(item("D1", size=7, done=True, done_at=NOW - 20 * DAY))
    result = facts(view, NOW)
    assert result.forecast is None and not result.forecast_never


def test_a_forecast_beyond_the_calendar_counts_as_never() -> None:
    view = goal(item("D1", size=1e-9, done=True, done_at=NOW - DAY), item("S2", size=1e9))
    result = facts(view, NOW)
    assert result.forecast is None and result.forecast_never


def test_launch_is_midnight_utc_of_the_launch_date() -> None:
    assert facts(goal(item("S1")), NOW).launch_at == datetime(2027, 3, 1, tzinfo=UTC)
    assert launch_instant(None) is None


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        facts(goal(item("S1")), datetime(2027, 1, 5, 9))


def test_campaign_status_is_canceled_or_live_case_insensitively() -> None:
    assert facts(goal(item("S1"), status="Cancelled"), NOW).canceled
    assert facts(goal(item("S1"), deleted=True), NOW).canceled
    assert facts(goal(item("S1"), status="ACTIVE"), NOW).live
    assert not facts(goal(item("S1"), status="planned"), NOW).live


# --- baseline --------------------------------------------------------------------------------------


def test_baseline_is_not_due_before_seven_days_after_the_first_link() -> None:
    view = goal(item("S1", size=5), item("S2"))
    assert baseline_due(view, T0 + 7 * DAY - SECOND, CONFIG) is None


def test_baseline_is_the_total_leaf_size_seven_days_after_the_first_link() -> None:
    view = goal(item("EPIC", size=40), item("S1", parent="EPIC", size=5), item("S2", parent="EPIC"))
    assert baseline_due(view, T0 + 7 * DAY, CONFIG) == 6


def test_baseline_is_not_due_again_once_set() -> None:
    view = goal(item("S1", size=5), baseline=4)
    assert baseline_due(view, T0 + 30 * DAY, CONFIG) is None


def test_baseline_is_not_due_without_a_first_link() -> None:
    assert baseline_due(goal(item("S1"), first_linked_at=None), T0 + 30 * DAY, CONFIG) is None


def test_baseline_delay_is_configurable() -> None:
    view = goal(item("S1", size=5))
    assert baseline_due(view, T0 + 2 * DAY, RuleConfig(baseline_after_days=2)) == 5


# --- status ----------------------------------------------------------------------------------------


def test_status_is_canceled_when_the_campaign_is_canceled() -> None:
    view = goal(item("S1"), status="canceled")
    assert goal_status(view, facts(view, NOW), {}) == "canceled"


def test_status_is_canceled_when_the_campaign_was_deleted_even_if_the_work_is_done() -> None:
    view = goal(item("S1", done=True), deleted=True)
    assert goal_status(view, facts(view, NOW), {}) == "canceled"


def test_status_is_done_when_every_leaf_is_done() -> None:
    view = goal(item("EPIC"), item("S1", parent="EPIC", done=True))
    assert goal_status(view, facts(view, NOW), {"date_conflict": signal("date_conflict", "critical")}) == "done"


def test_status_is_not_done_without_leaves() -> None:
    view = goal()
    assert goal_status(view, facts(view, NOW), {}) == "on_track"


def test_status_is_off_track_while_a_critical_signal_is_open() -> None:
    view = goal(item("S1"))
    open_signals = {"stalled": signal("stalled", "warning"), "missed_launch": signal("missed_launch", "critical")}
    assert goal_status(view, facts(view, NOW), open_signals) == "off_track"


def test_status_is_at_risk_while_a_warning_is_open() -> None:
    view = goal(item("S1"))
    assert goal_status(view, facts(view, NOW), {"stalled": signal("stalled", "warning")}) == "at_risk"


def test_status_is_on_track_without_open_signals() -> None:
    view = goal(item("S1"))
    assert goal_status(view, facts(view, NOW), {}) == "on_track"


def test_each_hour_of_the_window_is_measured_from_now() -> None:
    view = goal(item("D1", size=14, done=True, done_at=NOW - timedelta(hours=1)), item("OPEN", size=1))
    assert facts(view, NOW).forecast == NOW + DAY
