"""A pyinstrument profile of the goal agent's work for one change, in one process: decode the goal message,
apply it, evaluate the goal (rules, forecast, summary), encode the state and summary, decode the state (as
the table's store and changelog do). 50 goals shaped like the pipeline benchmarks' (8 stories each).

    .venv/bin/python -m benchmarks.goal_change_profile [--changes 600]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta


def main() -> None:
    from pyinstrument import Profiler

    from benchmarks.forecast_cost import NOW, goal_state
    from streams.records import GoalMessage, Person, WorkItemSnapshot, decode
    from streams.rules.config import RuleConfig
    from streams.rules.goal_steps import apply_message, evaluate
    from streams.state import GoalState

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=600)
    args = parser.parse_args()
    config = RuleConfig()
    states = [evaluate(goal_state(n), NOW, config, ready=True, hubspot_synced=True)[0] for n in range(50)]
    rng = random.Random(1)
    profiler = Profiler()
    profiler.start()
    began = time.perf_counter()
    for index in range(args.changes):
        goal = rng.randrange(len(states))
        key = f"WEB-{goal * 10 + rng.randrange(8)}"
        at = NOW + timedelta(seconds=index)
        item = WorkItemSnapshot(
            key=key,
            project="WEB",
            source_updated_at=at,
            summary=key,
            status_category=rng.choice(["new", "indeterminate", "done"]),
            status_changed_at=at,
            size=3.0,
            assignee=Person(id="u-1"),
        )
        raw = GoalMessage(
            kind="link",
            campaign=f"c{goal}",
            work_item=key,
            item=item,
            link_kind="explicit",
            link_source="label",
            seen_at=at,
        ).dumps()
        state, _ = apply_message(states[goal], decode(GoalMessage, raw), config)
        state, effects = evaluate(state, at, config, ready=True, hubspot_synced=True)
        if effects.summary is not None:
            effects.summary.dumps()
        states[goal] = decode(GoalState, state.dumps())
    elapsed = time.perf_counter() - began
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False))
    print(f"{elapsed / args.changes * 1000:.2f} ms per change ({args.changes} changes)")


if __name__ == "__main__":
    main()
