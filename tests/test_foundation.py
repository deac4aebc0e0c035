"""The foundation: local server lifecycle, durability, migrations, the CLI and settings."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import cypher
from csas_graph.errors import ConfigurationError, ProgrammingError
from csas_graph.graph_store import GraphStore
from csas_graph.local_server import LocalServer
from csas_graph.migrations import migrate
from csas_graph.settings import Settings, get_settings

CSAS = [sys.executable, "-m", "csas_graph"]


def run_csas(args: list[str], env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CSAS, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def test_store_round_trip(store: GraphStore, case_id: str) -> None:
    store.run_statement("CREATE (:Number {case_id: $c, key: '+447700900001'})", {"c": case_id}, write=True)
    rows = store.run_statement("MATCH (n:Number {case_id: $c}) RETURN n.key AS key", {"c": case_id}, write=False)
    assert rows == [{"key": "+447700900001"}]


def test_sessions_carry_the_stores_bookmarks(store: GraphStore, case_id: str) -> None:
    """Each write's bookmark reaches the store's bookmark manager, which its next sessions start from
    (so on a cluster a read routed to a follower waits for this process's earlier writes)."""
    before = set(store.bookmarks.get_bookmarks())
    store.run_statement("CREATE (:Number {case_id: $c, key: 'bookmarked'})", {"c": case_id}, write=True)
    after = set(store.bookmarks.get_bookmarks())
    assert after and after != before
    rows = store.run_statement("MATCH (n:Number {case_id: $c}) RETURN n.key AS key", {"c": case_id}, write=False)
    assert rows == [{"key": "bookmarked"}]


def test_read_only_unless_write(store: GraphStore) -> None:
    from csas_graph.errors import InvalidInput

    with pytest.raises(InvalidInput, match="--write"):
        store.run_statement("CREATE (:Number {case_id: 'x', key: 'y'})", {}, write=False)


def test_routing_scheme_is_what_the_suite_uses(settings: Settings) -> None:
    expected = os.environ.get("CSAS_TEST_SCHEME", "neo4j")
    assert settings.neo4j_uri is not None and settings.neo4j_uri.startswith(f"{expected}://")


def test_migrate_twice_is_a_noop_and_constraints_exist(store: GraphStore) -> None:
    assert migrate(store) == []  # the fixture already migrated
    names = {r["name"] for r in store.run_statement("SHOW CONSTRAINTS YIELD name", {}, write=False)}
    assert {"number_key", "cell_key", "source_file_key", "called_event", "audit_seq"} <= names
    versions = [r["version"] for r in store.read(cypher.load("schema_version"))]
    assert versions == sorted((m.version for m in cypher.migrations()), reverse=True)


def test_query_params_must_match_the_header(store: GraphStore) -> None:
    with pytest.raises(ProgrammingError, match="declares"):
        store.read(cypher.load("ping"), extra=1)


def test_every_cypher_file_declares_exactly_the_params_it_uses() -> None:
    for name in cypher.names():
        q = cypher.load(name)
        assert q.used_params() == q.params, f"cypher/{name}.cypher header and body disagree"
        assert q.returns or "returns: none" in q.text, name


def test_settings_refuse_default_password_off_loopback() -> None:
    with pytest.raises(ValueError, match="default password"):
        Settings(neo4j_uri="neo4j+s://db.example.org:7687", neo4j_password="neo4j")
    Settings(neo4j_uri="bolt://127.0.0.1:7687", neo4j_password="neo4j")  # loopback is allowed


def test_settings_errors_become_configuration_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", "http://nope")
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match="scheme"):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_password_file_is_owner_only(local_server: LocalServer) -> None:
    mode = local_server.password_file.stat().st_mode & 0o777
    assert mode == 0o600
    assert local_server.password() not in {"neo4j", "password"}


def test_default_credentials_are_refused_by_the_local_server(local_server: LocalServer) -> None:
    from csas_graph.errors import GraphUnavailable

    uri = local_server.status().uri
    assert uri is not None
    with pytest.raises(GraphUnavailable, match="refused the credentials"):
        GraphStore.open(uri, "neo4j", "neo4j", "neo4j", Settings(neo4j_uri=uri))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("scheme", ["bolt", "neo4j"])
def test_closed_port_fails_fast_naming_the_uri(scheme: str, cli_env: dict[str, str]) -> None:
    uri = f"{scheme}://127.0.0.1:{_closed_port()}"
    env = {**cli_env, "NEO4J_URI": uri, "NEO4J_PASSWORD": "not-a-default-1"}
    started = time.monotonic()
    proc = run_csas(["db", "migrate"], env, timeout=60)
    elapsed = time.monotonic() - started
    assert proc.returncode == 4, proc.stderr
    assert uri in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert elapsed < 10


def test_cli_version_and_query(cli_env: dict[str, str]) -> None:
    proc = run_csas(["--version"], cli_env)
    assert proc.returncode == 0 and re.match(r"csas-graph \d+\.\d+", proc.stdout)
    proc = run_csas(["db", "query", "RETURN $x + 1 AS y", "--param", "x=41"], cli_env)
    assert proc.returncode == 0, proc.stderr
    assert '"y": 42' in proc.stdout
    proc = run_csas(["db", "query", "CREATE (n:Scratch) RETURN n"], cli_env)
    assert proc.returncode == 2 and "--write" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_csas(["db", "query", "RETURN nonsense("], cli_env)
    assert proc.returncode == 2 and proc.stderr.startswith("error:") and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_lifecycle_durability_and_status(tmp_path: Path) -> None:
    """start twice → one server; status tells the truth; data survives a restart; stop stops."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "CSAS_"))}
    env["CSAS_HOME"] = str(tmp_path / "home")
    assert run_csas(["db", "status"], env).returncode == 1
    first = run_csas(["db", "start"], env)
    assert first.returncode == 0, first.stderr
    second = run_csas(["db", "start"], env)
    pid = re.search(r"pid=(\d+)", first.stdout)
    assert pid and f"pid={pid.group(1)}" in second.stdout  # one server, not two
    status = run_csas(["db", "status"], env)
    assert status.returncode == 0 and status.stdout.startswith("running") and str(tmp_path) in status.stdout
    write = run_csas(["db", "query", "CREATE (:Durable {v: 7})", "--write"], env)
    assert write.returncode == 0, write.stderr
    assert run_csas(["db", "stop"], env).stdout.strip() == "stopped"
    stopped = run_csas(["db", "status"], env)
    assert stopped.returncode == 1 and stopped.stdout.startswith("stopped")
    assert not _pid_alive(int(pid.group(1)))
    # any command restarts the embedded default on the same data directory
    read = run_csas(["db", "query", "MATCH (d:Durable) RETURN d.v AS v"], env)
    assert read.returncode == 0 and '"v": 7' in read.stdout, read.stderr
    server = LocalServer(Settings(home=Path(env["CSAS_HOME"])))
    assert server.stop()
    assert not server.status().running


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and " Z " not in Path(f"/proc/{pid}/stat").read_text()
