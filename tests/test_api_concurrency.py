"""20 simultaneous clients run analyses over loopback HTTP while an import runs.

The server is real uvicorn on a free 127.0.0.1 port in a thread. Bounded: 20 clients x 6 requests,
each request with a timeout, the whole test under a deadline. Every answer must equal the answer
computed before the load (same result hash), the import must finish with every row accounted
for, and the audit chain must verify with one record per request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import test_api_support as support
from test_api_support import RED_NUMBERS, World, plain_csv

from api.main import create_app
from csas_graph import audit
from csas_graph.analyses.registry import run_analysis
from csas_graph.cases import create_case
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings

world, audit_writer = support.world, support.audit_writer  # module-scoped fixtures
CLIENTS, REQUESTS_EACH, DEADLINE_S = 20, 6, 300
MIX: list[tuple[str, dict[str, Any]]] = [
    ("top-contacts", {"number": RED_NUMBERS[0]}),
    ("contacts", {"numbers": [RED_NUMBERS[1]], "hops": 2}),
    ("common-contacts", {"numbers": RED_NUMBERS[:3], "min_targets": 2}),
]


@pytest.fixture(scope="module")
def server(store: GraphStore, settings: Settings) -> Iterator[str]:
    """uvicorn serving the app on loopback in a background thread, audited as deployed (in Neo4j)."""
    with support.serve_on_loopback(create_app(settings, store)) as base:
        yield base


@pytest.mark.slow
def test_twenty_clients_run_analyses_while_an_import_runs(server: str, world: World, store: GraphStore) -> None:
    expected = {name: run_analysis(store, world.red_case, name, params).hash for name, params in MIX}
    import_case = f"LOAD-{world.suffix}"
    create_case(store, import_case, team=world.red, created_by="test")
    audit_before = audit.verify_chain(store).head_seq
    headers = world.auth("analyst")
    rows = 3000
    with httpx.Client(base_url=server, headers=headers, timeout=60) as c:
        r = c.post(f"/cases/{import_case}/imports", files={"file": ("load.csv", plain_csv(rows), "text/csv")},
                   data={"template": "plain_csv"})  # fmt: skip
        assert r.status_code == 202, r.text
        import_id = r.json()["import_id"]

    results: list[tuple[str, int, str | None]] = []
    errors: list[str] = []
    import_running_seen = threading.Event()

    def client(n: int) -> None:
        with httpx.Client(base_url=server, headers=headers, timeout=60) as c:
            for i in range(REQUESTS_EACH):
                name, params = MIX[(n + i) % len(MIX)]
                try:
                    resp = c.post(f"/cases/{world.red_case}/analyses/{name}", json=params)
                    body = resp.json()
                    results.append((name, resp.status_code, body.get("result_hash")))
                    state = c.get(f"/cases/{import_case}/imports/{import_id}").json().get("state")
                    if state in ("queued", "running"):
                        import_running_seen.set()
                except Exception as err:  # noqa: BLE001 - collected and reported below
                    errors.append(f"client {n} request {i}: {type(err).__name__}: {err}")

    start = time.monotonic()
    crashed = support.run_in_threads(client, CLIENTS, timeout=DEADLINE_S)
    elapsed = time.monotonic() - start

    assert not errors and not crashed, (errors + [repr(e) for e in crashed])[:5]
    assert len(results) == CLIENTS * REQUESTS_EACH
    wrong = [(name, status, h) for name, status, h in results if status != 200 or h != expected[name]]
    assert not wrong, wrong[:5]
    assert import_running_seen.is_set(), "the import finished before the clients started: no overlap tested"

    with httpx.Client(base_url=server, headers=headers, timeout=60) as c:
        deadline = time.monotonic() + DEADLINE_S
        while (job := c.get(f"/cases/{import_case}/imports/{import_id}").json())["state"] not in ("done", "failed"):
            assert time.monotonic() < deadline, "the import did not finish"
            time.sleep(0.25)
    assert job["state"] == "done", job
    assert job["rows_done"] == rows
    chain = audit.verify_chain(store)
    assert chain.ok, chain
    runs = [
        r
        for r in audit.select_records(store, case_ids=[world.red_case], after=audit_before)
        if r["action"] == "analysis.run"
    ]
    assert len(runs) == CLIENTS * REQUESTS_EACH
    print(f"\n{len(results)} analyses by {CLIENTS} clients in {elapsed:.1f} s during an import of {rows} rows")
