"""The `tandem` command: Faust's own CLI for the Tandem app, extended with Tandem's commands.

`tandem worker` is Faust's worker; `tandem kafka start|stop|status` runs a local broker. Settings are
read before anything else, so a bad variable stops the command at once with one line naming it.
"""

from __future__ import annotations

import sys

from tandem.kafka.cli import kafka
from tandem.settings import SettingsError, get_settings


def main() -> None:
    """Console entry point of `tandem`."""
    try:
        get_settings()
        from streams.app import app
    except SettingsError as exc:
        print(f"tandem: {exc}", file=sys.stderr)
        raise SystemExit(2) from None

    from faust.cli.faust import cli as faust_cli

    for command in (kafka,):
        faust_cli.add_command(command)
    app.main()


__all__ = ["main"]
