"""`tandem kafka start|stop|status`: the local broker, from the command line."""

from __future__ import annotations

import click

from tandem.kafka.launcher import KafkaLauncherError, LocalKafka
from tandem.settings import get_settings


def _broker() -> LocalKafka:
    return LocalKafka.from_settings(get_settings(), say=click.echo)


@click.group()
def kafka() -> None:
    """Run a local Apache Kafka broker (single KRaft node, loopback, no Docker needed)."""


@kafka.command()
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait until it answers.")
def start(timeout: float) -> None:
    """Start the broker in the background (resolving it from Maven Central once); harmless if running."""
    try:
        _broker().start(timeout=timeout)
    except KafkaLauncherError as exc:
        raise click.ClickException(str(exc)) from None


@kafka.command()
def resolve() -> None:
    """Fetch the broker jars from Maven Central into the per-user cache (once; start does it too)."""
    try:
        libs = _broker().resolve()
    except KafkaLauncherError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Kafka broker jars are in {libs}")


@kafka.command()
def stop() -> None:
    """Stop the broker cleanly."""
    try:
        stopped = _broker().stop()
    except KafkaLauncherError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("Kafka stopped" if stopped else "Kafka is not running")


@kafka.command()
def status() -> None:
    """Say whether the broker runs, its pid and address; exit 1 when it does not."""
    state = _broker().status()
    if state.running:
        click.echo(f"Kafka is running (pid {state.pid}) on {state.bootstrap}; files in {state.home}")
    else:
        click.echo(f"Kafka is not running; files in {state.home}")
        raise SystemExit(1)
