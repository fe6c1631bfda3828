"""Scale-out: change events per second through the pipeline with one worker, then with two workers in the
same consumer group sharing 8 partitions: `scale_out_2_workers` = two ÷ one (ideally 2; on a 2-core machine
that also runs the broker and the benchmark the honest figure is lower).

    .venv/bin/python -m benchmarks.scale_out [--quick]
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import per_second, ratio, standalone
from benchmarks.session import Session

WARM_UP = 30


@dataclass(frozen=True)
class Sizes:
    goals: int
    changes: int


FULL = Sizes(goals=2_000, changes=5_000)
QUICK = Sizes(goals=50, changes=300)


def figures(sizes: Sizes, one_s: float, two_s: float) -> dict[str, Any]:
    one = per_second(sizes.changes, one_s)
    two = per_second(sizes.changes, two_s)
    return {
        "scale_out_1_worker_events_per_s": one,
        "scale_out_2_workers_events_per_s": two,
        "scale_out_2_workers": ratio(two, one),
        "scale_out_sizes": {"goals": sizes.goals, "changes": sizes.changes, "partitions": 8},
    }


async def measure(session: Session, sizes: Sizes, say: Any) -> dict[str, Any]:
    await session.grow(sizes.goals)

    async def timed(seed: int) -> float:
        changes = [(t, k, v) for t, k, v, _ in session.workload.changes(WARM_UP + sizes.changes, seed=seed)]
        await session.send_timed(changes[:WARM_UP])
        return (await session.send_timed(changes[WARM_UP:])).seconds

    one = await timed(11)
    say(f"  {sizes.changes} changes, 1 worker: {one:.2f}s")
    await session.add_worker()
    two = await timed(12)
    say(f"  {sizes.changes} changes, 2 workers: {two:.2f}s")
    return figures(sizes, one, two)


async def _run(bootstrap: str, sizes: Sizes, say: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tandem-bench-scale-") as workdir:
        session = Session(bootstrap=bootstrap, workdir=Path(workdir))
        try:
            await session.start()
            return await measure(session, sizes, say)
        finally:
            await session.stop()


def run(bootstrap: str, quick: bool, say: Any = print) -> dict[str, Any]:
    return asyncio.run(_run(bootstrap, QUICK if quick else FULL, say))


def main() -> None:
    standalone(run, __doc__)


if __name__ == "__main__":
    main()
