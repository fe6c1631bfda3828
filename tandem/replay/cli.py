"""`tandem replay SCENARIO --report FILE`."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import click

from sandbox.runner import SandboxConformanceError
from sandbox.scenario import ScenarioError, load_scenario
from tandem.kafka.launcher import KafkaLauncherError


async def _with_task_dump(main: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    """Run `main`; `kill -USR1` prints where every task of the replay is waiting (for a replay that hangs)."""

    def dump() -> None:
        for task in asyncio.all_tasks():
            task.print_stack(file=sys.stderr)

    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, dump)
    return await main


@click.command()
@click.argument("scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--report",
    "report_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the report (JSON, docs/scenarios.md).",
)
def replay(scenario: Path, report_path: Path) -> None:
    """Replay a scenario through the whole pipeline and write what it did."""
    from tandem.replay.driver import replay as run
    from tandem.replay.driver import write_report

    try:
        loaded = load_scenario(scenario)
    except ScenarioError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(2) from None
    try:
        report = asyncio.run(_with_task_dump(run(loaded, say=click.echo)))
    except KafkaLauncherError as exc:
        raise click.ClickException(str(exc)) from None
    except SandboxConformanceError as exc:
        if exc.report is not None:
            write_report(exc.report, report_path)
            click.echo(f"report: {report_path} (written; the sandboxes broke the vendors' descriptions)")
        raise
    write_report(report, report_path)
    click.echo(
        f"report: {report_path} ({len(report['links'])} links, {len(report['goals'])} goals, "
        f"{len(report['signals'])} signal episodes, {len(report['writes'])} writes)"
    )
