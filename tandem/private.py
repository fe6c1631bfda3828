"""Tandem's own files are private: its data directories (table stores, the local broker's data, config and
logs, the worker logs of replays and tests) are made readable by this user only (0700), whatever the umask.

`private_dir(path)` creates what is missing of `path` with mode 0700, level by level (`Path.mkdir(parents=
True)` would give the parents the umask's mode), and tightens `path` itself when it exists with wider
permissions, is this user's and is not a shared sticky directory such as `/tmp`. `PRIVATE_UMASK` is what
Tandem's child processes (the local broker) create their files with.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MODE = 0o700
PRIVATE_UMASK = 0o077


def private_dir(path: Path) -> Path:
    """`path`, created (with missing parents) or tightened to 0700; see the module's docstring."""
    missing: list[Path] = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for directory in reversed(missing):
        directory.mkdir(mode=MODE, exist_ok=True)
        os.chmod(directory, MODE)  # mkdir's mode is masked by the umask: say it exactly
    if not missing:
        info = path.stat()
        ours = info.st_uid == os.geteuid()
        if ours and not info.st_mode & stat.S_ISVTX and stat.S_IMODE(info.st_mode) & 0o077:
            os.chmod(path, stat.S_IMODE(info.st_mode) & ~0o077)
    return path


def private_file(path: Path) -> int:
    """Open `path` for appending, created readable and writable by this user only (0600); a file descriptor."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` (replacing it), readable and writable by this user only (0600), also when the
    file was there before with wider permissions."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(text)


__all__ = ["MODE", "PRIVATE_UMASK", "private_dir", "private_file", "write_private"]
