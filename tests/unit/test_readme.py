"""The README's configuration table and test command stay in step with the code."""

from __future__ import annotations

from pathlib import Path

from tandem.settings_doc import README, render_into

ROOT = Path(__file__).resolve().parents[2]


def test_the_configuration_table_is_generated_from_the_settings_class() -> None:
    text = README.read_text()
    assert render_into(text) == text, "run `python -m tandem.settings_doc --write` to refresh README.md"


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    assert "scripts/test" in README.read_text()
    assert (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1] == "exec ./scripts/test"
