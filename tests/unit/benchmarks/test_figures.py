"""The benchmarks' arithmetic on tiny inputs: each figure named as issue 16 names it, ratios are ratios,
percentiles are nearest-rank. (The benchmarks themselves never run in the test suite.)"""

from __future__ import annotations

import pytest

from benchmarks import __main__ as suite
from benchmarks import forecast_cost, latency, pipeline, replay_speed, scale_out
from benchmarks.common import mib, per_second, percentile, ratio

ISSUE_KEYS = {
    "pipeline_vs_raw",
    "cost_ratio_100x_goals",
    "latency_p50_ms",
    "latency_p99_ms",
    "first_change_latency_ms",
    "backfill_vs_floor",
    "replay_90d_s",
    "replay_s_per_day",
    "worker_rss_mib",
    "scale_out_2_workers",
    "forecast_ms_per_recompute",
    "forecast_ms_per_tick_10k_goals",
    "pipeline_events_per_s",
    "raw_events_per_s",
}


def test_a_ratio_is_the_value_over_its_baseline_and_none_without_one() -> None:
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(1.0, 3.0) == 0.333
    assert ratio(1.0, 0.0) is None


def test_a_percentile_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([5.0, 1.0, 3.0], 50) == 3.0
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_events_per_second_need_a_positive_duration() -> None:
    assert per_second(1000, 4.0) == 250.0
    with pytest.raises(ValueError):
        per_second(10, 0.0)


def test_kib_become_mib() -> None:
    assert mib(409_600) == 400.0


def test_the_suite_reports_every_figure_the_issue_names() -> None:
    assert set(suite.TARGETS) >= ISSUE_KEYS
    produced = {key for keys in suite.FIGURES.values() for key in keys}
    assert ISSUE_KEYS <= produced <= set(suite.TARGETS)


def test_a_figure_is_met_when_it_keeps_to_its_target() -> None:
    assert suite.verdict("pipeline_vs_raw", 0.5) == "met"
    assert suite.verdict("pipeline_vs_raw", 0.49) == "NOT met"
    assert suite.verdict("latency_p99_ms", 500.0) == "NOT met"
    assert suite.verdict("scale_out_2_workers", 1.3) == "—"
    assert suite.verdict("worker_rss_mib", None) == "failed"
    assert "cost_ratio_100x_goals" in suite.table({"cost_ratio_100x_goals": 1.2})
    assert suite.verdict("latency_p50_ms", None, ran=False) == "not run"
    shown = suite.table({"replay_90d_s": 20.0}, {"replay"})
    assert "not run" in next(line for line in shown.splitlines() if line.startswith("latency_p50_ms"))


def test_the_pipeline_figures_compare_per_change_costs_and_throughputs() -> None:
    sizes = pipeline.Sizes(small_goals=100, large_goals=10_000, changes=100, throughput_changes=1000)
    found = pipeline.figures(
        sizes, small_seconds=1.0, large_seconds=1.5, pipeline_seconds=4.0, raw_seconds=1.0, peak_rss_mib=321.5
    )
    assert found["ms_per_change_small"] == 10.0 and found["ms_per_change_large"] == 15.0
    assert found["cost_ratio_100x_goals"] == 1.5
    assert (found["pipeline_events_per_s"], found["raw_events_per_s"], found["pipeline_vs_raw"]) == (
        250.0,
        1000.0,
        0.25,
    )
    assert found["worker_rss_mib"] == 321.5
    assert found["pipeline_sizes"]["work_items"] == 100_000


def test_the_scale_out_figure_is_two_workers_over_one() -> None:
    found = scale_out.figures(scale_out.Sizes(goals=10, changes=600), one_s=3.0, two_s=2.0)
    assert found["scale_out_1_worker_events_per_s"] == 200.0
    assert found["scale_out_2_workers_events_per_s"] == 300.0
    assert found["scale_out_2_workers"] == 1.5


def test_the_latency_figures_are_percentiles_of_the_steady_changes() -> None:
    steady = [float(v) for v in range(1, 201)]
    found = latency.figures(812.34, steady, latency.QUICK)
    assert found["first_change_latency_ms"] == 812.3
    assert (found["latency_p50_ms"], found["latency_p99_ms"]) == (100.0, 198.0)
    assert found["latency_sizes"]["changes"] == 200


def test_each_latency_change_expects_the_mail_of_its_episode() -> None:
    assert latency.expected_key("c1", 1) == "signal:c1:date_conflict:1:opened:0"
    assert latency.expected_key("c1", 2) == "signal:c1:date_conflict:1:closed:0"
    assert latency.expected_key("c1", 3) == "signal:c1:date_conflict:2:opened:0"


def test_the_latency_workspace_is_a_valid_scenario() -> None:
    from sandbox.scenario import parse_scenario

    scenario = parse_scenario(latency.scenario_text(3), "latency")
    assert len(scenario.section("hubspot")["campaigns"]) == 3
    assert [issue["fields"]["duedate"] for issue in scenario.section("jira")["issues"]] == [latency.BEFORE] * 3


def test_the_replay_scenario_has_the_days_and_steps_asked_for() -> None:
    from sandbox.scenario import parse_scenario

    scenario = parse_scenario(replay_speed.scenario_text(90, 200), "replay")
    assert (scenario.end - scenario.start).days == 90
    assert len(scenario.timeline) == 200
    assert len({step.at for step in scenario.timeline}) == 200  # each step its own instant


def test_the_replay_figures_scale_the_driving_time_not_the_start_up() -> None:
    assert replay_speed.figures(45.0, 9.0, 90, 200)["replay_90d_s"] == 45.0
    quick = replay_speed.figures(30.0, 20.0, 10, 20)
    assert (quick["replay_s_per_day"], quick["replay_90d_s"]) == (1.0, 110.0)
    assert quick["replay_sizes"]["scaled_to_90d"] is True and quick["replay_sizes"]["start_s"] == 20.0


def test_the_forecast_figures_scale_the_tick_to_ten_thousand_goals() -> None:
    found = forecast_cost.figures([0.010, 0.012, 0.011], [0.004, 0.004, 0.005], tick_s=0.5, goals=1000, needing=800)
    assert found["forecast_ms_per_recompute"] == 11.0
    assert found["forecast_recompute_vs_draw"] == 2.75
    assert found["forecast_ms_per_tick_10k_goals"] == 5000.0
    assert found["forecast_s_first_tick_of_day_10k_goals"] == 88.0


def test_the_forecast_benchmark_measures_real_goals() -> None:
    found = forecast_cost.measure(forecast_cost.Sizes(goals=20, recomputes=2))
    assert found["forecast_ms_per_recompute"] > 0 and found["forecast_ms_per_tick_10k_goals"] > 0


def test_the_owner_goal_figures_compare_the_largest_owner_with_the_smallest() -> None:
    from benchmarks import owner_goals

    found = owner_goals.figures({1: ([0.002, 0.002], [0.001, 0.001]), 200: ([0.4, 0.4], [0.0015, 0.0015])})
    assert found["owner_goal_ms_whole_state_200"] == 400.0 and found["owner_goal_ms_entry_200"] == 1.5
    assert (found["owner_goal_growth_whole_state"], found["owner_goal_growth_entry"]) == (200.0, 1.5)


def test_the_owner_goal_benchmark_times_both_writes() -> None:
    from benchmarks import owner_goals

    found = owner_goals.run(rounds=1, sizes=(1, 3))
    assert found["owner_goal_ms_whole_state_3"] > 0 and found["owner_goal_ms_entry_3"] > 0
