"""A real Apache Kafka 4 broker on loopback, without Docker.

The broker's jars are resolved once from Maven Central with Maven into a per-user cache; after that,
starting needs no network. The broker runs as a single KRaft node (broker and controller in one process),
formatted once, started in the background with a pid file and a log file, and stopped with SIGTERM so it
shuts down cleanly. Every failure is a `KafkaLauncherError` whose message is one line saying what to do.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import errno
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from tandem.private import PRIVATE_UMASK, private_dir, private_file, write_private
from tandem.settings import Settings

KAFKA_VERSION = "4.1.1"
"""The pinned Apache Kafka release (`org.apache.kafka:kafka_2.13`)."""

LOG4J_VERSION = "2.24.3"
"""Log4j 2 release matching Kafka's own log4j-core, for the SLF4J binding."""

MIN_JAVA = 17
_COMPLETE = ".complete"
_STARTED: dict[int, subprocess.Popen[bytes]] = {}
"""Brokers this process started, kept so they are reaped on stop (and not reported as leaked)."""


class KafkaLauncherError(RuntimeError):
    """The local broker cannot be resolved, started or stopped; the message says what to fix."""


@dataclass(frozen=True)
class BrokerStatus:
    running: bool
    pid: int | None
    bootstrap: str
    home: Path


def _kafka_cluster_id() -> str:
    """A Kafka cluster id: a random UUID in URL-safe base64 without padding (22 characters)."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def _java_major(version_output: str) -> int | None:
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def find_java() -> str:
    """The `java` executable (JAVA_HOME first), checked to be Java 17 or newer."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not Path(java).exists():
        raise KafkaLauncherError(
            f"Java {MIN_JAVA}+ is needed to run the local Kafka broker and was not found: install a JDK or "
            "JRE (e.g. `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME"
        )
    probe = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60, check=False)
    major = _java_major(probe.stderr + probe.stdout)
    if major is None or major < MIN_JAVA:
        raise KafkaLauncherError(
            f"Kafka {KAFKA_VERSION} needs Java {MIN_JAVA}+, but {java} is Java {major}: install "
            "openjdk-17 or set JAVA_HOME to a newer JDK"
        )
    return java


def _check_writable(directory: Path, variable: str, *, private: bool = False) -> None:
    try:
        if private:
            private_dir(directory)
        else:
            directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-check-"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise KafkaLauncherError(
            f"cannot write to {directory}: {reason}; set {variable} to a writable directory"
        ) from None


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise KafkaLauncherError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return False


async def _metadata_ok(bootstrap: str, wait_seconds: float) -> bool:
    """True when the broker answers a metadata request."""
    from aiokafka.client import AIOKafkaClient
    from aiokafka.errors import KafkaError

    quiet = logging.getLogger("aiokafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # a broker still starting is expected here, not an error to log
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=int(wait_seconds * 1000))
    try:
        await asyncio.wait_for(client.bootstrap(), wait_seconds)
        return True
    except (KafkaError, OSError, TimeoutError):
        return False
    finally:
        await client.close()
        quiet.setLevel(level)


def broker_answers(bootstrap: str, timeout: float = 5.0) -> bool:
    """True when a Kafka broker at `bootstrap` answers a metadata request."""
    return asyncio.run(_metadata_ok(bootstrap, timeout))


class LocalKafka:
    """One single-node KRaft broker whose files live under `home`."""

    def __init__(
        self,
        *,
        home: Path,
        cache_dir: Path,
        host: str = "127.0.0.1",
        port: int = 9092,
        controller_port: int = 9093,
        heap: str = "512m",
        say: Callable[[str], None] = print,
    ) -> None:
        if port == controller_port:
            raise KafkaLauncherError(
                f"TANDEM_KAFKA_PORT and TANDEM_KAFKA_CONTROLLER_PORT are both {port}: choose two ports"
            )
        self.home = home
        self.cache_dir = cache_dir
        self.host = host
        self.port = port
        self.controller_port = controller_port
        self.heap = heap
        self.say = say

    @classmethod
    def from_settings(cls, settings: Settings, say: Callable[[str], None] = print) -> LocalKafka:
        return cls(
            home=settings.local_kafka_dir,
            cache_dir=settings.cache_dir,
            host=settings.kafka_host,
            port=settings.kafka_port,
            controller_port=settings.kafka_controller_port,
            heap=settings.kafka_heap,
            say=say,
        )

    # --- files ------------------------------------------------------------------------------------
    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def libs_dir(self) -> Path:
        return self.cache_dir / f"kafka-{KAFKA_VERSION}" / "libs"

    @property
    def log_dir(self) -> Path:
        return self.home / "data"

    @property
    def pid_file(self) -> Path:
        return self.home / "broker.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "broker.log"

    @property
    def console_file(self) -> Path:
        return self.home / "broker.out"

    @property
    def config_file(self) -> Path:
        return self.home / "server.properties"

    @property
    def log4j_file(self) -> Path:
        return self.home / "log4j2.properties"

    # --- resolve ----------------------------------------------------------------------------------
    def is_resolved(self) -> bool:
        return (self.libs_dir / _COMPLETE).exists()

    def resolve(self) -> Path:
        """Fetch the broker jars with Maven into the cache, once; later calls need no network."""
        if self.is_resolved():
            return self.libs_dir
        _check_writable(self.cache_dir, "TANDEM_CACHE_DIR")
        mvn = shutil.which("mvn")
        if not mvn:
            raise KafkaLauncherError(
                "Maven (mvn) is needed once to fetch the Kafka broker from Maven Central and was not found: "
                "install it (e.g. `apt-get install maven`)"
            )
        self.say(f"Resolving Apache Kafka {KAFKA_VERSION} from Maven Central into {self.libs_dir.parent} (once)")
        template = resources.files("tandem.kafka").joinpath("pom.xml").read_text()
        pom = template.replace("@KAFKA_VERSION@", KAFKA_VERSION).replace("@LOG4J_VERSION@", LOG4J_VERSION)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(dir=self.cache_dir, prefix=".resolve-") as work:
            work_dir = Path(work)
            (work_dir / "pom.xml").write_text(pom)
            staged = work_dir / "libs"
            result = subprocess.run(
                [
                    mvn,
                    "-B",
                    "-q",
                    "-f",
                    str(work_dir / "pom.xml"),
                    "dependency:copy-dependencies",
                    f"-DoutputDirectory={staged}",
                    "-DincludeScope=runtime",
                ],
                capture_output=True,
                text=True,
                timeout=1800,
                check=False,
            )
            if result.returncode != 0:
                tail = " | ".join((result.stdout + result.stderr).strip().splitlines()[-3:])
                raise KafkaLauncherError(
                    f"Maven could not resolve org.apache.kafka:kafka_2.13:{KAFKA_VERSION} "
                    f"(check network access to Maven Central): {tail}"
                )
            jars = sorted(path.name for path in staged.glob("*.jar"))
            if not any(name.startswith(f"kafka_2.13-{KAFKA_VERSION}") for name in jars):
                raise KafkaLauncherError(f"Maven finished but kafka_2.13-{KAFKA_VERSION}.jar is missing")
            (staged / _COMPLETE).write_text("\n".join(jars) + "\n")
            self.libs_dir.parent.mkdir(parents=True, exist_ok=True)
            try:
                staged.rename(self.libs_dir)
            except OSError:
                if not self.is_resolved():  # another process won the race only if it finished
                    raise
        self.say(f"Resolved {len(jars)} jars in {time.monotonic() - started:.0f}s")
        return self.libs_dir

    # --- configure --------------------------------------------------------------------------------
    def _server_properties(self) -> str:
        host, port, controller = self.host, self.port, self.controller_port
        lines = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.bootstrap.servers": f"{host}:{controller}",
            "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller}",
            "advertised.listeners": f"PLAINTEXT://{host}:{port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.log_dir),
            "num.partitions": "1",
            # Tandem declares every topic with explicit partitions; a typo must not create a topic.
            "auto.create.topics.enable": "false",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "8",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "log.retention.hours": "168",
        }
        header = "# Written by `tandem kafka start`; rewritten on every start.\n"
        return header + "".join(f"{key}={value}\n" for key, value in lines.items())

    def _log4j_properties(self) -> str:
        return (
            "status = warn\n"
            "appender.file.type = RollingFile\n"
            "appender.file.name = FILE\n"
            f"appender.file.fileName = {self.log_file}\n"
            f"appender.file.filePattern = {self.log_file}.%i\n"
            "appender.file.layout.type = PatternLayout\n"
            "appender.file.layout.pattern = [%d] %p %m (%c)%n\n"
            "appender.file.policies.type = Policies\n"
            "appender.file.policies.size.type = SizeBasedTriggeringPolicy\n"
            "appender.file.policies.size.size = 20MB\n"
            "appender.file.strategy.type = DefaultRolloverStrategy\n"
            "appender.file.strategy.max = 3\n"
            "rootLogger.level = INFO\n"
            "rootLogger.appenderRef.file.ref = FILE\n"
            "logger.controller.name = org.apache.kafka.controller\n"
            "logger.controller.level = WARN\n"
        )

    def configure(self) -> None:
        _check_writable(self.home, "TANDEM_KAFKA_DIR (or TANDEM_DATA_DIR)", private=True)
        write_private(self.config_file, self._server_properties())
        write_private(self.log4j_file, self._log4j_properties())

    def _java_command(self, java: str, main: str, *args: str) -> list[str]:
        return [
            java,
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.log4j_file}",
            "-cp",
            str(self.libs_dir / "*"),
            main,
            *args,
        ]

    def is_formatted(self) -> bool:
        return (self.log_dir / "meta.properties").exists()

    def format(self, java: str) -> None:
        """Format the KRaft log dir, once."""
        if self.is_formatted():
            return
        result = subprocess.run(
            self._java_command(
                java,
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                f"--cluster-id={_kafka_cluster_id()}",
                "-c",
                str(self.config_file),
            ),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            umask=PRIVATE_UMASK,
        )
        if result.returncode != 0:
            tail = " | ".join((result.stdout + result.stderr).strip().splitlines()[-2:])
            raise KafkaLauncherError(f"formatting the Kafka log dir {self.log_dir} failed: {tail}")

    # --- process ----------------------------------------------------------------------------------
    def _read_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def _is_our_broker(self, pid: int) -> bool:
        """The pid is alive and is a Kafka broker started with this home's config (not a reused pid)."""
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return b"kafka.Kafka" in cmdline and str(self.config_file).encode() in cmdline

    def running_pid(self) -> int | None:
        pid = self._read_pid()
        if pid is not None and self._is_our_broker(pid):
            return pid
        return None

    def status(self) -> BrokerStatus:
        pid = self.running_pid()
        return BrokerStatus(running=pid is not None, pid=pid, bootstrap=self.bootstrap, home=self.home)

    def start(self, timeout: float = 120.0) -> BrokerStatus:
        """Start the broker in the background and wait until it answers; harmless when already running."""
        pid = self.running_pid()
        if pid is not None:
            if not self._wait_ready(pid, timeout):
                raise KafkaLauncherError(
                    f"a broker (pid {pid}) is running from {self.home} but does not answer on {self.bootstrap}; "
                    f"see {self.log_file}"
                )
            self.say(f"Kafka is already running (pid {pid}) on {self.bootstrap}")
            return self.status()
        java = find_java()
        for port, variable in (
            (self.port, "TANDEM_KAFKA_PORT"),
            (self.controller_port, "TANDEM_KAFKA_CONTROLLER_PORT"),
        ):
            if _port_in_use(self.host, port):
                raise KafkaLauncherError(
                    f"port {port} on {self.host} is already in use by another process: stop it, or set "
                    f"{variable} to a free port (KAFKA_BOOTSTRAP_SERVERS uses an existing broker instead)"
                )
        self.resolve()
        self.configure()
        self.format(java)
        with os.fdopen(private_file(self.console_file), "ab") as console:
            process = subprocess.Popen(
                self._java_command(java, "kafka.Kafka", str(self.config_file)),
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=self.home,
                umask=PRIVATE_UMASK,  # the broker's data, logs and pid files: this user's only
            )
        _STARTED[process.pid] = process
        write_private(self.pid_file, f"{process.pid}\n")
        self.say(f"Starting Kafka {KAFKA_VERSION} (pid {process.pid}) on {self.bootstrap}; log: {self.log_file}")
        if not self._wait_ready(process.pid, timeout, process):
            self.stop()
            raise KafkaLauncherError(
                f"Kafka did not answer on {self.bootstrap} within {timeout:.0f}s: {self._last_error()}"
            )
        self.say(f"Kafka is ready on {self.bootstrap}")
        return self.status()

    def _wait_ready(self, pid: int, timeout: float, process: subprocess.Popen[bytes] | None = None) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise KafkaLauncherError(f"Kafka exited during start (code {process.returncode}): {self._last_error()}")
            if process is None and not self._is_our_broker(pid):
                return False
            if broker_answers(self.bootstrap, timeout=3.0):
                return True
            time.sleep(0.5)
        return False

    def _last_error(self) -> str:
        for path in (self.log_file, self.console_file):
            with contextlib.suppress(OSError):
                lines = path.read_text(errors="replace").splitlines()
                errors = [line for line in lines if " ERROR " in line or "Exception" in line]
                if errors:
                    return f"{errors[-1].strip()[:300]} (see {path})"
        return f"see {self.log_file}"

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the broker cleanly (SIGTERM, then SIGKILL after `timeout`); False when none was running."""
        pid = self.running_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        if not self._wait_gone(pid, timeout):
            self.say(f"Kafka (pid {pid}) did not stop within {timeout:.0f}s; killing it")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            self._wait_gone(pid, 10.0)
        started = _STARTED.pop(pid, None)
        if started is not None:
            started.wait(10)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _wait_gone(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # reap it when it is our child
            if not self._is_our_broker(pid):
                return True
            time.sleep(0.2)
        return not self._is_our_broker(pid)
