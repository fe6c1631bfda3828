"""`python -m benchmarks [--quick] [--json FILE] [--only NAME ...]`: every benchmark of issue 16, one broker
shared by all, a table of the figures against their targets, and the JSON the issue names.

Every figure is a ratio against a baseline measured in the same run, or a time with the machine's load
beside it (`machine.load_before`, `machine.load_after`): the machine is shared and absolute times drift.
The JSON holds the figures at its top level (null when their benchmark failed) and one `meta` object: the
run's size, wall time, machine and load, each benchmark's details, and `errors` (why a benchmark failed; the
others still run).
"""

from __future__ import annotations

import argparse
import json
import operator
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, broker, machine

# figure → (comparison, target); None: reported, no target
TARGETS: dict[str, tuple[str, float] | None] = {
    "pipeline_vs_raw": (">=", 0.5),
    "cost_ratio_100x_goals": ("<=", 1.5),
    "latency_p50_ms": ("<", 100.0),
    "latency_p99_ms": ("<", 500.0),
    "first_change_latency_ms": ("<", 1000.0),
    "backfill_vs_floor": ("<=", 1.25),
    "replay_90d_s": ("<", 30.0),
    "replay_s_per_day": None,
    "worker_rss_mib": ("<", 400.0),
    "scale_out_2_workers": None,
    "owner_goal_growth_entry": None,
    "forecast_ms_per_recompute": None,
    "forecast_ms_per_tick_10k_goals": None,
    "pipeline_events_per_s": None,
    "raw_events_per_s": None,
    "scale_out_1_worker_events_per_s": None,
    "scale_out_2_workers_events_per_s": None,
}
COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "<": operator.lt,
}
# which benchmark yields which figures (the keys a failed benchmark leaves null)
FIGURES = {
    "owner_goals": ["owner_goal_growth_entry"],
    "forecast": ["forecast_ms_per_recompute", "forecast_ms_per_tick_10k_goals"],
    "backfill": ["backfill_vs_floor"],
    "pipeline": [
        "pipeline_vs_raw",
        "pipeline_events_per_s",
        "raw_events_per_s",
        "cost_ratio_100x_goals",
        "worker_rss_mib",
    ],
    "scale_out": ["scale_out_2_workers", "scale_out_1_worker_events_per_s", "scale_out_2_workers_events_per_s"],
    "latency": ["latency_p50_ms", "latency_p99_ms", "first_change_latency_ms"],
    "replay": ["replay_90d_s", "replay_s_per_day"],
}
ALL_FIGURES = {key for keys in FIGURES.values() for key in keys}
BACKFILL_SIZES = {"quick": (2_000, 100), "full": (50_000, 2_000)}  # issues, campaigns


def verdict(name: str, value: float | None, ran: bool = True) -> str:
    """A figure's verdict: met, NOT met, — (no target), failed (no figure) or not run."""
    target = TARGETS.get(name)
    if not ran:
        return "not run"
    if value is None:
        return "failed"
    if target is None:
        return "—"
    comparison, limit = target
    return "met" if COMPARE[comparison](value, limit) else "NOT met"


def table(figures: dict[str, Any], ran: set[str] | None = None) -> str:
    """The figures against their targets; `ran`: the benchmarks run (all by default)."""
    produced = {key for name in (ran if ran is not None else FIGURES) for key in FIGURES[name]}
    lines = [f"{'figure':<34} {'value':>12}  {'target':<10} verdict"]
    for name in TARGETS:
        value = figures.get(name)
        target = TARGETS[name]
        shown = "—" if value is None else f"{value:,}"
        lines.append(
            f"{name:<34} {shown:>12}  {'' if target is None else f'{target[0]} {target[1]:g}':<10} "
            f"{verdict(name, value, name in produced or name not in ALL_FIGURES)}"
        )
    return "\n".join(lines)


def backfill(bootstrap: str, quick: bool, say: Callable[[str], None]) -> dict[str, Any]:
    """The connectors' backfill benchmark (`benchmarks/backfill.py`) in a child process on our broker."""
    issues, campaigns = BACKFILL_SIZES["quick" if quick else "full"]
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=bootstrap, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "backfill.py"),
            "--issues",
            str(issues),
            "--campaigns",
            str(campaigns),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"backfill.py exited with {done.returncode}: {done.stderr[-2000:]}")
    result = json.loads(done.stdout[done.stdout.index("{") :])
    say(f"  {issues} issues, {campaigns} campaigns in {result['seconds']}s; floor {result['floor_seconds']}s")
    return {"backfill_vs_floor": result["ratio_to_floor"], "backfill": result}


def benchmarks() -> dict[str, Callable[[str, bool, Callable[[str], None]], dict[str, Any]]]:
    from benchmarks import forecast_cost, latency, owner_goals, pipeline, replay_speed, scale_out

    return {
        "owner_goals": lambda bootstrap, quick, say: owner_goals.run(rounds=5 if quick else 15),
        "forecast": lambda bootstrap, quick, say: forecast_cost.run(quick),
        "backfill": backfill,
        "pipeline": pipeline.run,
        "scale_out": scale_out.run,
        "latency": latency.run,
        "replay": replay_speed.run,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every benchmark at a smaller size (under 5 minutes)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--only", nargs="+", choices=list(FIGURES), default=None, help="run only these benchmarks")
    args = parser.parse_args(argv)

    import logging
    import signal

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # SIGTERM unwinds like Ctrl-C: the broker and workers started here are stopped on the way out
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    began = time.monotonic()
    found: dict[str, Any] = {name: None for name in TARGETS}
    details: dict[str, Any] = {}
    errors: dict[str, str] = {}
    before = machine()
    wanted = args.only or list(FIGURES)
    with broker() as bootstrap:
        for name, bench in benchmarks().items():
            if name not in wanted:
                continue
            print(f"{name} ...", file=sys.stderr, flush=True)
            started = time.monotonic()
            try:
                result = bench(bootstrap, args.quick, lambda line: print(line, file=sys.stderr, flush=True))
            except Exception as exc:  # noqa: BLE001 - one failed benchmark must not lose the others' figures
                errors[name] = f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
                continue
            for key, value in result.items():
                if key in found:
                    found[key] = value
                else:
                    details[key] = value
            details[f"{name}_wall_s"] = round(time.monotonic() - started, 1)
    meta = {
        "quick": args.quick,
        "errors": errors,
        "wall_s": round(time.monotonic() - began, 1),
        "machine": {**before, "load_before": before["load_average"], "load_after": machine()["load_average"]},
        "details": details,
    }
    report = {**found, "meta": meta}
    print(table(found, set(wanted)))
    print(f"\nwall {meta['wall_s']}s; load {meta['machine']['load_before']} → {meta['machine']['load_after']}")
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
