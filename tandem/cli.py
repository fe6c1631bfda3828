"""The `tandem` command: Faust's own CLI for the Tandem app, extended with Tandem's commands.

`tandem worker` is Faust's worker; `tandem kafka start|stop|status` runs a local broker; `tandem doctor` checks
the connections to Kafka, HubSpot and Jira. Settings are
read before anything else, so a bad variable stops the command at once with one line naming it.
"""

from __future__ import annotations

import sys

from connectors.jira.cli import jira
from sandbox.cli import sandbox
from tandem.actions import goals, links
from tandem.demo import demo
from tandem.dlq import dlq
from tandem.doctor import doctor
from tandem.kafka.cli import kafka
from tandem.replay.cli import replay
from tandem.settings import SettingsError, get_settings

FAUST_LEVELS = {"debug": "debug", "info": "info", "warning": "warn", "error": "error"}


def with_log_level(argv: list[str], level: str) -> list[str]:
    """`tandem worker …` gets `--loglevel` from TANDEM_LOG_LEVEL unless the command line sets one."""
    if argv[1:2] != ["worker"] or any(arg in ("-l", "--loglevel") or arg.startswith("--loglevel=") for arg in argv):
        return argv
    return [*argv[:2], f"--loglevel={FAUST_LEVELS[level]}", *argv[2:]]


def main() -> None:
    """Console entry point of `tandem`."""
    try:
        sys.argv = with_log_level(sys.argv, get_settings().log_level)
        from streams.app import app
    except SettingsError as exc:
        print(f"tandem: {exc}", file=sys.stderr)
        raise SystemExit(2) from None

    from faust.cli.faust import cli as faust_cli

    for command in (demo, kafka, sandbox, replay, links, goals, jira, dlq, doctor):
        faust_cli.add_command(command)
    app.main()


__all__ = ["main"]
