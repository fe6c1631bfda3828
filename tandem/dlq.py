"""`tandem dlq list`: what the agents and connectors could not process, read from the dead-letter topic."""

from __future__ import annotations

import asyncio
import json

import click

from streams.records import DeadLetter, RecordError, decode
from tandem.kafka_io import read_all
from tandem.local import require_broker
from tandem.settings import get_settings


async def dead_letters() -> list[DeadLetter]:
    """Every dead letter on `<prefix>dlq`, oldest first."""
    settings = get_settings()
    found = []
    for _, value in await read_all(settings.bootstrap_servers, settings.topic("dlq")):
        if value is None:
            continue
        try:
            found.append(decode(DeadLetter, value))
        except RecordError:
            continue  # not a dead letter: something else was written to the topic
    return sorted(found, key=lambda letter: letter.failed_at)


@click.group()
def dlq() -> None:
    """Inspect the dead-letter topic."""


@dlq.command(name="list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Show the newest N.")
@click.option("--json", "as_json", is_flag=True, help="Print the dead letters as JSON.")
def list_letters(limit: int, as_json: bool) -> None:
    """Show the newest dead letters: when, which agent, where the record came from, and why it failed."""
    require_broker()
    letters = asyncio.run(dead_letters())[-limit:]
    if as_json:
        click.echo(json.dumps([json.loads(letter.dumps()) for letter in letters], indent=2))
        return
    if not letters:
        click.echo("no dead letters")
        return
    for letter in letters:
        click.echo(
            f"{letter.failed_at.isoformat()}  {letter.agent}  {letter.topic}[{letter.partition}]@{letter.offset}"
            f"  key={letter.key or '-'}  {letter.error_type}: {letter.error}"
        )
