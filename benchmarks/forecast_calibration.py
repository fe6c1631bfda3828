"""Monte Carlo forecast calibration benchmark: how often the real completion lands on or before P50/P85/P95.

    .venv/bin/python benchmarks/forecast_calibration.py [--quick] [--trials 1000] [--json FILE]

Synthetic teams with a KNOWN process: each day's finished size is drawn i.i.d. from one of three processes
(steady, Poisson stories × sizes, bursty). Each trial takes a history window of `velocity_window_days` (14)
days, a remaining size and a launch date, runs `streams.rules.forecast.monte_carlo` (10,000 runs), then lets
the same process continue to find the ACTUAL completion day, and counts whether it came on or before P50,
P85 and P95 and whether it was before the launch. Well calibrated: P50 covers 50 %, P85 85 %, P95 95 %, and
the mean `on_time` matches the share of trials that made the launch.

Controls, on the same trials (the same history and the same future): longer windows (28 and 56 days, the
last days of the same history), and an *oracle* forecast whose samples are 1,000 days of the true process (2,000 runs),
which separates the method from the estimation error of a short window.

Cost: each 14-day forecast call is timed (10,000 runs), and so is, interleaved with it, the baseline: ONE
numpy draw of a 10,000 × 64 block of sample indices and the gather of their values (one block of days of
the simulation, the least a vectorised simulation of 10,000 runs does). The ratio is median ÷ median. The
linear forecast (remaining ÷ mean throughput) is timed too, for scale. A table goes to stdout; `--json FILE`
writes the figures; `benchmarks/RESULTS.md` records the runs.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streams.rules.forecast import CHUNK_DAYS, forecast_seed, monte_carlo  # noqa: E402

TODAY = date(2027, 1, 4)
WINDOW = 14  # RuleConfig.velocity_window_days
CONTROL_WINDOWS = (28, 56)
ORACLE_DAYS = 1_000
ORACLE_RUNS = 2_000  # each run weighs every oracle day: 10,000 × 1,000 weights would take most of the benchmark
RUNS = 10_000
SIZES = np.array([1.0, 2.0, 3.0, 5.0])  # story points, equally likely
REMAINING = (10, 200)  # points, uniform integers: 2 to 50 days of work at these paces

Process = Callable[[np.random.Generator, int], np.ndarray]


def _stories(rng: np.random.Generator, counts: np.ndarray) -> np.ndarray:
    """Per day, the total size of `counts[day]` stories with sizes drawn from SIZES."""
    sizes = rng.choice(SIZES, int(counts.sum()))
    days = np.repeat(np.arange(counts.size), counts)
    return np.bincount(days, weights=sizes, minlength=counts.size)


def steady(rng: np.random.Generator, days: int) -> np.ndarray:
    """Binomial(8, ½) one-point stories a day: mean 4, sd 1.4, rarely a zero day."""
    return rng.binomial(8, 0.5, days).astype(np.float64)


def poisson(rng: np.random.Generator, days: int) -> np.ndarray:
    """Poisson(2) stories a day, sizes 1/2/3/5: mean 5.5, sd 4.4, 14 % zero days."""
    return _stories(rng, rng.poisson(2.0, days))


def bursty(rng: np.random.Generator, days: int) -> np.ndarray:
    """A release day one day in four with Poisson(8) stories, sizes 1/2/3/5, else nothing: mean 5.5, sd 10.5."""
    counts = np.where(rng.random(days) < 0.25, rng.poisson(8.0, days), 0)
    return _stories(rng, counts)


PROCESSES: dict[str, Process] = {"steady": steady, "poisson": poisson, "bursty": bursty}
MEANS = {"steady": 4.0, "poisson": 5.5, "bursty": 5.5}


def actual_completion(process: Process, rng: np.random.Generator, remaining: float) -> int:
    """The day (1 = tomorrow) the process, continued, finishes `remaining`."""
    total, offset = 0.0, 0
    while True:
        sums = total + np.cumsum(process(rng, 256))
        crossed = np.flatnonzero(sums >= remaining)
        if crossed.size:
            return offset + int(crossed[0]) + 1
        total, offset = float(sums[-1]), offset + 256


def day_number(day: date | None) -> float:
    return float("inf") if day is None else float((day - TODAY).days)


def bucket(days_of_work: float) -> str:
    return "≤ 7 days" if days_of_work <= 7 else "8–21 days" if days_of_work <= 21 else "> 21 days"


def block_draw(values: np.ndarray, rng: np.random.Generator) -> float:
    """Seconds for one 10,000 × 64 draw of sample indices and the gather of their values (the baseline)."""
    began = time.perf_counter()
    values[rng.integers(0, values.size, size=(RUNS, CHUNK_DAYS))]
    return time.perf_counter() - began


def linear(values: np.ndarray, remaining: float) -> float:
    """Seconds for the linear forecast of the same inputs (remaining ÷ mean throughput, as a date)."""
    began = time.perf_counter()
    mean = float(sum(values.tolist())) / values.size
    if mean > 0:
        TODAY + timedelta(days=remaining / mean)
    return time.perf_counter() - began


def run(trials: int, controls: bool, seed: int) -> dict[str, Any]:
    forecasts = {"window 14": WINDOW}
    if controls:
        forecasts |= {f"window {w}": w for w in CONTROL_WINDOWS}
        forecasts["oracle"] = 0
    history_days = max(CONTROL_WINDOWS) if controls else WINDOW
    rows: list[dict[str, Any]] = []
    cost: list[float] = []
    baseline: list[float] = []
    linear_cost: list[float] = []
    timing_rng = np.random.Generator(np.random.PCG64(seed))
    for p_index, (name, process) in enumerate(PROCESSES.items()):
        oracle = process(np.random.Generator(np.random.PCG64([seed, p_index, 0])), ORACLE_DAYS)
        for trial in range(trials):
            world = np.random.Generator(np.random.PCG64([seed, p_index, 1, trial]))
            history = process(world, history_days)
            remaining = float(world.integers(REMAINING[0], REMAINING[1] + 1))
            days_of_work = remaining / MEANS[name]
            launch = TODAY + timedelta(days=int(world.integers(1, int(2 * days_of_work) + 3)))
            actual = actual_completion(process, world, remaining)
            for label, window in forecasts.items():
                samples = oracle if window == 0 else history[-window:]
                began = time.perf_counter()
                seed_of = forecast_seed(f"{name}-{trial}-{label}", samples.tolist(), remaining, TODAY)
                runs = ORACLE_RUNS if window == 0 else RUNS
                result = monte_carlo(samples, remaining, TODAY, launch, runs=runs, seed=seed_of)  # type: ignore[arg-type]
                elapsed = time.perf_counter() - began
                if label == "window 14":
                    cost.append(elapsed)
                    baseline.append(block_draw(samples, timing_rng))
                    linear_cost.append(linear(samples, remaining))
                rows.append(
                    {
                        "process": name,
                        "forecast": label,
                        "bucket": bucket(days_of_work),
                        "never": result.never,
                        "actual": actual,
                        "p50": day_number(result.p50),
                        "p85": day_number(result.p85),
                        "p95": day_number(result.p95),
                        "on_time": result.on_time,
                        "made_launch": TODAY + timedelta(days=actual) < launch,
                    }
                )
    return {"rows": rows, "cost": cost, "baseline": baseline, "linear": linear_cost, "forecasts": list(forecasts)}


def coverage(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Coverage of P50/P85/P95 over the trials with a forecast (a `never` forecast has none to test)."""
    judged = [row for row in rows if not row["never"]]
    n = len(judged)
    if n == 0:
        return {"trials": len(rows), "no_forecast": len(rows)}
    share = {q: sum(row["actual"] <= row[q] for row in judged) / n for q in ("p50", "p85", "p95")}
    before = {q: sum(row["actual"] < row[q] for row in judged) / n for q in ("p50", "p85", "p95")}
    return {
        "trials": len(rows),
        "no_forecast": len(rows) - n,
        "p50": round(share["p50"], 4),
        "p85": round(share["p85"], 4),
        "p95": round(share["p95"], 4),
        "p50_strictly_before": round(before["p50"], 4),
        "p85_strictly_before": round(before["p85"], 4),
        "p95_strictly_before": round(before["p95"], 4),
        "p50_mid": round((share["p50"] + before["p50"]) / 2, 4),  # a tie with the percentile day counts ½
        "p85_mid": round((share["p85"] + before["p85"]) / 2, 4),
        "p95_mid": round((share["p95"] + before["p95"]) / 2, 4),
        "mean_on_time": round(statistics.fmean(row["on_time"] for row in judged), 4),
        "made_launch": round(sum(row["made_launch"] for row in judged) / n, 4),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(np.ceil(q * len(ordered))) - 1))]


def summarise(raw: dict[str, Any]) -> dict[str, Any]:
    rows = raw["rows"]
    table: dict[str, dict[str, Any]] = {}
    for label in raw["forecasts"]:
        mine = [row for row in rows if row["forecast"] == label]
        table[label] = {name: coverage([r for r in mine if r["process"] == name]) for name in PROCESSES}
        table[label]["overall"] = coverage(mine)
    by_bucket = {
        label: {
            b: coverage([r for r in rows if r["forecast"] == label and r["bucket"] == b])
            for b in ("≤ 7 days", "8–21 days", "> 21 days")
        }
        for label in raw["forecasts"]
    }
    ms = [c * 1e3 for c in raw["cost"]]
    base = [c * 1e3 for c in raw["baseline"]]
    lin = [c * 1e6 for c in raw["linear"]]
    return {
        "coverage": table,
        "coverage_by_days_of_work": by_bucket,
        "cost": {
            "calls": len(ms),
            "runs_per_call": RUNS,
            "forecast_ms_median": round(statistics.median(ms), 3),
            "forecast_ms_p95": round(percentile(ms, 0.95), 3),
            "baseline": f"one {RUNS:,} × {CHUNK_DAYS} numpy draw of sample indices + gather",
            "baseline_ms_median": round(statistics.median(base), 3),
            "baseline_ms_p95": round(percentile(base, 0.95), 3),
            "ratio_median": round(statistics.median(ms) / statistics.median(base), 2),
            "linear_us_median": round(statistics.median(lin), 2),
        },
    }


def worst_case() -> dict[str, Any]:
    """The slow corner: a tiny pace that keeps every run going to the horizon (HORIZON_DAYS, two years)."""
    samples = [1.0] + [0.0] * 13
    began = time.perf_counter()
    result = monte_carlo(samples, 400, TODAY, None, runs=RUNS, seed=1)
    return {
        "samples": "one point in 14 days",
        "remaining": 400,
        "ms": round((time.perf_counter() - began) * 1e3, 1),
        "p50": None if result.p50 is None else result.p50.isoformat(),
        "p95": None if result.p95 is None else result.p95.isoformat(),
    }


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def print_table(summary: dict[str, Any], elapsed: float) -> None:
    print("Coverage: share of trials whose actual completion came on or before the percentile")
    print("(targets P50 50 %, P85 85 %, P95 95 %; 'no fc': histories with nothing finished, left out)\n")
    print(f"| {'forecast':<10} | {'process':<8} | trials | no fc | P50     | P85     | P95     | on_time | made it |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, per in summary["coverage"].items():
        for name, c in per.items():
            print(
                f"| {label:<10} | {name:<8} | {c['trials']:>6} | {c['no_forecast']:>5} | {pct(c.get('p50')):>7} "
                f"| {pct(c.get('p85')):>7} | {pct(c.get('p95')):>7} | {pct(c.get('mean_on_time')):>7} "
                f"| {pct(c.get('made_launch')):>7} |"
            )
    print("\nThe same, counting only actual completions strictly BEFORE the percentile day (<), and mid-rank")
    print("(mid: a completion ON the percentile day counts ½). Completion is a whole day, so a perfectly calibrated")
    print("forecast has strictly-before ≤ target ≤ on-or-before, and mid close to the target:\n")
    print(f"| {'forecast':<10} | {'process':<8} | P50 <   | P85 <   | P95 <   | P50 mid | P85 mid | P95 mid |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, per in summary["coverage"].items():
        for name, c in per.items():
            print(
                f"| {label:<10} | {name:<8} | {pct(c.get('p50_strictly_before')):>7} "
                f"| {pct(c.get('p85_strictly_before')):>7} | {pct(c.get('p95_strictly_before')):>7} "
                f"| {pct(c.get('p50_mid')):>7} | {pct(c.get('p85_mid')):>7} | {pct(c.get('p95_mid')):>7} |"
            )
    print("\nCoverage by the size of the remaining work (days of work at the true mean pace), all processes:\n")
    print(f"| {'forecast':<10} | {'work':<9} | trials | P50     | P85     | P95     |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, per in summary["coverage_by_days_of_work"].items():
        for b, c in per.items():
            print(
                f"| {label:<10} | {b:<9} | {c['trials']:>6} | {pct(c.get('p50')):>7} | {pct(c.get('p85')):>7} "
                f"| {pct(c.get('p95')):>7} |"
            )
    cost = summary["cost"]
    print(f"\nCost per 14-day forecast ({cost['calls']} calls, {cost['runs_per_call']:,} runs each):")
    print(f"  monte_carlo      median {cost['forecast_ms_median']:.2f} ms, p95 {cost['forecast_ms_p95']:.2f} ms")
    print(
        f"  baseline ({cost['baseline']}): median {cost['baseline_ms_median']:.2f} ms, "
        f"p95 {cost['baseline_ms_p95']:.2f} ms"
    )
    print(f"  ratio (median ÷ median): {cost['ratio_median']:.2f}")
    print(f"  linear forecast  median {cost['linear_us_median']:.2f} µs")
    worst = summary["worst_case"]
    print(f"  worst case ({worst['samples']}, remaining {worst['remaining']}): {worst['ms']} ms")
    print(f"\nwall time {elapsed:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="150 trials per process, the 14-day window only")
    parser.add_argument("--trials", type=int, default=None, help="trials per process (default 1000; quick 150)")
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this file")
    args = parser.parse_args()
    trials = args.trials if args.trials is not None else (150 if args.quick else 1000)
    began = time.perf_counter()
    raw = run(trials, controls=not args.quick, seed=args.seed)
    summary = summarise(raw)
    summary["worst_case"] = worst_case()
    elapsed = time.perf_counter() - began
    summary["meta"] = {
        "trials_per_process": trials,
        "quick": args.quick,
        "seed": args.seed,
        "window_days": WINDOW,
        "remaining_points": list(REMAINING),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "wall_seconds": round(elapsed, 1),
    }
    print_table(summary, elapsed)
    if args.json is not None:
        args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
