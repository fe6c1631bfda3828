"""People's actions on goals from the command line: confirm or reject a suggestion, re-baseline a goal,
show goals. Commands go to the goal agent through Kafka (`goal-events`, keyed by campaign); goals are
read from the compacted `goals` topic, so no worker needs to be reachable."""

from __future__ import annotations

import asyncio
import getpass
import json
from datetime import UTC, datetime

import click

from streams.records import GoalMessage, GoalSummary, decode
from tandem.kafka_io import RecordWriter, read_all
from tandem.local import require_broker
from tandem.settings import get_settings


async def _send(message: GoalMessage) -> None:
    settings = get_settings()
    writer = RecordWriter(settings.bootstrap_servers)
    await writer.start()
    try:
        await writer.send(settings.topic("goal-events"), message.campaign, message)
    finally:
        await writer.stop()


def _command(kind: str, campaign: str, work_item: str | None = None) -> None:
    message = GoalMessage(
        kind=kind, campaign=campaign, work_item=work_item, seen_at=datetime.now(UTC), requested_by=getpass.getuser()
    )
    require_broker()
    asyncio.run(_send(message))
    target = f" {work_item}" if work_item else ""
    click.echo(f"sent: {kind} {campaign}{target}")


@click.group()
def links() -> None:
    """Answer link suggestions (a confirmed one is written into Jira as a label)."""


@links.command()
@click.argument("campaign")
@click.argument("work_item")
def confirm(campaign: str, work_item: str) -> None:
    """Confirm that WORK_ITEM serves CAMPAIGN."""
    _command("confirm", campaign, work_item)


@links.command()
@click.argument("campaign")
@click.argument("work_item")
def reject(campaign: str, work_item: str) -> None:
    """Reject the suggestion; it will not be proposed again."""
    _command("reject", campaign, work_item)


@click.group()
def goals() -> None:
    """Show goals, or record a new baseline."""


@goals.command()
@click.argument("campaign")
def rebaseline(campaign: str) -> None:
    """Record the goal's current total size as its new baseline."""
    _command("rebaseline", campaign)


async def _goals() -> dict[str, GoalSummary]:
    settings = get_settings()
    found: dict[str, GoalSummary] = {}
    for key, value in await read_all(settings.bootstrap_servers, settings.topic("goals")):
        if key is not None:
            if value is None:
                found.pop(key, None)
            else:
                found[key] = decode(GoalSummary, value)
    return found


@goals.command()
@click.argument("campaign", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the goals as JSON.")
def show(campaign: str | None, as_json: bool) -> None:
    """Show every goal, or one."""
    require_broker()
    found = asyncio.run(_goals())
    selected = [found[campaign]] if campaign and campaign in found else [] if campaign else list(found.values())
    if campaign and not selected:
        raise click.ClickException(f"no goal for campaign {campaign}")
    if as_json:
        click.echo(json.dumps([json.loads(goal.dumps()) for goal in selected], indent=2))
        return
    for goal in sorted(selected, key=lambda g: g.campaign):
        progress = goal.progress
        done = f"{progress.items_done}/{progress.items_total} items" if progress else "no work"
        signals = ", ".join(f"{rule} ({severity})" for rule, severity in goal.open_signals.items()) or "none"
        click.echo(f"{goal.campaign}  {goal.name or '(unknown campaign)'}")
        click.echo(
            f"  status {goal.status}; launch {goal.launch or '-'}; {done}; forecast {goal.forecast or '-'}; "
            f"baseline {goal.baseline if goal.baseline is not None else '-'}; open signals: {signals}"
        )
        if goal.odds is not None:
            click.echo(f"  {goal.odds.words}")
