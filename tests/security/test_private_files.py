"""Item 12: Tandem's data directories (table stores, the local broker's files, worker logs) are this user's
only (0700), whatever the umask, so another account on the machine cannot read tokens, payloads or logs."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.app import prepare_datadir
from tandem.private import private_dir, private_file, write_private
from tandem.settings import load_settings


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive common umask (022: files 0644, directories 0755)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_a_new_data_directory_and_every_parent_it_creates_are_private(tmp_path: Path, open_umask: None) -> None:
    target = tmp_path / "a" / "b" / "c"
    private_dir(target)
    assert [mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", target)] == [0o700, 0o700, 0o700]


def test_an_existing_data_directory_open_to_others_is_tightened(tmp_path: Path) -> None:
    target = tmp_path / "data"
    target.mkdir()
    target.chmod(0o775)
    private_dir(target)
    assert mode(target) == 0o700


def test_a_shared_sticky_directory_such_as_tmp_is_left_alone(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    private_dir(shared)
    assert mode(shared) == 0o1777


def test_a_private_file_is_readable_by_this_user_only(tmp_path: Path, open_umask: None) -> None:
    os.close(private_file(tmp_path / "worker.log"))
    assert mode(tmp_path / "worker.log") == 0o600


def test_the_workers_table_store_directories_are_private(
    tmp_path: Path, open_umask: None, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("TANDEM_DATA_DIR", str(tmp_path / "tandem"))
    settings = load_settings()
    tables = prepare_datadir(settings)
    for directory in (settings.data_dir, settings.data_dir / "faust", tables):
        assert mode(directory) == 0o700, directory


def test_a_file_written_privately_is_this_users_only_even_when_it_was_open_before(
    tmp_path: Path, open_umask: None
) -> None:
    target = tmp_path / "server.properties"
    target.write_text("old")
    target.chmod(0o644)
    write_private(target, "new")
    assert target.read_text() == "new" and mode(target) == 0o600
