"""Test fixtures: one real local Neo4j per test run, never a mock.

The server is started once per session in a temporary ``CSAS_HOME`` through the same
:class:`LocalServer` that users run, and stopped at the end. Tests reach it through the routing
driver (``neo4j://``) by default; ``CSAS_TEST_SCHEME=bolt`` switches to a direct connection.
Each test gets its own case id; :func:`wipe_database` refuses to touch any server but this one.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from csas_graph.graph_store import GraphStore
from csas_graph.local_server import LocalServer
from csas_graph.migrations import migrate
from csas_graph.settings import Settings

REPO = Path(__file__).resolve().parent.parent

# Anything that falls back to the default settings during the run gets a throw-away CSAS_HOME,
# never the user's ~/.csas; a local server started there by mistake is stopped at the end.
GUARD_HOME = Path(tempfile.mkdtemp(prefix="csas-test-default-home-"))
os.environ["CSAS_HOME"] = str(GUARD_HOME)
for _name in [n for n in os.environ if n.startswith("NEO4J_")]:
    del os.environ[_name]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    LocalServer(Settings(home=GUARD_HOME)).stop()


@pytest.fixture(scope="session")
def csas_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("csas-home")


@pytest.fixture(scope="session")
def local_server(csas_home: Path) -> Iterator[LocalServer]:
    server = LocalServer(Settings(home=csas_home, neo4j_uri=None))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def settings(local_server: LocalServer, csas_home: Path) -> Settings:
    status = local_server.status()
    assert status.uri is not None
    scheme = os.environ.get("CSAS_TEST_SCHEME", "neo4j")
    uri = status.uri.replace("bolt://", f"{scheme}://")
    return Settings(home=csas_home, neo4j_uri=uri, neo4j_password=local_server.password())


@pytest.fixture(scope="session")
def store(settings: Settings) -> Iterator[GraphStore]:
    s = GraphStore.connect(settings)
    migrate(s)
    s.run_statement("MERGE (m:CsasTestServer {home: $home})", {"home": str(settings.home)}, write=True)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def case_id() -> str:
    """A fresh case id: tests scope their data by it instead of wiping the database."""
    return f"T-{uuid.uuid4().hex[:10]}"


def wipe_database(store: GraphStore, settings: Settings) -> None:
    """Delete everything, but only on the server this test run started."""
    marker = store.run_statement(
        "MATCH (m:CsasTestServer {home: $home}) RETURN count(m) AS n", {"home": str(settings.home)}, write=False
    )
    if not marker or marker[0]["n"] != 1:
        raise RuntimeError(f"refusing to wipe {store.uri}: it is not this test run's server")
    store.run_statement(
        "MATCH (n) WHERE NOT n:CsasTestServer AND NOT n:CsasMigration "
        "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
        {},
        write=True,
    )


@pytest.fixture
def clean_db(store: GraphStore, settings: Settings) -> GraphStore:
    wipe_database(store, settings)
    return store


@pytest.fixture(scope="session")
def cli_env(local_server: LocalServer, csas_home: Path) -> dict[str, str]:
    """Environment for running ``csas`` as a subprocess against the session's local server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "CSAS_"))}
    env["CSAS_HOME"] = str(csas_home)
    return env
