"""Build, start, stop and report on the embedded Neo4j in ``neo4j-local/``.

The server is a detached JVM so that it outlives the command that started it (``csas db
start``) and serves every later command. Its state (pid, port, data directory) is kept in
``CSAS_HOME/neo4j-server.json``; the password lives beside it, readable only by its owner.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from csas_graph.errors import ConfigurationError, GraphUnavailable
from csas_graph.settings import Settings

MAIN_CLASS = "org.csas.neo4jlocal.LocalNeo4j"
READY_MARK = "CSAS_NEO4J_READY"
#: Neo4j needs these opened on Java 17; the server launcher adds them, an embedded JVM does not.
JVM_FLAGS = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-XX:+UseG1GC",
)


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    uri: str | None
    data_dir: str
    log_file: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class LocalServer:
    """The local Neo4j of one ``CSAS_HOME``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.home = settings.home
        self.module_dir = settings.local_module_dir()
        self.data_dir = self.home / "neo4j"
        self.password_file = self.home / "neo4j-password"
        self.state_file = self.home / "neo4j-server.json"
        self.log_file = self.home / "logs" / "neo4j-server.log"

    # ----------------------------------------------------------------------------- building
    def build(self) -> Path:
        """Run ``mvn -q package`` once; later calls reuse the jar while sources are unchanged."""
        jar = self.module_dir / "target" / "neo4j-local-1.0.0.jar"
        classpath = self.module_dir / "target" / "classpath.txt"
        sources = [self.module_dir / "pom.xml", *self.module_dir.glob("src/**/*.java")]
        if not (self.module_dir / "pom.xml").exists():
            raise ConfigurationError(f"neo4j-local module not found at {self.module_dir}")
        if jar.exists() and classpath.exists():
            built = min(jar.stat().st_mtime, classpath.stat().st_mtime)
            if all(s.stat().st_mtime <= built for s in sources):
                return jar
        _require_java()
        mvn = shutil.which("mvn")
        if mvn is None:
            raise ConfigurationError("Maven (mvn) 3.8+ is required to build neo4j-local; install it")
        with self._lock("build"):
            proc = subprocess.run(
                [mvn, "-q", "-B", "-f", str(self.module_dir / "pom.xml"), "package", "-DskipTests"],
                capture_output=True,
                text=True,
                check=False,
            )
        if proc.returncode != 0:
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
            raise ConfigurationError("building neo4j-local failed: " + " | ".join(tail))
        return jar

    # ------------------------------------------------------------------------------ running
    def status(self) -> ServerStatus:
        state = self._read_state()
        running = bool(state) and _alive(int(state["pid"])) and _port_open(int(state["port"]))
        return ServerStatus(
            running=running,
            pid=int(state["pid"]) if running else None,
            uri=str(state["uri"]) if running else None,
            data_dir=str(self.data_dir),
            log_file=str(self.log_file),
        )

    def password(self) -> str:
        if not self.password_file.exists():
            raise GraphUnavailable(f"no local Neo4j password at {self.password_file}; run csas db start")
        return self.password_file.read_text(encoding="utf-8").strip()

    def start(self) -> ServerStatus:
        """Start the server unless it already runs; returns once Bolt accepts connections."""
        with self._lock("start"):
            current = self.status()
            if current.running:
                return current
            self._clear_stale_state()
            jar = self.build()
            java = _require_java()
            classpath = f"{jar}:{(jar.parent / 'classpath.txt').read_text().strip()}"
            port = _free_port()
            self.home.mkdir(parents=True, exist_ok=True)
            os.chmod(self.home, 0o700)  # cases and the password must not be readable by others
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            s = self.settings
            cmd = [
                java,
                f"-Xms{s.neo4j_heap_mb}m",
                f"-Xmx{s.neo4j_heap_mb}m",
                *JVM_FLAGS,
                "-cp",
                classpath,
                MAIN_CLASS,
                str(self.data_dir),
                str(port),
                str(self.password_file),
                str(s.neo4j_pagecache_mb),
                str(s.neo4j_tx_max_mb),
            ]
            offset = self.log_file.stat().st_size if self.log_file.exists() else 0
            with open(self.log_file, "ab") as log:
                proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                    cmd,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # survives the command that started it
                    cwd=self.home,
                )
            uri = f"bolt://127.0.0.1:{port}"
            self._wait_ready(proc, offset)
            self._write_state({"pid": proc.pid, "port": port, "uri": uri, "data_dir": str(self.data_dir)})
            return self.status()

    def stop(self, timeout_s: float = 60.0) -> bool:
        """SIGTERM the server (a clean shutdown) and wait; returns whether one was running."""
        with self._lock("start"):
            state = self._read_state()
            if not state or not _alive(int(state["pid"])):
                self._clear_stale_state()
                return False
            pid = int(state["pid"])
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout_s
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
            self._clear_stale_state()
            return True

    # ------------------------------------------------------------------------------ helpers
    def _wait_ready(self, proc: subprocess.Popen[bytes], offset: int) -> None:
        deadline = time.monotonic() + self.settings.neo4j_start_timeout_s
        while time.monotonic() < deadline:
            text = self._log_since(offset)
            if READY_MARK in text:
                return
            if proc.poll() is not None:
                raise GraphUnavailable(
                    f"local Neo4j exited with code {proc.returncode}: {_last_lines(text)} (log: {self.log_file})"
                )
            time.sleep(0.2)
        proc.terminate()
        raise GraphUnavailable(f"local Neo4j did not start in time (log: {self.log_file})")

    def _log_since(self, offset: int) -> str:
        with open(self.log_file, "rb") as fh:
            fh.seek(offset)
            return fh.read().decode("utf-8", "replace")

    def _read_state(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.state_file.read_text(encoding="utf-8")))
        except (FileNotFoundError, ValueError):
            return {}

    def _write_state(self, state: dict[str, object]) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        tmp.replace(self.state_file)

    def _clear_stale_state(self) -> None:
        self.state_file.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _lock(self, name: str) -> Iterator[None]:
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.home / f".{name}.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _require_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise ConfigurationError("Java 17 or newer is required for the local Neo4j; install a JDK")
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    match = re.search(r'version "(\d+)', out)
    if match is None or int(match.group(1)) < 17:
        raise ConfigurationError(f"Java 17 or newer is required for the local Neo4j; found: {out.strip()[:80]}")
    return java


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child (not yet reaped) counts as gone
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _last_lines(text: str, n: int = 3) -> str:
    return " | ".join(text.strip().splitlines()[-n:])
