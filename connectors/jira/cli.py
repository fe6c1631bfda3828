"""`tandem jira register-webhook --url URL`: register Tandem's signed Jira admin webhook and say what was done."""

from __future__ import annotations

import asyncio

import click

from connectors.http.errors import ConnectorError
from streams.errors import FatalError


@click.group()
def jira() -> None:
    """Jira connector commands."""


@jira.command("register-webhook")
@click.option(
    "--url", required=True, help="Public URL of this worker's receiver, e.g. https://tandem.acme.com/webhooks/jira"
)
def register_webhook_command(url: str) -> None:
    """Register (or update) the admin webhook that sends issue events to Tandem, signed with the secret."""
    from connectors.jira.webhook_registration import register_webhook
    from tandem.settings import get_settings

    try:
        done = asyncio.run(register_webhook(get_settings(), url))
    except (FatalError, ConnectorError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Jira webhook {done.action}: {done.url}")
    click.echo(f"  events: {', '.join(done.events)}")
    click.echo(f"  filter: {done.jql}")
    click.echo("  signed with TANDEM_JIRA_WEBHOOK_SECRET (X-Hub-Signature: sha256=...)")
    if done.self_link:
        click.echo(f"  Jira's record of it: {done.self_link}")


__all__ = ["jira"]
