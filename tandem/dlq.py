"""`tandem dlq list|show|replay`: what the agents and connectors could not process, read from the
dead-letter topic, and sent back to where it came from once the cause is fixed.

Each letter has an ID: a short hash of its origin (topic, partition, offset) and the agent that failed, the
same at every read. `replay` produces a letter's original key and value back to its origin topic and then
records the ID, with where the record went, on the compacted topic `<prefix>dlq-replayed`: a letter is
replayed once (a second `replay` of it says so and produces nothing). A replayed record that fails again is
dead-lettered again, as a new letter. (Not one Kafka transaction: its commit marker would sit on the origin
partition as an offset no consumer ever commits. A `replay` killed between the two sends leaves the record
sent and unmarked, and a second `replay` would send it again.)
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import click
from aiokafka import AIOKafkaProducer

from streams.records import DeadLetter, RecordError, decode
from streams.topic_admin import ensure_topics
from tandem.kafka_io import read_all
from tandem.local import require_broker
from tandem.settings import get_settings

REPLAYED = "dlq-replayed"


def letter_id(letter: DeadLetter) -> str:
    """The letter's ID: stable, and distinct for each origin record and failing agent."""
    origin = f"{letter.topic}[{letter.partition}]@{letter.offset}|{letter.agent}"
    return hashlib.sha256(origin.encode()).hexdigest()[:12]


def original_value(letter: DeadLetter) -> bytes | None:
    """The failed record's value as it was on its topic."""
    if letter.value_base64 is not None:
        return base64.b64decode(letter.value_base64)
    return None if letter.value is None else letter.value.encode()


@dataclass(frozen=True)
class Letter:
    id: str
    letter: DeadLetter
    replayed: dict[str, object] | None
    """When and where it was replayed, if it was."""

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, **json.loads(self.letter.dumps()), "replayed": self.replayed}


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


async def replayed() -> dict[str, dict[str, object]]:
    """The IDs of the letters already replayed, with when and where."""
    settings = get_settings()
    marks: dict[str, dict[str, object]] = {}
    for key, value in await read_all(settings.bootstrap_servers, settings.topic(REPLAYED)):
        if key is not None and value:
            marks[key] = json.loads(value)
    return marks


async def letters() -> list[Letter]:
    marks = await replayed()
    return [Letter(letter_id(letter), letter, marks.get(letter_id(letter))) for letter in await dead_letters()]


async def replay_letters(chosen: list[Letter]) -> list[tuple[Letter, str]]:
    """Send each letter not yet replayed back to its origin topic; (letter, what happened) for each."""
    settings = get_settings()
    await ensure_topics(
        settings.bootstrap_servers,
        {settings.topic(REPLAYED): settings.partitions},
        settings.replication_factor,
        {settings.topic(REPLAYED): {"cleanup.policy": "compact"}},
    )
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all", enable_idempotence=True)
    await producer.start()
    outcomes: list[tuple[Letter, str]] = []
    try:
        for item in chosen:
            if item.replayed is not None:
                outcomes.append((item, f"already replayed at {item.replayed.get('at')}; not sent again"))
                continue
            letter = item.letter
            key = letter.key.encode() if letter.key is not None else None
            sent = await producer.send_and_wait(letter.topic, key=key, value=original_value(letter))
            mark = {"at": datetime.now(UTC).isoformat(), "topic": letter.topic, "partition": sent.partition}
            mark["offset"] = sent.offset
            await producer.send_and_wait(
                settings.topic(REPLAYED), key=item.id.encode(), value=json.dumps(mark).encode()
            )
            outcomes.append((item, f"replayed to {letter.topic}[{sent.partition}]@{sent.offset}"))
    finally:
        await producer.stop()
    return outcomes


@click.group()
def dlq() -> None:
    """Inspect the dead-letter topic, and send letters back once their cause is fixed."""


def _line(item: Letter) -> str:
    letter = item.letter
    state = "  (replayed)" if item.replayed else ""
    return (
        f"{item.id}  {letter.failed_at.isoformat()}  {letter.agent}  {letter.topic}[{letter.partition}]@{letter.offset}"
        f"  key={letter.key or '-'}  {letter.error_type}: {letter.error}{state}"
    )


@dlq.command(name="list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Show the newest N.")
@click.option("--json", "as_json", is_flag=True, help="Print the dead letters as JSON.")
def list_letters(limit: int, as_json: bool) -> None:
    """Show the newest dead letters: ID, when, which agent, where the record came from, and why it failed."""
    require_broker()
    found = asyncio.run(letters())[-limit:]
    if as_json:
        click.echo(json.dumps([item.to_json() for item in found], indent=2))
        return
    if not found:
        click.echo("no dead letters")
        return
    for item in found:
        click.echo(_line(item))


def _pick(found: list[Letter], ids: tuple[str, ...]) -> list[Letter]:
    by_id = {item.id: item for item in found}
    unknown = [wanted for wanted in ids if wanted not in by_id]
    if unknown:
        raise click.ClickException(f"no dead letter with ID {', '.join(unknown)} (see `tandem dlq list`)")
    return [by_id[wanted] for wanted in ids]


@dlq.command(name="show")
@click.argument("letter", metavar="ID")
def show_letter(letter: str) -> None:
    """Show one dead letter in full (JSON): origin, agent, error, the record's key and value, and if replayed."""
    require_broker()
    (item,) = _pick(asyncio.run(letters()), (letter,))
    click.echo(json.dumps(item.to_json(), indent=2))


@dlq.command(name="replay")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--all", "everything", is_flag=True, help="Replay every letter not replayed yet.")
def replay_command(ids: tuple[str, ...], everything: bool) -> None:
    """Send dead letters back to their origin topic, each once (after the cause is fixed)."""
    if bool(ids) == everything:
        raise click.UsageError("name the letters' IDs, or give --all")
    require_broker()
    found = asyncio.run(letters())
    chosen = [item for item in found if item.replayed is None] if everything else _pick(found, ids)
    if not chosen:
        click.echo("nothing to replay")
        return
    for item, outcome in asyncio.run(replay_letters(chosen)):
        click.echo(f"{item.id}  {outcome}")
