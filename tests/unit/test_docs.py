"""The documents stay in step with the code: the generated settings reference, the README's test command,
and no document sending a reader outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tandem.settings import Settings, env_name
from tandem.settings_doc import ENV_EXAMPLE, README, REFERENCE, as_variable, documents, groups

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted(
    path
    for pattern in ("*.md", "docs/*.md", "benchmarks/*.md", "connectors/**/*.md", "sandbox/**/*.md")
    for path in ROOT.glob(pattern)
)


@pytest.mark.parametrize("path", [README, REFERENCE, ENV_EXAMPLE], ids=lambda p: p.name)
def test_the_generated_settings_documents_are_in_step_with_the_settings_class(path: Path) -> None:
    assert documents()[path] == path.read_text(), "run `python -m tandem.settings_doc --write`"


def test_the_reference_lists_every_setting_once() -> None:
    listed = [field for _, fields in groups() for field in fields]
    assert sorted(listed) == sorted(Settings.model_fields)


def test_the_env_example_names_every_setting() -> None:
    text = ENV_EXAMPLE.read_text()
    assert [name for name in (env_name(field) for field in Settings.model_fields) if f"# {name}=" not in text] == []


@pytest.mark.parametrize(
    ("value", "written"),
    [(True, "true"), (False, "false"), (["canceled", "cancelled"], "canceled,cancelled"), (60.0, "60"), (0.85, "0.85")],
)
def test_defaults_are_written_as_the_variables_take_them(value: object, written: str) -> None:
    assert as_variable(value) == written


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    assert "scripts/test" in README.read_text()
    assert (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1] == "exec ./scripts/test"


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_document_points_outside_the_repository(path: Path) -> None:
    assert re.findall(r"\.\./shared\S*|design\.md|design §\d", path.read_text()) == []


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_in_a_document_resolves(path: Path) -> None:
    links = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text())
    assert [link for link in links if not (path.parent / link).exists()] == []
