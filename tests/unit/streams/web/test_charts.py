"""What the charts draw: a goal's burn-up from its daily points, and the portfolio's trend."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.records import HistoryPoint, Odds
from streams.web.charts import Band, burnup, trend_chart

T = datetime(2027, 3, 1, 9, tzinfo=UTC)


def point(day: str, done: float, total: float, baseline: float | None = None) -> HistoryPoint:
    return HistoryPoint(
        campaign="c1", day=day, at=T, status="on_track", size_done=done, size_total=total, baseline=baseline
    )


def test_no_points_no_chart() -> None:
    assert burnup([], "2027-03-10", None) is None


def test_the_burnup_runs_day_by_day_to_the_launch_carrying_values_over_quiet_days() -> None:
    chart = burnup([point("2027-03-01", 0, 8), point("2027-03-03", 3, 10)], "2027-03-06", None)
    assert chart is not None
    assert chart.days == ["2027-03-01", "2027-03-02", "2027-03-03", "2027-03-04", "2027-03-05", "2027-03-06"]
    assert chart.done == [0, 0, 3, None, None, None]
    assert chart.total == [8, 8, 10, None, None, None]
    assert (chart.launch_index, chart.today_index) == (5, 2)


def test_the_baseline_is_a_line_from_when_it_was_set() -> None:
    chart = burnup([point("2027-03-01", 0, 8), point("2027-03-02", 1, 8, baseline=8)], "2027-03-03", None)
    assert chart is not None and chart.baseline == [None, 8, 8]


def test_the_forecast_projects_a_straight_line_from_today_to_the_total_on_its_day() -> None:
    chart = burnup([point("2027-03-01", 2, 6)], "2027-03-02", "2027-03-05")
    assert chart is not None
    assert chart.projection == [2.0, 3.0, 4.0, 5.0, 6.0]


def test_a_forecast_of_never_draws_no_projection() -> None:
    chart = burnup([point("2027-03-01", 2, 6)], "2027-03-03", "never")
    assert chart is not None and chart.projection == [None, None, None]


def odds(p50: str | None, p85: str | None, p95: str | None) -> Odds:
    return Odds(key="k", words="…", horizon="2029-03-01", p50=p50, p85=p85, p95=p95, on_time=0.4)


def test_the_forecast_with_odds_is_a_band_from_p50_to_p95_with_p85_marked() -> None:
    chart = burnup(
        [point("2027-03-01", 2, 6)], "2027-03-03", "2027-03-04", odds("2027-03-04", "2027-03-06", "2027-03-08")
    )
    assert chart is not None and len(chart.days) == 8  # the chart runs to the P95 day
    assert chart.band == Band(p50=3, p85=5, p95=7)
    assert chart.chart()["band"] == {"from": 3, "to": 7, "likely": 5}


def test_a_p95_beyond_the_horizon_shades_the_band_to_the_chart_s_end() -> None:
    chart = burnup([point("2027-03-01", 2, 6)], "2027-03-05", None, odds("2027-03-03", None, None))
    assert chart is not None and chart.band == Band(p50=2, p85=None, p95=4)


def test_without_finished_work_there_is_no_band() -> None:
    chart = burnup([point("2027-03-01", 0, 6)], "2027-03-05", "never", odds(None, None, None))
    assert chart is not None and chart.band is None and chart.chart()["band"] is None


def test_the_table_beside_the_chart_lists_the_days_with_a_point() -> None:
    chart = burnup([point("2027-03-01", 0, 8), point("2027-03-02", 1, 8)], "2027-03-04", None)
    assert chart is not None
    assert [row["day"] for row in chart.rows()] == ["2027-03-01", "2027-03-02"]


def test_the_trend_chart_has_a_series_per_status_in_order() -> None:
    counts = {"on_track": 2, "at_risk": 1, "off_track": 0, "done": 0, "canceled": 0}
    chart = trend_chart([("2027-03-07", counts)])
    assert [s["status"] for s in chart["series"]] == ["on_track", "at_risk", "off_track", "done", "canceled"]
    assert chart["series"][0]["data"] == [2] and chart["labels"] == ["2027-03-07"]
