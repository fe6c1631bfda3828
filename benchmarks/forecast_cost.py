"""The Monte Carlo forecast's cost inside the goal rules (`streams.rules.goal_steps.forecast_odds`), with
10,000 goals: per recompute, and per tick.

A goal's forecast is simulated again only when its inputs change (a leaf done or reopened, a size, the day,
the launch date); any other evaluation reuses the odds kept in the goal's state. So:

- `forecast_ms_per_recompute`: the median cost of one simulation (10,000 runs) for goals shaped like the
  pipeline benchmarks' (8 stories, some finished in the last 14 days), against the baseline measured
  interleaved with it: ONE numpy draw of a 10,000 × 64 block of sample indices and their gather
  (`forecast_recompute_vs_draw`).
- `forecast_ms_per_tick_10k_goals`: what the forecast costs a tick that evaluates every goal on the same day
  (the kept odds are reused: the inputs are read and the key compared), over 10,000 goals.
- `forecast_s_first_tick_of_day_10k_goals`: the first tick of a day changes every goal's key (the window
  moves), so every goal with open work is simulated again: recompute cost × goals that need one (measured
  over a sample, extrapolated to 10,000).

    .venv/bin/python -m benchmarks.forecast_cost [--quick]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from benchmarks.common import median, ratio

NOW = datetime(2027, 1, 20, 9, tzinfo=UTC)
TICK_GOALS = 10_000


@dataclass(frozen=True)
class Sizes:
    goals: int  # goals in the table a tick evaluates
    recomputes: int  # simulations timed


FULL = Sizes(goals=TICK_GOALS, recomputes=300)
QUICK = Sizes(goals=TICK_GOALS, recomputes=60)


def goal_state(n: int) -> Any:
    """Goal `n`: a campaign launching in 3–10 weeks with 8 stories, 0–4 of them finished in the last 14 days."""
    from streams.records import CampaignSnapshot, GoalMessage, Person, WorkItemSnapshot
    from streams.rules.config import RuleConfig
    from streams.rules.goal_steps import apply_campaign, apply_message
    from streams.state import GoalState

    rng = random.Random(n)
    campaign = f"c{n}"
    launch = (NOW + timedelta(days=21 + rng.randrange(50))).date().isoformat()
    at = NOW - timedelta(days=15)
    state = apply_campaign(
        GoalState(campaign_id=campaign),
        CampaignSnapshot(
            id=campaign, name=f"Campaign {n}", source_updated_at=at, start_date=launch, owner=Person(id="101")
        ),
    )
    done = rng.randrange(5)
    for index in range(8):
        finished = index < done
        key = f"WEB-{n * 10 + index}"
        item = WorkItemSnapshot(
            key=key,
            project="WEB",
            source_updated_at=at,
            summary=key,
            status_category="done" if finished else "indeterminate",
            status_changed_at=NOW - timedelta(days=1 + rng.randrange(13)) if finished else at,
            size=float(rng.choice((1, 2, 3, 5, 8))),
            assignee=Person(id=f"u-{rng.randrange(200)}"),
        )
        message = GoalMessage(
            kind="link",
            campaign=campaign,
            work_item=key,
            item=item,
            link_kind="explicit",
            link_source="label",
            seen_at=at,
        )
        state, _ = apply_message(state, message, RuleConfig())
    return state


def figures(recompute_s: list[float], draw_s: list[float], tick_s: float, goals: int, needing: int) -> dict[str, Any]:
    """The JSON figures from the measured times: each recompute and each interleaved baseline draw (s), one
    same-day tick over `goals` goals (s), and how many of the goals a new day makes simulate again."""
    per_recompute = median(recompute_s) * 1000
    per_tick = tick_s * 1000 * TICK_GOALS / goals
    return {
        "forecast_ms_per_recompute": round(per_recompute, 3),
        "forecast_baseline_draw_ms": round(median(draw_s) * 1000, 3),
        "forecast_recompute_vs_draw": ratio(per_recompute, median(draw_s) * 1000),
        "forecast_ms_per_tick_10k_goals": round(per_tick, 1),
        "forecast_s_first_tick_of_day_10k_goals": round(per_recompute * needing / goals * TICK_GOALS / 1000, 1),
    }


def measure(sizes: Sizes) -> dict[str, Any]:
    """Simulate `sizes.recomputes` distinct goals (timed, each followed by one baseline draw), then time a
    same-day tick over `sizes.goals` goals: the simulated ones, repeated, with their odds kept."""
    from streams.rules.config import RuleConfig
    from streams.rules.goal_steps import _with_odds, goal_view
    from streams.rules.goals import goal_facts

    config = RuleConfig()
    draw_rng = np.random.Generator(np.random.PCG64(2027))
    values = np.arange(14, dtype=np.float64)
    recompute: list[float] = []
    draws: list[float] = []
    kept = []
    for n in range(sizes.recomputes):
        state = goal_state(n)
        view = goal_view(state)
        fact = goal_facts(view, NOW, config)
        began = time.perf_counter()
        state, _ = _with_odds(state, view, fact, NOW, config)
        recompute.append(time.perf_counter() - began)
        began = time.perf_counter()
        values[draw_rng.integers(0, values.size, size=(config.forecast_runs, 64))]
        draws.append(time.perf_counter() - began)
        kept.append(state)
    needing = sum(1 for state in kept if state.odds is not None and not (state.odds.done or state.odds.never))
    later = NOW + timedelta(hours=1)
    tick_goals = [kept[n % len(kept)] for n in range(sizes.goals)]
    inputs = [(state, view, goal_facts(view, later, config)) for state in tick_goals for view in [goal_view(state)]]
    began = time.perf_counter()
    for state, view, fact in inputs:
        again, _ = _with_odds(state, view, fact, later, config)
        if again.odds is not state.odds:
            raise AssertionError("a same-day tick must reuse the kept odds")
    tick = time.perf_counter() - began
    return figures(recompute, draws, tick, sizes.goals, round(needing * sizes.goals / len(kept)))


def run(quick: bool) -> dict[str, Any]:
    return measure(QUICK if quick else FULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(json.dumps(run(args.quick), indent=2))


if __name__ == "__main__":
    main()
