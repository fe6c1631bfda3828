"""The vendor descriptions in sandbox/specs/ are byte-identical copies of ../shared/specs/."""

from __future__ import annotations

from pathlib import Path

import pytest

LOCAL = Path(__file__).resolve().parents[3] / "sandbox" / "specs"
SHARED = Path(__file__).resolve().parents[4] / "shared" / "specs"
FILES = sorted(p.relative_to(LOCAL) for p in LOCAL.glob("*/*.json"))


def test_the_copies_are_all_there() -> None:
    assert {str(p) for p in FILES} >= {
        "hubspot/campaigns-v3.json",
        "hubspot/owners-v3.json",
        "hubspot/tasks-v3.json",
        "hubspot/notes-v3.json",
        "jira/platform-v3.json",
    }


@pytest.mark.parametrize("name", FILES, ids=str)
def test_a_copy_matches_the_shared_original(name: Path) -> None:
    original = SHARED / name
    if not original.exists():
        pytest.skip("../shared/specs is not beside this checkout")
    assert (LOCAL / name).read_bytes() == original.read_bytes()
