"""A dedicated audit writer process, fed by the API processes through a Unix socket.

``csas serve`` starts it only on a Neo4j that cannot link records itself (no APOC core's
``apoc.util.sha256``): elsewhere each worker appends its records directly
(:class:`csas_graph.audit.InDatabaseWriter`), one round trip a record and no process between.

Why a process of its own: in the API process the audit writer competes for the GIL with every
request thread, and each of its round trips to Neo4j (append, commit) waits for the GIL again, so
under load a record took 50-150 ms to commit where an idle commit takes 2.5 ms. Here it has an
interpreter to itself, appends each batch in *one* round trip (a single auto-commit statement
that takes the chain head's lock, checks the head and appends) and serves every worker of
``csas serve`` on one chain, so workers no longer collide on the head.

The guarantees of :mod:`csas_graph.audit` are unchanged: a caller's :meth:`RemoteWriter.submit`
returns only after its record is committed in Neo4j (the writer answers after the commit has been
acknowledged); the chain is hash-chained the same way and checked against the head under its
lock; if the head moved (a CLI command appended meanwhile), the batch is re-chained under the lock
in one explicit transaction. If the writer cannot be reached, or stops before answering, the
caller gets :class:`~csas_graph.audit.AuditUnavailable` (a 503), never a hang.

Protocol: one JSON object per line. Request ``{"id": n, "entry": {...}}``; answer
``{"id": n, "record": {...}}`` or ``{"id": n, "error": "..."}``.

Limitations
-----------
Anyone who can connect to the socket can append audit records under any user name; the socket
lives in a directory only its owner can enter (``0700``), the same owner that can reach Neo4j.
A record whose commit was acknowledged by Neo4j but whose answer was lost (the writer killed in
between) is in the chain while its request failed: the trail can over-report, never under-report.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import orjson

import cypher
from csas_graph.audit import AuditUnavailable, Ticket, _append, _chain, _locked_head
from csas_graph.errors import GraphUnavailable
from csas_graph.graph_store import GraphStore

#: the environment variable through which ``csas serve`` tells its workers where the writer listens
SOCKET_ENV = "CSAS_AUDIT_SOCKET"
#: most records appended in one transaction
MAX_BATCH = 1_000
#: how long a caller waits for its record before failing its request (the writer is hung)
ANSWER_TIMEOUT_S = 60.0
STARTUP_TIMEOUT_S = 120.0


# ------------------------------------------------------------------------------ the writer
class ChainAppender:
    """Appends batches of entries to the chain, remembering where it left the head.

    The usual case is one round trip: an auto-commit statement that locks the head, checks it is
    where this appender left it, and appends (Neo4j answers it after the commit). Otherwise (first
    use, or another writer moved the head) the head is read under its lock in an explicit
    transaction and the batch re-chained there.
    """

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.head: tuple[int, str] | None = None
        self._append_text = cypher.load("audit/append").text

    def append(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        try:
            records = self._append_fast(entries) if self.head is not None else None
            if records is None:
                records = self._append_locked(entries)
        except BaseException:
            self.head = None  # the outcome is unknown: read the head again next time
            raise
        self.head = (records[-1]["seq"], records[-1]["hash"])
        return records

    def _append_fast(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        assert self.head is not None
        seq, prev = self.head
        records = _chain(entries, seq, prev)
        last = records[-1]
        params = {"rows": records, "expect_seq": seq, "expect_hash": prev}
        params.update(last_seq=last["seq"], last_hash=last["hash"])
        with self.store.driver.session(database=self.store.database) as session:
            rows = session.run(self._append_text, params).data()  # auto-commit: answered once committed
        return records if rows else None

    def _append_locked(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        with self.store.transaction() as tx:
            seq, prev = _locked_head(tx)
            records = _chain(entries, seq, prev)
            if not _append(tx, records, seq, prev):
                raise GraphUnavailable("the audit chain head moved while this writer held its lock")
        return records


@dataclass
class _Job:
    conn: socket.socket
    id: int
    entry: dict[str, Any]


def serve(store: GraphStore, path: str, parent_pid: int | None = None) -> None:
    """Listen on ``path`` and append what arrives, batch by batch, until the parent process exits.

    One thread does everything: it takes whatever has arrived on every connection, commits it as
    one batch, answers, and looks again; what arrives during a commit is the next batch. (Fewer
    threads to wake per record: on a busy machine each wake-up waits for a core.)
    """
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    pending: dict[socket.socket, bytes] = {}  # per connection, an incomplete last line
    appender = ChainAppender(store)
    while parent_pid is None or os.getppid() == parent_pid:  # until the API server is gone
        batch: list[_Job] = []
        for key, _ in selector.select(timeout=1.0):
            if key.fileobj is listener:
                conn, _ = listener.accept()
                selector.register(conn, selectors.EVENT_READ)
                pending[conn] = b""
            else:
                batch += _read_jobs(cast(socket.socket, key.fileobj), pending, selector)
        for start in range(0, len(batch), MAX_BATCH):
            _commit_and_answer(appender, batch[start : start + MAX_BATCH])


def _read_jobs(
    conn: socket.socket, pending: dict[socket.socket, bytes], selector: selectors.BaseSelector
) -> list[_Job]:
    """Every complete request that has arrived on ``conn``; forgets the connection at its end."""
    data, ended = pending[conn], False
    while not ended:
        try:
            chunk = conn.recv(1 << 16, socket.MSG_DONTWAIT)
        except BlockingIOError:
            break
        except OSError:
            chunk = b""
        data += chunk
        ended = not chunk
    *lines, pending[conn] = data.split(b"\n")
    if ended:  # what it sent before is still written; nobody waits for the answer
        selector.unregister(conn)
        del pending[conn]
        conn.close()
    jobs = []
    for line in lines:
        try:
            message = orjson.loads(line)
            jobs.append(_Job(conn, int(message["id"]), dict(message["entry"])))
        except (ValueError, KeyError, TypeError):  # not from RemoteWriter: ignored, never half-written
            continue
    return jobs


def _commit_and_answer(appender: ChainAppender, batch: list[_Job]) -> None:
    try:
        records: list[dict[str, Any] | None] = list(appender.append([job.entry for job in batch]))
        error = None
    except Exception as err:  # every caller of the batch learns its record was not written
        records, error = [None] * len(batch), f"the audit record could not be written: {type(err).__name__}"
    answers: dict[socket.socket, list[bytes]] = {}
    for job, record in zip(batch, records, strict=True):
        answer = {"id": job.id, "record": record} if error is None else {"id": job.id, "error": error}
        answers.setdefault(job.conn, []).append(orjson.dumps(answer) + b"\n")
    for conn, lines in answers.items():
        try:
            conn.sendall(b"".join(lines))
        except OSError:
            pass  # that API process is gone; its callers have failed already


# ------------------------------------------------------------------------------ the client
class RemoteWriter:
    """The API side: hands entries to the writer process and waits for each one's commit.

    Same interface as the in-process group writer (``submit(entry) -> record``), plus
    :meth:`send`, which returns at once with a :class:`Ticket` so that the caller can prepare its
    answer while the record commits. One connection per API process; its answers are read by the
    server's event loop (``loop``: the loop is what waits for them before answering, so no thread
    of its own has to win the GIL first) or else by a thread of their own. A broken connection
    fails every ticket waiting on it at once; the next caller reconnects (to a restarted writer)
    or fails straight away.
    """

    def __init__(self, path: str, timeout_s: float | None = None, loop: asyncio.AbstractEventLoop | None = None):
        self.path = path
        self.timeout_s = ANSWER_TIMEOUT_S if timeout_s is None else timeout_s
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._conn: socket.socket | None = None
        self._waiting: dict[int, Ticket] = {}
        self._loop = loop

    def submit(self, entry: dict[str, Any]) -> dict[str, Any]:
        return self.send(entry).result()

    def send(self, entry: dict[str, Any]) -> Ticket:
        """Hand ``entry`` to the writer; raises :class:`AuditUnavailable` if it is not running."""
        ticket = Ticket(self.timeout_s)
        with self._lock:
            conn = self._conn or self._connect()
            request_id = next(self._ids)
            self._waiting[request_id] = ticket
            try:
                conn.sendall(orjson.dumps({"id": request_id, "entry": entry}) + b"\n")
            except OSError as err:
                self._waiting.pop(request_id, None)
                self._drop(conn)
                raise _lost(err) from err
        return ticket

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._drop(self._conn)

    def _connect(self) -> socket.socket:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(self.path)
        except OSError as err:
            conn.close()
            raise _lost(err) from err
        self._conn = conn
        if self._loop is not None:  # each connection with its own buffer of an incomplete last line
            self._loop.call_soon_threadsafe(self._loop.add_reader, conn.fileno(), self._on_readable, conn, bytearray())
        else:
            threading.Thread(target=self._read_answers, args=(conn,), daemon=True, name="audit-answers").start()
        return conn

    def _read_answers(self, conn: socket.socket) -> None:
        try:
            with conn.makefile("rb") as lines:
                for line in lines:
                    self._settle(orjson.loads(line))
        except (OSError, ValueError):
            pass
        with self._lock:
            self._drop(conn)

    def _on_readable(self, conn: socket.socket, partial: bytearray) -> None:
        """On the event loop: read what has arrived and settle the tickets it answers."""
        try:
            data = conn.recv(1 << 16, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            with self._lock:
                self._drop(conn)
            return
        partial += data
        *lines, rest = partial.split(b"\n")
        partial[:] = rest
        for line in lines:
            self._settle(orjson.loads(line))

    def _settle(self, answer: dict[str, Any]) -> None:
        with self._lock:
            ticket = self._waiting.pop(int(answer["id"]), None)
        if ticket is not None:
            ticket.settle(answer)

    def _drop(self, conn: socket.socket) -> None:
        """Forget ``conn`` and fail everyone still waiting on it (called with the lock held)."""
        if self._conn is conn:
            self._conn = None
            waiting, self._waiting = self._waiting, {}
            for ticket in waiting.values():
                ticket.settle(None)  # no answer: "stopped before answering"
        try:
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        if self._loop is None:
            conn.close()
        elif _running_loop() is self._loop:  # the loop stops watching it before it is closed
            _unwatch_and_close(self._loop, conn)
        else:
            self._loop.call_soon_threadsafe(_unwatch_and_close, self._loop, conn)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _unwatch_and_close(loop: asyncio.AbstractEventLoop, conn: socket.socket) -> None:
    if conn.fileno() >= 0:
        loop.remove_reader(conn.fileno())
    conn.close()


def _lost(err: BaseException) -> AuditUnavailable:
    return AuditUnavailable(f"the audit writer is not running ({type(err).__name__}); requests cannot be audited")


# ----------------------------------------------------------------------- the process itself
class WriterProcess:
    """Starts ``python -m csas_graph.audit_writer`` on a private socket and restarts it if it dies."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self._dir = tempfile.mkdtemp(prefix="csas-audit-")  # 0700: only this user can connect
        self.path = str(Path(self._dir) / "writer.sock")
        self._env = {**(env if env is not None else os.environ), SOCKET_ENV: self.path}
        self._stopping = threading.Event()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> WriterProcess:
        self._spawn()
        threading.Thread(target=self._supervise, daemon=True, name="audit-writer-supervisor").start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _spawn(self) -> None:
        if os.path.exists(self.path):
            os.unlink(self.path)
        cmd = [sys.executable, "-m", "csas_graph.audit_writer", self.path, str(os.getpid())]
        self.proc = subprocess.Popen(cmd, env=self._env)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _accepting(self.path):
            if self.proc.poll() is not None:
                raise GraphUnavailable(f"the audit writer process exited with status {self.proc.returncode}")
            if time.monotonic() > deadline:
                self.proc.kill()
                raise GraphUnavailable("the audit writer process did not start")
            time.sleep(0.05)

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            proc = self.proc
            if proc is not None and proc.poll() is not None and not self._stopping.is_set():
                try:
                    self._spawn()  # meanwhile requests fail with 503; then they reconnect
                except GraphUnavailable:
                    time.sleep(1.0)
            self._stopping.wait(0.2)


def _accepting(path: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(path)
        except OSError:
            return False
    return True


def main(argv: list[str]) -> None:
    from csas_graph.settings import get_settings

    path, parent = argv[0], int(argv[1]) if len(argv) > 1 else None
    store = GraphStore.connect(get_settings())
    try:
        serve(store, path, parent)
    finally:
        store.close()


if __name__ == "__main__":
    main(sys.argv[1:])
