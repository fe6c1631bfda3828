"""The Monte Carlo forecast (streams/rules/forecast.py): the window's daily throughput, the simulated
completion days at P50/P85/P95, the chance of being ready before launch, its words and its risk."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest

from streams.rules.forecast import (
    HORIZON_DAYS,
    Forecast,
    _completion_days,
    _first_block,
    _order_statistic,
    daily_throughput,
    forecast_key,
    forecast_seed,
    last_on_time_day,
    monte_carlo,
    plain_words,
    schedule_risk_by_p85,
    spoken_date,
)
from tests.unit.rules.builders import DAY, SECOND, L, goal, item, judge

NOW = datetime(2027, 1, 4, 9, tzinfo=UTC)  # a Monday, 09:00 UTC
TODAY = date(2027, 1, 4)
LAUNCH = date(2027, 3, 1)
SEED = 20270104


def forecast(
    samples: list[float],
    remaining: float,
    launch: date | None = None,
    *,
    seed: int = SEED,
    runs: int = 10_000,
    horizon_days: int = HORIZON_DAYS,
) -> Forecast:
    return monte_carlo(samples, remaining, TODAY, launch, runs=runs, seed=seed, horizon_days=horizon_days)


def day(n: int) -> date:
    """The n-th day of a simulation: day 1 is tomorrow."""
    return TODAY + timedelta(days=n)


# --- daily_throughput ------------------------------------------------------------------------------


def test_the_window_has_one_entry_per_day_oldest_first() -> None:
    done = [(NOW - 13 * DAY, 1.0), (NOW - 1 * DAY, 2.0), (NOW, 3.0)]
    assert daily_throughput(done, NOW, 14) == (1.0, *[0.0] * 11, 2.0, 3.0)


def test_a_window_with_nothing_finished_is_all_zero_days() -> None:
    assert daily_throughput([], NOW, 14) == (0.0,) * 14


def test_sizes_finished_on_the_same_day_add_up() -> None:
    assert daily_throughput([(NOW - DAY, 2.0), (NOW - DAY - 3600 * SECOND, 3.0)], NOW, 3) == (0.0, 5.0, 0.0)


def test_the_oldest_day_of_the_window_counts_from_its_midnight() -> None:
    oldest_midnight = datetime(2026, 12, 22, tzinfo=UTC)  # 14 days ending Monday 4 Jan 2027 start on 22 Dec
    assert daily_throughput([(oldest_midnight, 1.0)], NOW, 14)[0] == 1.0


def test_a_leaf_finished_the_day_before_the_window_does_not_count() -> None:
    just_before = datetime(2026, 12, 22, tzinfo=UTC) - SECOND
    assert daily_throughput([(just_before, 1.0)], NOW, 14) == (0.0,) * 14


def test_a_leaf_finished_exactly_now_counts_today() -> None:
    assert daily_throughput([(NOW, 1.0)], NOW, 14)[-1] == 1.0


def test_a_leaf_finished_after_now_does_not_count() -> None:
    assert daily_throughput([(NOW + SECOND, 1.0)], NOW, 14) == (0.0,) * 14


def test_a_leaf_counts_on_the_utc_day_of_its_done_at() -> None:
    local_early_morning = datetime(2027, 1, 4, 1, tzinfo=timezone(timedelta(hours=2)))  # 3 Jan, 23:00 UTC
    assert daily_throughput([(local_early_morning, 1.0)], NOW, 2) == (1.0, 0.0)


def test_the_window_needs_a_timezone_aware_now() -> None:
    with pytest.raises(ValueError, match="timezone"):
        daily_throughput([], datetime(2027, 1, 4, 9), 14)


def test_the_window_needs_at_least_one_day() -> None:
    with pytest.raises(ValueError, match="window_days"):
        daily_throughput([], NOW, 0)


# --- monte_carlo: days ----------------------------------------------------------------------------


def test_a_constant_throughput_finishes_every_run_on_the_same_exact_day() -> None:
    result = forecast([2.0] * 14, 10)
    assert (result.p50, result.p85, result.p95) == (day(5), day(5), day(5))


def test_day_one_of_the_simulation_is_tomorrow() -> None:
    assert forecast([5.0], 5).p50 == date(2027, 1, 5)


def test_a_remaining_size_just_over_whole_days_takes_one_more_day() -> None:
    assert forecast([2.0], 10.5).p50 == day(6)


def test_float_noise_in_the_running_total_does_not_add_a_day() -> None:
    assert forecast([0.1], 1.0).p50 == day(10)  # 0.1 added ten times is 0.9999999999999999


def test_a_run_carries_its_total_from_one_block_of_days_to_the_next() -> None:
    assert forecast([1.0], 200).p85 == day(200)  # well past the first 64-day block


def test_the_first_block_of_days_covers_twice_what_the_mean_pace_needs() -> None:
    """Drawing 64 days for work of four made such a forecast cost twice what it needs (benchmarks/RESULTS.md)."""
    assert _first_block(4.0, 1.0) == 9


def test_the_first_block_of_days_is_at_least_four_and_at_most_a_whole_block() -> None:
    assert (_first_block(0.5, 1.0), _first_block(500.0, 1.0), _first_block(5.0, 0.0)) == (4, 64, 64)


def test_a_run_slower_than_the_first_block_finishes_in_a_later_one() -> None:
    """Half the days finish nothing: the first block (2 × 10 days at the mean pace, + 1) is too short for
    the slowest runs, which finish in the next block."""
    found = forecast([0.0, 1.0], 10)
    assert found.p95 is not None and found.p95 > day(21)


def test_the_odds_are_those_of_a_known_coin_flip_process() -> None:
    """A window of one empty day and one 1-point day, 1 point to go. A run's pace weighs the two days w and
    1 − w (w uniform: the Bayesian bootstrap), so its 1-point day gives 2(1 − w) points. Done by day 1: that
    day is the productive one (½) at a pace of at least 1 (½) = ¼; by day 2: ¾ · ½ + ¼ · P(¼ ≤ 1 − w < ½)
    = 7/16."""
    assert forecast([0.0, 1.0], 1, day(2)).on_time == pytest.approx(0.25, abs=0.015)
    assert forecast([0.0, 1.0], 1, day(3)).on_time == pytest.approx(7 / 16, abs=0.015)


def test_each_run_draws_its_own_pace_from_the_window() -> None:
    """Fourteen days only estimate the pace: the runs spread wider than draws from one fixed pace would,
    which is what keeps P85 near 85 % (benchmarks/forecast_calibration.py)."""
    window = [0, 3, 5, 0, 1, 2, 8, 0, 0, 4, 2, 1, 0, 6]
    result = forecast(window, 200)
    assert result.p50 is not None and result.p95 is not None
    mean, sd = statistics.fmean(window), statistics.pstdev(window)
    # Drawing every day from the window itself, the completion day T ≈ 200 / mean has sd ≈ √200·sd/mean^1.5
    # (renewal CLT), so P95 − P50 ≈ 1.645 of it; the window's own uncertainty makes it wider by √(1 + T/14).
    fixed_pace = 1.645 * 200**0.5 * sd / mean**1.5
    assert (result.p95 - result.p50).days > 1.5 * fixed_pace


def test_stopping_once_enough_runs_finished_keeps_their_days_exact() -> None:
    """The simulation stops once the runs P95 needs have finished and the launch is passed: the runs still
    going would finish later than all of them, so the earliest days are the same as simulating to the end."""
    values = np.array([0, 3, 5, 0, 1, 2, 8, 0, 0, 4, 2, 1, 0, 6], dtype=float)

    def days(**stop: int) -> np.ndarray:
        rng = np.random.Generator(np.random.PCG64(7))
        return np.sort(_completion_days(values, 150.0, 2_000, 730, rng, **stop))

    full, early = days(enough=2_000, settled_after=0), days(enough=1_900, settled_after=40)
    assert (early[:1_900] == full[:1_900]).all()
    assert (early <= 40).sum() == (full <= 40).sum()
    assert (early == 731).sum() > 0  # the rest were not simulated to the end


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_percentiles_are_ordered(seed: int) -> None:
    result = forecast([0, 3, 5, 0, 1, 2, 8, 0, 0, 4, 2, 1, 0, 6], 100, seed=seed)
    assert result.p50 is not None and result.p85 is not None and result.p95 is not None
    assert result.p50 <= result.p85 <= result.p95


@pytest.mark.parametrize("percent", [50, 85, 95])
@pytest.mark.parametrize("values", [[3], [1, 2], [4, 1, 3, 2], list(range(20, 0, -1)), [5] * 7 + [9] * 13])
def test_a_percentile_is_numpys_inverted_cdf_of_the_completion_days(percent: int, values: list[int]) -> None:
    days = np.sort(np.array(values))
    assert _order_statistic(days, percent) == np.percentile(days, percent, method="inverted_cdf")


# --- monte_carlo: never, done, horizon --------------------------------------------------------------


def test_no_throughput_with_work_remaining_is_never() -> None:
    result = forecast([0.0] * 14, 5, LAUNCH)
    assert (result.never, result.done) == (True, False)
    assert (result.p50, result.p85, result.p95) == (None, None, None)
    assert result.on_time == 0.0


def test_no_samples_at_all_with_work_remaining_is_never() -> None:
    assert forecast([], 5).never


def test_never_without_a_launch_has_no_on_time() -> None:
    assert forecast([0.0] * 14, 5).on_time is None


def test_nothing_remaining_is_done_today() -> None:
    result = forecast([0.0] * 14, 0, LAUNCH)
    assert (result.done, result.never) == (True, False)
    assert (result.p50, result.p85, result.p95) == (TODAY, TODAY, TODAY)
    assert result.on_time == 1.0


def test_done_without_a_launch_has_no_on_time() -> None:
    assert forecast([1.0], 0).on_time is None


def test_a_run_finishing_on_the_last_day_of_the_horizon_has_a_date() -> None:
    assert forecast([1.0], 10, horizon_days=10).p95 == day(10)


def test_a_run_that_would_finish_after_the_horizon_counts_as_never() -> None:
    result = forecast([1.0], 11, LAUNCH, horizon_days=10)
    assert (result.p50, result.p85, result.p95) == (None, None, None)
    assert not result.never  # there is throughput: the work is only too large for the horizon


def test_a_run_beyond_the_horizon_is_not_on_time_for_a_launch_after_the_horizon() -> None:
    assert forecast([1.0], 11, LAUNCH, horizon_days=10).on_time == 0.0


def test_only_the_percentiles_beyond_the_horizon_are_none() -> None:
    result = forecast([0.0, 10.0], 10, horizon_days=3)  # 57 % of the runs finish within 3 days
    assert result.p50 is not None
    assert (result.p85, result.p95) == (None, None)


def test_the_horizon_is_the_last_day_simulated() -> None:
    assert forecast([1.0], 5, horizon_days=30).horizon == day(30)


def test_negative_samples_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        forecast([1.0, -1.0], 5)


def test_not_a_number_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        forecast([1.0, float("nan")], 5)


# --- monte_carlo: before the launch -----------------------------------------------------------------


def test_finishing_the_day_before_launch_is_on_time() -> None:
    assert forecast([2.0], 10, launch=day(6)).on_time == 1.0


def test_finishing_on_the_launch_day_is_late() -> None:
    assert forecast([2.0], 10, launch=day(5)).on_time == 0.0


def test_the_last_on_time_day_is_the_day_before_launch() -> None:
    assert last_on_time_day(LAUNCH) == date(2027, 2, 28)


def test_on_time_is_the_share_of_runs_finishing_before_launch() -> None:
    # On time: done on day 1, which takes the 10-point day (½) at a pace of at least the window's mean (½).
    on_time = forecast([5.0, 10.0], 10, launch=day(2)).on_time
    assert on_time == pytest.approx(0.25, abs=0.015)


def test_nothing_is_on_time_once_the_launch_is_tomorrow() -> None:
    assert forecast([100.0], 1, launch=day(1)).on_time == 0.0


def test_on_time_is_none_without_a_launch() -> None:
    assert forecast([2.0], 10).on_time is None


# --- determinism ----------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_forecast() -> None:
    samples = [0, 3, 5, 0, 1, 2, 8, 0, 0, 4, 2, 1, 0, 6]
    assert forecast(samples, 100, LAUNCH, seed=7) == forecast(samples, 100, LAUNCH, seed=7)


def test_another_seed_draws_another_stream() -> None:
    samples = [0, 3, 5, 0, 1, 2, 8, 0, 0, 4, 2, 1, 0, 6]
    assert forecast(samples, 100, day(40), seed=7).on_time != forecast(samples, 100, day(40), seed=8).on_time


def test_a_replay_seeded_from_the_goal_gives_the_same_forecast() -> None:
    samples = daily_throughput([(NOW - 3 * DAY, 3.0), (NOW - DAY, 5.0)], NOW, 14)
    seed = forecast_seed("c1", samples, 40, TODAY)
    assert seed == forecast_seed("c1", samples, 40, TODAY)
    assert monte_carlo(samples, 40, TODAY, LAUNCH, seed=seed) == monte_carlo(samples, 40, TODAY, LAUNCH, seed=seed)


def test_another_campaign_gets_another_seed() -> None:
    assert forecast_seed("c1", [1.0, 2.0], 40, TODAY) != forecast_seed("c2", [1.0, 2.0], 40, TODAY)


def test_the_seed_changes_with_the_inputs() -> None:
    seed = forecast_seed("c1", [1.0, 2.0], 40, TODAY)
    assert seed != forecast_seed("c1", [1.0, 3.0], 40, TODAY)
    assert seed != forecast_seed("c1", [1.0, 2.0], 41, TODAY)
    assert seed != forecast_seed("c1", [1.0, 2.0], 40, day(1))


def test_the_seed_is_a_64_bit_number() -> None:
    assert 0 <= forecast_seed("c1", [1.0], 1, TODAY) < 2**64


# --- forecast_key ---------------------------------------------------------------------------------


def test_the_key_is_the_same_for_equal_inputs_however_written() -> None:
    assert forecast_key([1, 2, 0], 40, TODAY, LAUNCH) == forecast_key((1.0, 2.0, -0.0), 40.0, TODAY, LAUNCH)


@pytest.mark.parametrize(
    ("samples", "remaining", "today", "launch"),
    [
        ([1.0, 3.0, 0.0], 40, TODAY, LAUNCH),  # a leaf done (or reopened, or resized) in the window
        ([1.0, 2.0, 0.0], 39, TODAY, LAUNCH),  # an open leaf done or resized
        ([2.0, 0.0, 0.0], 40, day(1), LAUNCH),  # a new day: the oldest leaves the window
        ([1.0, 2.0, 0.0], 40, TODAY, day(60)),  # the launch moved
        ([1.0, 2.0, 0.0], 40, TODAY, None),  # the launch date removed
    ],
)
def test_the_key_changes_with_every_input(
    samples: list[float], remaining: float, today: date, launch: date | None
) -> None:
    assert forecast_key(samples, remaining, today, launch) != forecast_key([1.0, 2.0, 0.0], 40, TODAY, LAUNCH)


def test_the_forecast_carries_the_key_of_its_inputs() -> None:
    assert forecast([1.0, 2.0], 40, LAUNCH).key == forecast_key([1.0, 2.0], 40, TODAY, LAUNCH)


# --- plain_words ----------------------------------------------------------------------------------


def said(on_time: float | None, p85: date | None = date(2027, 3, 3), **flags: bool) -> Forecast:
    return Forecast(
        p50=p85,
        p85=p85,
        p95=p85,
        on_time=on_time,
        never=flags.get("never", False),
        done=flags.get("done", False),
        key="k",
        horizon=date(2037, 1, 2),
    )


def test_the_words_give_the_chance_for_the_launch_and_the_85_percent_date() -> None:
    assert plain_words(said(0.3), date(2027, 2, 15), 14) == (
        "About a 30 % chance of being ready for the 15 Feb 2027 launch; 85 % likely by 3 Mar 2027."
    )


@pytest.mark.parametrize(("on_time", "percent"), [(0.285, "29"), (0.2849, "28"), (0.005, "1"), (0.994, "99")])
def test_the_chance_is_rounded_half_up_to_a_whole_percent(on_time: float, percent: str) -> None:
    assert plain_words(said(on_time), LAUNCH, 14).startswith(f"About a {percent} % chance")


@pytest.mark.parametrize("on_time", [0.0, 0.0049])
def test_a_chance_under_one_percent_is_never_called_zero(on_time: float) -> None:
    assert plain_words(said(on_time), LAUNCH, 14).startswith("Less than a 1 % chance of being ready")


@pytest.mark.parametrize("on_time", [1.0, 0.995])
def test_a_chance_over_99_percent_is_never_called_certain(on_time: float) -> None:
    assert plain_words(said(on_time), LAUNCH, 14).startswith("More than a 99 % chance of being ready")


def test_without_a_launch_the_words_give_the_85_percent_date() -> None:
    assert plain_words(said(None), None, 14) == "85 % likely by 3 Mar 2027."


@pytest.mark.parametrize("window", [14, 21])
def test_without_finished_work_the_words_say_there_is_no_forecast_yet(window: int) -> None:
    assert plain_words(said(0.0, None, never=True), LAUNCH, window) == (
        f"No work finished in the last {window} days, so no forecast yet."
    )


def test_when_nothing_remains_the_words_say_all_is_done() -> None:
    assert plain_words(said(1.0, TODAY, done=True), LAUNCH, 14) == "All the work is done."


def test_beyond_the_horizon_the_words_name_its_last_day() -> None:
    assert plain_words(said(0.0, None), date(2027, 2, 15), 14) == (
        "Less than a 1 % chance of being ready for the 15 Feb 2027 launch; not even 85 % likely by 2 Jan 2037."
    )


def test_dates_are_spoken_day_month_year() -> None:
    assert spoken_date(date(2027, 3, 3)) == "3 Mar 2027"


def test_the_words_of_a_simulated_forecast() -> None:
    assert plain_words(forecast([2.0], 10, day(6)), day(6), 14) == (
        "More than a 99 % chance of being ready for the 10 Jan 2027 launch; 85 % likely by 9 Jan 2027."
    )


# --- schedule_risk_by_p85 -------------------------------------------------------------------------
# Launch 1 Mar 2027 (L = 00:00 UTC), buffer 2 days: the last on-time day is 28 Feb; a finish on 27 Feb or
# later leaves less than the buffer (done by the end of 27 Feb is after L − 2 days).


def risk(p50: str, p85: str, buffer_days: int = 2) -> str | None:
    result = Forecast(
        p50=date.fromisoformat(p50),
        p85=date.fromisoformat(p85),
        p95=date.fromisoformat(p85),
        on_time=0.5,
        never=False,
        done=False,
        key="k",
        horizon=date(2037, 1, 1),
    )
    return schedule_risk_by_p85(result, LAUNCH, buffer_days)


def test_p85_risk_is_silent_when_p85_leaves_the_whole_buffer() -> None:
    assert risk("2027-02-20", "2027-02-26") is None


def test_p85_risk_warns_when_p85_falls_inside_the_buffer() -> None:
    assert risk("2027-02-20", "2027-02-27") == "warning"


def test_p85_risk_warns_when_p85_is_after_launch_but_p50_is_not() -> None:
    assert risk("2027-02-28", "2027-03-10") == "warning"


def test_p85_risk_is_critical_when_p50_is_the_launch_day() -> None:
    assert risk("2027-03-01", "2027-03-10") == "critical"


def test_p85_risk_buffer_is_configurable() -> None:
    assert risk("2027-02-10", "2027-02-23", buffer_days=5) is None
    assert risk("2027-02-10", "2027-02-24", buffer_days=5) == "warning"


def test_p85_risk_is_critical_when_the_forecast_is_never() -> None:
    assert schedule_risk_by_p85(forecast([0.0] * 14, 5, LAUNCH), LAUNCH, 2) == "critical"


def test_p85_risk_is_critical_when_p50_lies_beyond_the_horizon() -> None:
    assert schedule_risk_by_p85(forecast([1.0], 11, LAUNCH, horizon_days=10), LAUNCH, 2) == "critical"


def test_p85_risk_warns_when_only_p85_lies_beyond_the_horizon() -> None:
    result = forecast([0.0, 10.0], 10, day(50), horizon_days=3)  # 57 % of the runs finish within 3 days
    assert schedule_risk_by_p85(result, day(50), 2) == "warning"


def test_p85_risk_is_silent_when_all_is_done() -> None:
    assert schedule_risk_by_p85(forecast([0.0], 0, LAUNCH), LAUNCH, 2) is None


def test_p85_risk_is_silent_without_a_launch_date() -> None:
    assert schedule_risk_by_p85(forecast([0.0] * 14, 5), None, 2) is None


@pytest.mark.parametrize("remaining", [26, 27, 28, 29, 30])
def test_p85_risk_agrees_with_the_linear_rule_for_a_steady_pace_of_whole_days(remaining: int) -> None:
    """One point finished on each of the last 14 days: every run and the straight line finish together."""
    now = L - 30 * DAY + 9 * 3600 * SECOND  # 30 Jan 2027, 09:00 UTC
    finished = [item(f"D{k}", size=1, done=True, done_at=now - k * DAY) for k in range(14)]
    view = goal(*finished, item("OPEN", size=remaining), first_linked_at=now - 20 * DAY)
    linear = judge(view, now).get("schedule_risk")
    samples = daily_throughput([(leaf.done_at, 1.0) for leaf in finished if leaf.done_at is not None], now, 14)
    result = monte_carlo(samples, remaining, now.date(), LAUNCH, seed=1)
    assert schedule_risk_by_p85(result, LAUNCH, 2) == (None if linear is None else linear[0])
