"""A `tandem worker` run as a child process: started, waited for until ready, stopped or killed."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

from tandem.private import private_dir, private_file
from tandem.settings import env_name

TANDEM = str(Path(sys.executable).with_name("tandem"))
SOURCE_ROOT = Path(__file__).resolve().parents[1]
"""The checkout this module was imported from: the worker runs the same code (not whatever the `tandem`
script's installation points at, e.g. another worktree's)."""


def with_source_root(env: dict[str, str]) -> dict[str, str]:
    """`env` with this checkout first on PYTHONPATH."""
    paths = [str(SOURCE_ROOT), *(p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p)]
    return {**env, "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))}


def env_value(value: Any) -> str:
    """A settings value as its environment variable spells it."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(env_value(item) for item in value)
    if isinstance(value, dict):
        return json.dumps({str(k): env_value(v) if isinstance(v, SecretStr) else v for k, v in value.items()})
    return str(value)


def worker_environment(overrides: dict[str, Any]) -> dict[str, str]:
    """This process's environment with the settings `overrides` (field → value; None unsets it)."""
    env = dict(os.environ)
    for name, value in overrides.items():
        if value is None:
            env.pop(env_name(name), None)
        else:
            env[env_name(name)] = env_value(value)
    return env


EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST_CHOSEN = 20_000


def ephemeral_range() -> tuple[int, int]:
    """The ports the kernel hands out for a bind to port 0 and for outgoing connections (Linux; else its default)."""
    try:
        low, high = (int(part) for part in EPHEMERAL_RANGE.read_text().split())
    except (OSError, ValueError):
        return 32768, 60999
    return low, high


def free_port() -> int:
    """A free loopback port for a server started later, chosen below the kernel's ephemeral range.

    A port taken from the ephemeral range (a bind to port 0, then released) can be handed out again before the
    server binds it — to a sandbox binding port 0, or as the local port of any outgoing connection: a demo's
    worker once found its web port taken by its own HubSpot sandbox (CI, two test processes). Ports below
    the range are never handed out that way."""
    low, _ = ephemeral_range()
    if low - LOWEST_CHOSEN >= 1000:
        rng = random.SystemRandom()
        for _ in range(100):
            port = rng.randrange(LOWEST_CHOSEN, low)
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    with socket.socket() as sock:  # no room below the range: the kernel's choice
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the process that started it dies (Linux), so a killed
    replay or test leaves no worker behind."""
    with contextlib.suppress(OSError):  # not Linux: the parent's own clean-up stops the worker
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class WorkerProcess:
    """One worker with the given environment; its output goes to a log file in `log_dir`."""

    def __init__(self, env: dict[str, str], *, web_port: int, api_token: str, log_dir: Path) -> None:
        self.env = env
        self.web_port = web_port
        self.api_token = api_token
        self.log_dir = log_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None

    def start(self, timeout: float = 120.0) -> dict[str, Any]:
        """Start and wait until the worker says it is ready (partitions assigned, tables recovered)."""
        private_dir(self.log_dir)
        self.log_path = self.log_dir / f"worker-{int(time.time() * 1000)}.log"
        with os.fdopen(private_file(self.log_path), "wb") as log:
            self.process = subprocess.Popen(
                [TANDEM, "worker"],
                env=with_source_root(self.env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited with {self.process.returncode}: {self.log_tail(5)}")
            health = self.get("/api/health", authorized=False)
            if health and health[0] == 200 and health[1].get("ready"):
                return dict(health[1])
            time.sleep(0.3)
        raise TimeoutError(f"the worker was not ready within {timeout:.0f}s; see {self.log_path}")

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM, then SIGKILL after `timeout`."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no final commit or flush."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def get(self, path: str, *, authorized: bool = True) -> tuple[int, Any] | None:
        """GET a path of the worker's web server: (status, JSON body), or None when it does not answer."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.web_port}{path}")
        if authorized:
            request.add_header("Authorization", f"Bearer {self.api_token}")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own worker on loopback
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            body = exc.read()
            try:
                return exc.code, json.loads(body or b"null")
            except json.JSONDecodeError:  # e.g. aiohttp's own 500 page while the worker is starting
                return exc.code, body.decode(errors="replace")
        except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
            return None
