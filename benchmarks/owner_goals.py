"""The digest agent's cost per owner-goal message (a goal telling its owner it changed), by how many goals
the owner has — the path the pipeline profile showed growing with the company.

Before (`whole state`): the owner's state held every goal summary, so each message decoded the state from
the table, replaced one goal and encoded the whole state again for the changelog — O(goals per owner).
Now (`entry`): the summary is its own table entry (`streams.digest.owner_goals`), and the owner's state
(the list of campaign ids) is rewritten only when that list changes. Both are timed here with the records
the agent uses (Faust JSON), in one process, interleaved.

    .venv/bin/python -m benchmarks.owner_goals [--profile]
"""

from __future__ import annotations

import json
import time
from typing import Any

from benchmarks.common import median, ratio

SIZES = (1, 20, 200)  # goals per owner; 200 = 10,000 campaigns over 50 owners
ROUNDS = 15


def _summary() -> Any:
    from benchmarks.forecast_cost import NOW, goal_state
    from streams.rules.config import RuleConfig
    from streams.rules.goal_steps import evaluate

    return evaluate(goal_state(1), NOW, RuleConfig(), ready=True, hubspot_synced=True)[1].summary


def whole_state(raw: bytes, goal: Any) -> bytes:
    """The old write: decode the owner's state, replace one goal, encode the state."""
    from streams.records import decode
    from streams.state import OwnerState

    state = decode(OwnerState, raw)
    goals = dict(state.goals)
    goals["c0"] = goal
    return bytes(state.derive(goals=goals).dumps())


def entry(raw: bytes, goal: Any) -> bytes:
    """The new write: read the owner's state (unchanged: not written), encode the goal's own entry."""
    from streams.records import decode
    from streams.rules.digest import with_owner_goal
    from streams.state import OwnerState

    state = decode(OwnerState, raw)
    after = with_owner_goal(state, state.person, "c0", owned=True)
    if after != state:
        raise AssertionError("a known campaign must leave the owner's state as it is")
    return bytes(goal.dumps())


def figures(timings: dict[int, tuple[list[float], list[float]]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for size, (old, new) in timings.items():
        found[f"owner_goal_ms_whole_state_{size}"] = round(median(old) * 1000, 3)
        found[f"owner_goal_ms_entry_{size}"] = round(median(new) * 1000, 3)
    smallest, largest = min(timings), max(timings)
    found["owner_goal_growth_whole_state"] = ratio(median(timings[largest][0]), median(timings[smallest][0]))
    found["owner_goal_growth_entry"] = ratio(median(timings[largest][1]), median(timings[smallest][1]))
    return found


def run(rounds: int = ROUNDS, sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    from streams.records import Person
    from streams.state import OwnerState

    goal = _summary()
    timings: dict[int, tuple[list[float], list[float]]] = {}
    for size in sizes:
        person = Person(id="101", email="maria@acme.test")
        before = bytes(OwnerState(owner="o", person=person, goals={f"c{i}": goal for i in range(size)}).dumps())
        now = bytes(OwnerState(owner="o", person=person, campaigns=sorted(f"c{i}" for i in range(size))).dumps())
        old: list[float] = []
        new: list[float] = []
        for _ in range(rounds):
            began = time.perf_counter()
            whole_state(before, goal)
            old.append(time.perf_counter() - began)
            began = time.perf_counter()
            entry(now, goal)
            new.append(time.perf_counter() - began)
        timings[size] = (old, new)
    return figures(timings)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile of the run too")
    args = parser.parse_args()
    if not args.profile:
        print(json.dumps(run(), indent=2))
        return
    from pyinstrument import Profiler

    profiler = Profiler()
    profiler.start()
    found = run()
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False))
    print(json.dumps(found, indent=2))


if __name__ == "__main__":
    main()
