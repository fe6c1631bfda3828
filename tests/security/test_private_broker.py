"""Item 12 for the local broker Tandem runs (`tandem kafka start`, the demo, replays): its home — data,
configuration, pid and log files — is this user's only, whatever the umask of the shell that started it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tandem.kafka.launcher import LocalKafka
from tandem.settings import load_settings
from tandem.worker_process import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_the_local_brokers_files_are_private(tmp_path: Path, open_umask: None) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)  # a parent others may enter: only Tandem's own directories are closed
    home = shared / "tandem" / "kafka"
    broker = LocalKafka(
        home=home,
        cache_dir=load_settings().cache_dir,
        port=free_port(),
        controller_port=free_port(),
        say=lambda line: None,
    )
    broker.start()
    try:
        found = [home, *home.rglob("*")]
    finally:
        broker.stop()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((shared / "tandem").stat().st_mode) == 0o700
    assert any(path.name == "broker.log" or path.suffix == ".log" for path in found)
    open_to_others = [
        str(path.relative_to(home)) for path in found if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077
    ]
    assert open_to_others == []
