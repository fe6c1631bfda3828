"""`tandem sandbox --scenario FILE`: both vendor sandboxes in one process, until Ctrl-C or SIGTERM.

Prints each sandbox's base URL and the (documented, sandbox-only) credentials it accepts. A bad scenario
file stops it at once with one line naming the file, the line and the problem (exit code 2).
`start_sandboxes` / `RunningSandboxes` (from `sandbox.runner`) are the programmatic form.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import click

from tandem.stopping import until_stopped

if TYPE_CHECKING:
    from sandbox.runner import RunningSandboxes
    from sandbox.scenario import Scenario

DEFAULT_HUBSPOT_PORT = 8781
DEFAULT_JIRA_PORT = 8782


def _describe(running: RunningSandboxes, scenario: Scenario) -> list[str]:
    creds = running.credentials
    lines = [f"HubSpot sandbox: {running.hubspot_url}  (Authorization: Bearer {creds.hubspot_token})"]
    if running.jira_url:
        lines.append(f"Jira sandbox:    {running.jira_url}  (basic auth: {creds.jira_email} / {creds.jira_token})")
    else:
        lines.append("Jira sandbox:    not available in this checkout")
    lines.append(f"Control plane:   {running.hubspot_url}/_sandbox/health (on every sandbox port)")
    now = running.world.clock.now().isoformat().replace("+00:00", "Z")
    lines.append(f"Scenario:        {scenario.name} ({len(scenario.timeline)} timeline steps); clock at {now}")
    lines.append("A worker pointed at them needs TANDEM_ALLOW_INSECURE_URLS=true: they speak plain http on loopback.")
    lines.append("Press Ctrl-C to stop.")
    return lines


async def _run(scenario: Scenario, hubspot_port: int, jira_port: int, credentials: Any) -> None:
    from sandbox.runner import start_sandboxes

    running = await start_sandboxes(scenario, hubspot_port, jira_port, credentials=credentials)
    try:
        for line in _describe(running, scenario):
            click.echo(line)
        await until_stopped()
    finally:
        await running.stop()
    click.echo("Sandboxes stopped.")


@click.command()
@click.option(
    "--scenario",
    "scenario_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="Scenario (YAML or JSON) to load.",
)
@click.option("--hubspot-port", default=DEFAULT_HUBSPOT_PORT, show_default=True, type=click.IntRange(0, 65535))
@click.option("--jira-port", default=DEFAULT_JIRA_PORT, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--hubspot-token", default="sandbox-hubspot-token", show_default=True, help="Bearer token HubSpot accepts."
)
@click.option("--jira-email", default="tandem@sandbox.test", show_default=True, help="Jira basic-auth user.")
@click.option("--jira-token", default="sandbox-jira-token", show_default=True, help="Jira API token.")
def sandbox(
    scenario_file: str, hubspot_port: int, jira_port: int, hubspot_token: str, jira_email: str, jira_token: str
) -> None:
    """Run the HubSpot and Jira sandboxes (local emulators of both APIs) loaded with a scenario."""
    from sandbox.core import SandboxCredentials
    from sandbox.scenario import ScenarioError, load_scenario

    try:
        scenario = load_scenario(scenario_file)
    except ScenarioError as exc:
        click.echo(f"tandem sandbox: {exc}", err=True)
        raise SystemExit(2) from None
    credentials = SandboxCredentials(hubspot_token=hubspot_token, jira_email=jira_email, jira_token=jira_token)
    try:
        asyncio.run(_run(scenario, hubspot_port, jira_port, credentials))
    except OSError as exc:
        raise click.ClickException(f"cannot start the sandboxes: {exc.strerror or exc}") from None


def __getattr__(name: str) -> Any:
    """`start_sandboxes` and `RunningSandboxes`, imported on first use (keeps `tandem` start-up light)."""
    if name in ("start_sandboxes", "RunningSandboxes"):
        from sandbox import runner

        return getattr(runner, name)
    raise AttributeError(name)


__all__ = ["sandbox"]
