"""The dedicated audit writer process: same chain, answers only after commit, 503 when it is gone."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import test_api_support as support
from fastapi.testclient import TestClient
from test_api_support import World

from api.main import create_app
from csas_graph import audit, audit_writer
from csas_graph.audit import AuditUnavailable
from csas_graph.audit_writer import RemoteWriter, WriterProcess
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings

world, audit_writer_process = support.world, support.audit_writer  # module-scoped fixtures


def entry(n: int, case_id: str | None = None) -> dict[str, object]:
    return {
        "user": "alice",
        "action": "test.remote",
        "case_id": case_id,
        "params": f'{{"n":{n}}}',
        "result_count": n,
        "result_hash": None,
        "client": "127.0.0.1",
        "request_id": f"remote-{n}",
    }


@pytest.fixture
def bare_writer(cli_env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A writer process nobody restarts (to see what callers get once it is gone)."""
    folder = tempfile.mkdtemp(prefix="csas-audit-test-")
    path = str(Path(folder) / "writer.sock")
    proc = subprocess.Popen([sys.executable, "-m", "csas_graph.audit_writer", path], env=cli_env)
    deadline = time.monotonic() + 60
    while not audit_writer._accepting(path):
        assert proc.poll() is None and time.monotonic() < deadline, "the writer did not start"
        time.sleep(0.05)
    try:
        yield proc, path
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.kill()
        proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


def test_remote_records_chain_with_other_writers(
    store: GraphStore, settings: Settings, audit_writer_process: WriterProcess, case_id: str
) -> None:
    """Records from the writer process and from another process's in-process writer share one chain:
    the writer finds the head moved, re-reads it under its lock and re-chains."""
    remote = RemoteWriter(audit_writer_process.path)
    other = GraphStore.connect(settings)
    seqs: list[int] = []

    def calls(n: int) -> None:
        for i in range(10):
            if n < 8:
                seqs.append(int(remote.submit(entry(n * 100 + i, case_id))["seq"]))
            else:  # another process's in-process writer, as a CLI command would
                fields = {"params": {"i": i}, "result_count": None, "result_hash": None, "client": None}
                seqs.append(
                    int(audit.record_audit(other, user="bob", action="test.local", case_id=case_id, **fields)["seq"])
                )

    try:
        errors = support.run_in_threads(calls, 9)
    finally:
        remote.close()
        other.close()
    assert not errors, errors[:3]
    assert len(seqs) == 90 and len(set(seqs)) == 90
    stored = store.run_statement(
        "MATCH (a:AuditRecord {case_id: $c}) RETURN a.action AS action, count(*) AS n", {"c": case_id}, write=False
    )
    assert {r["action"]: r["n"] for r in stored} == {"test.remote": 80, "test.local": 10}
    assert audit.verify_chain(store).ok


@pytest.fixture(scope="module")
def server(store: GraphStore, settings: Settings, audit_writer_process: WriterProcess) -> Iterator[str]:
    """uvicorn on loopback with audit through the writer process, as ``csas serve`` runs it."""
    with support.serve_on_loopback(create_app(settings, store, audit_socket=audit_writer_process.path)) as base:
        yield base


def test_every_answer_comes_after_its_record_is_committed(server: str, world: World, store: GraphStore) -> None:
    """20 concurrent clients: as soon as any answer arrives, its audit record is already in Neo4j."""
    paths = [f"/cases/{world.red_case}", f"/cases/{world.red_case}/entities?q=77009000&limit=5"]
    before = audit.verify_chain(store).head_seq
    missing: list[str] = []
    request_ids: list[str] = []

    def client(n: int) -> None:
        with httpx.Client(base_url=server, headers=world.auth("analyst"), timeout=60) as c:
            for i in range(5):
                r = c.get(paths[(n + i) % 2])
                assert r.status_code == 200, r.text
                rid = r.headers["x-request-id"]
                request_ids.append(rid)
                found = store.run_statement(
                    "MATCH (a:AuditRecord {request_id: $r}) RETURN a.seq AS seq", {"r": rid}, write=False
                )
                if not found:
                    missing.append(rid)

    errors = support.run_in_threads(client, 20)
    assert not errors, errors[:3]
    assert len(request_ids) == 100
    assert not missing, f"{len(missing)} answers arrived before their audit record was committed"
    chain = audit.verify_chain(store)
    assert chain.ok and chain.head_seq >= before + 100


def test_a_dead_writer_gives_503_not_a_hang(
    store: GraphStore, settings: Settings, world: World, bare_writer: tuple[subprocess.Popen[bytes], str]
) -> None:
    proc, path = bare_writer
    app = create_app(settings, store, audit_socket=path)
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get(f"/cases/{world.red_case}", headers=world.auth("analyst")).status_code == 200
        proc.kill()
        proc.wait()
        start = time.monotonic()
        r = c.get(f"/cases/{world.red_case}", headers=world.auth("analyst"))
        assert time.monotonic() - start < 10
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "audit" in r.json()["detail"]
    assert "Op Red" not in r.text  # the case data is withheld, not sent unaudited


def test_a_hung_writer_gives_503_after_its_timeout(
    store: GraphStore,
    settings: Settings,
    world: World,
    bare_writer: tuple[subprocess.Popen[bytes], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proc, path = bare_writer
    monkeypatch.setattr(audit_writer, "ANSWER_TIMEOUT_S", 1.5)
    app = create_app(settings, store, audit_socket=path)
    with TestClient(app, raise_server_exceptions=False) as c:
        os.kill(proc.pid, signal.SIGSTOP)
        start = time.monotonic()
        r = c.get(f"/cases/{world.red_case}/entities?q=77009000", headers=world.auth("analyst"))
        waited = time.monotonic() - start
    assert r.status_code == 503, r.text
    assert 1.0 < waited < 15
    assert "audit" in r.json()["detail"]


def test_a_writer_that_dies_is_restarted(cli_env: dict[str, str], case_id: str) -> None:
    writer = WriterProcess(env=cli_env).start()
    remote = RemoteWriter(writer.path)
    try:
        first = remote.submit(entry(1, case_id))
        assert writer.proc is not None
        dead = writer.proc
        dead.kill()
        dead.wait()
        with pytest.raises(AuditUnavailable):
            remote.submit(entry(2, case_id))
        deadline = time.monotonic() + 60
        while True:
            try:
                second = remote.submit(entry(3, case_id))
                break
            except AuditUnavailable:
                assert time.monotonic() < deadline, "the writer was not restarted"
                time.sleep(0.2)
        assert writer.proc is not dead
        assert second["seq"] > first["seq"]
    finally:
        remote.close()
        writer.stop()


@pytest.mark.slow
def test_csas_serve_audits_every_answer_and_leaves_nothing_behind(
    cli_env: dict[str, str], world: World, store: GraphStore
) -> None:
    """The deployed path: ``csas serve --workers 2`` on a Neo4j that links records itself starts no
    writer process (each worker appends); every answer's record is committed; stopping the server
    removes the workers' shared cache."""
    import socket

    import psutil

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "csas_graph", "serve", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(cmd, env=cli_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, "csas serve exited"
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "csas serve did not come up"
            time.sleep(0.5)
        children = psutil.Process(proc.pid).children(recursive=True)
        writers = [c for c in children if "csas_graph.audit_writer" in " ".join(c.cmdline())]
        assert not writers, [c.cmdline() for c in children]
        assert not {c.environ().get("CSAS_AUDIT_SOCKET") for c in children} - {None}
        shared = {c.environ().get("CSAS_RESULT_CACHE_DIR") for c in children} - {None}
        assert len(shared) == 1  # one result cache folder for both workers
        folders = [Path(str(shared.pop()))]
        with httpx.Client(base_url=base, headers=world.auth("analyst"), timeout=60) as c:
            for _ in range(6):  # over both workers
                r = c.get(f"/cases/{world.red_case}")
                assert r.status_code == 200, r.text
                rid = r.headers["x-request-id"]
                found = store.run_statement(
                    "MATCH (a:AuditRecord {request_id: $r}) RETURN a.action AS action", {"r": rid}, write=False
                )
                assert [row["action"] for row in found] == ["case.read"]
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert not any(f.exists() for f in folders), "the shared cache folder was left behind"
    assert audit.verify_chain(store).ok
