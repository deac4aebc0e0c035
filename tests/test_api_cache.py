"""The analysis result cache: reused only for unchanged data, always audited, never for a disposed case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import test_api_support as support
from fastapi.testclient import TestClient
from test_api_support import World, plain_csv, wait_for_import

from csas_graph import audit
from csas_graph.graph_store import GraphStore
from csas_graph.result_cache import CachedResult, ResultCache, make_key, state_key
from csas_graph.retention import dispose_case
from csas_graph.settings import Settings

world, client, audit_writer = support.world, support.client, support.audit_writer  # module-scoped fixtures
NUMBER = "+447700900003"


def upload(client: TestClient, case_id: str, headers: dict[str, str], content: bytes, name: str) -> None:
    r = client.post(f"/cases/{case_id}/imports", headers=headers, files={"file": (name, content, "text/csv")},
                    data={"template": "plain_csv"})  # fmt: skip
    assert r.status_code == 202, r.text
    assert wait_for_import(client, case_id, r.json()["import_id"], headers)["state"] == "done"


def new_case(client: TestClient, world: World, name: str) -> str:
    case = f"{name}-{world.suffix}"
    r = client.post("/cases", json={"case_id": case, "team": world.red}, headers=world.auth("team-lead"))
    assert r.status_code == 201, r.text
    return case


def top_contacts(client: TestClient, world: World, case: str) -> Any:
    return client.post(f"/cases/{case}/analyses/top-contacts", json={"number": NUMBER}, headers=world.auth("analyst"))


def cache_outcomes(client: TestClient, world: World) -> dict[str, float]:
    text = client.get("/metrics", headers=world.auth("admin")).text
    found = {"hit": 0.0, "miss": 0.0, "off": 0.0}
    for line in text.splitlines():
        if line.startswith("csas_result_cache_total{"):
            outcome = line.split('outcome="', 1)[1].split('"', 1)[0]
            found[outcome] = float(line.rsplit(" ", 1)[1])
    return found


def analysis_records(store: GraphStore, case: str) -> list[dict[str, Any]]:
    return [r for r in audit.select_records(store, case_ids=[case]) if r["action"] == "analysis.run"]


def test_hit_returns_the_same_answer_and_is_audited(client: TestClient, world: World, store: GraphStore) -> None:
    case = new_case(client, world, "CACHE-HIT")
    upload(client, case, world.auth("team-lead"), plain_csv(60), "a.csv")
    before = cache_outcomes(client, world)
    first, second = top_contacts(client, world, case), top_contacts(client, world, case)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and first.json()["row_count"] > 0
    after = cache_outcomes(client, world)
    assert after["miss"] - before["miss"] == 1 and after["hit"] - before["hit"] == 1
    records = analysis_records(store, case)
    assert len(records) == 2  # the hit wrote its own record
    assert {r["result_hash"] for r in records} == {first.json()["result_hash"]}
    assert {r["result_count"] for r in records} == {first.json()["row_count"]}
    assert audit.verify_chain(store).ok


def test_a_new_import_invalidates(client: TestClient, world: World) -> None:
    case = new_case(client, world, "CACHE-IMPORT")
    lead = world.auth("team-lead")
    upload(client, case, lead, plain_csv(30), "a.csv")
    first = top_contacts(client, world, case)
    assert top_contacts(client, world, case).content == first.content  # cached
    upload(client, case, lead, plain_csv(60, offset=30), "b.csv")
    before = cache_outcomes(client, world)
    fresh = top_contacts(client, world, case)
    assert cache_outcomes(client, world)["miss"] - before["miss"] == 1
    assert fresh.json()["result_hash"] != first.json()["result_hash"]


def test_a_disposed_case_is_never_served_from_the_cache(
    client: TestClient, world: World, store: GraphStore, settings: Settings
) -> None:
    lead = world.auth("team-lead")
    cache: ResultCache = client.app.state.result_cache  # type: ignore[attr-defined]
    for how in ("api", "elsewhere"):
        case = new_case(client, world, f"CACHE-GONE-{how.upper()}")
        upload(client, case, lead, plain_csv(30), "a.csv")
        assert top_contacts(client, world, case).status_code == 200
        assert case in cache.case_ids()
        if how == "api":
            r = client.request("DELETE", f"/cases/{case}", json={"reason": "RRD: no further action"}, headers=lead)
            assert r.status_code == 200, r.text
            assert case not in cache.case_ids()
        else:  # another process (the CLI) disposes: this process's cache still holds the entry
            dispose_case(store, settings, case, user="cli", reason="RRD elsewhere")
        assert top_contacts(client, world, case).status_code == 404
        # re-created under the same id with the same file: a new data state, never the old entry
        recreated = new_case(client, world, f"CACHE-GONE-{how.upper()}")
        assert recreated == case
        upload(client, case, lead, plain_csv(30), "a.csv")
        before = cache_outcomes(client, world)
        assert top_contacts(client, world, case).status_code == 200
        assert cache_outcomes(client, world)["miss"] - before["miss"] == 1


def test_state_key_refuses_loading_files_and_missing_cases() -> None:
    done = {"sha256": "a" * 64, "status": "complete", "completed_at": "2026-01-01T00:00:00Z"}
    case = {"case_id": "X", "team": "t", "created_at": "2026-01-01T00:00:00Z"}
    assert state_key(None, []) is None
    assert state_key(case, [done, {"sha256": "b" * 64, "status": "loading"}]) is None
    key = state_key(case, [done])
    assert key is not None and key != state_key(case, [])
    assert key != state_key(case, [{**done, "completed_at": "2026-01-02T00:00:00Z"}])
    assert key != state_key({**case, "timezone": "UTC"}, [done])


def test_cache_is_bounded_least_recently_used_first() -> None:
    cache = ResultCache(max_entries=2, max_bytes=10)

    def entry(size: int) -> CachedResult:
        return CachedResult(b"x" * size, {}, "h", 0)

    keys = [make_key("C", "a", {"n": i}, "s") for i in range(4)]
    cache.put(keys[0], entry(3))
    cache.put(keys[1], entry(3))
    assert cache.get(keys[0]) is not None  # keys[1] is now the least recently used
    cache.put(keys[2], entry(3))
    assert cache.get(keys[1]) is None and cache.get(keys[0]) is not None and len(cache) == 2
    cache.put(keys[3], entry(9))  # over the byte bound with anything else
    assert len(cache) == 1 and cache.get(keys[3]) is not None
    assert cache.forget_case("C") == 1 and len(cache) == 0


def test_workers_share_results_through_the_shared_folder(tmp_path: Path) -> None:
    """What one worker computed is a hit in another, with the same audit text; disposal and the
    bounds reach the shared files too."""
    from datetime import UTC, datetime

    from csas_graph.analyses.base import canonical_json

    first, second = ResultCache(shared_dir=str(tmp_path)), ResultCache(shared_dir=str(tmp_path))
    params = {"number": "+447700900001", "since": datetime(2024, 5, 1, 8, tzinfo=UTC)}
    key = make_key("C", "top-contacts", {"number": "+447700900001"}, "s")
    first.put(key, CachedResult(b'{"rows":[]}', params, "h" * 64, 7))
    found = second.get(key)
    assert found is not None and found.body == b'{"rows":[]}' and found.row_count == 7
    assert canonical_json(found.params) == canonical_json(params)  # the audit record reads the same
    assert second.get(make_key("C", "top-contacts", {"number": "+447700900002"}, "s")) is None
    assert second.get(make_key("C", "top-contacts", {"number": "+447700900001"}, "other state")) is None

    first.put(make_key("D", "timeline", {}, "s"), CachedResult(b"{}", {}, "h", 0))
    first.forget_case("C")
    assert ResultCache(shared_dir=str(tmp_path)).get(key) is None  # no worker can serve it any more
    assert ResultCache(shared_dir=str(tmp_path)).get(make_key("D", "timeline", {}, "s")) is not None

    bounded = ResultCache(max_entries=3, shared_dir=str(tmp_path))
    bounded.shared_bound_every = 1
    for i in range(6):
        bounded.put(make_key("E", "timeline", {"i": i}, "s"), CachedResult(b"{}", {}, "h", 0))
    assert len(list(tmp_path.iterdir())) <= 3


def test_a_load_that_began_changes_the_state_for_good(store: GraphStore, case_id: str) -> None:
    """Even a load rolled back leaves a new state (``loads_begun``): what was cached under the old
    one, perhaps computed while that load ran, is never found again."""
    import cypher
    from csas_graph.cases import create_case
    from csas_graph.result_cache import read_state_key

    create_case(store, case_id)
    before = read_state_key(store, case_id)
    assert before is not None
    store.write(cypher.load("ingest/source_file_begin"), case_id=case_id, sha256="f" * 64, props={})
    assert read_state_key(store, case_id) is None  # loading: nothing cached or served
    store.write(cypher.load("ingest/rollback_source_file"), case_id=case_id, sha256="f" * 64)
    after = read_state_key(store, case_id)
    assert after is not None and after != before


def test_a_result_computed_before_a_disposal_is_not_stored(tmp_path: Path) -> None:
    """An analysis that read the case's state before another worker disposed of the case cannot
    store its result afterwards, here or in the shared folder."""
    import time

    here, other = ResultCache(shared_dir=str(tmp_path)), ResultCache(shared_dir=str(tmp_path))
    key = make_key("C", "top-contacts", {"number": "+447700900001"}, "s")
    read_at = time.time()
    time.sleep(0.01)
    other.forget_case("C")
    here.put(key, CachedResult(b"{}", {}, "h", 0), read_at=read_at)
    assert here.get(key) is None and ResultCache(shared_dir=str(tmp_path)).get(key) is None
    time.sleep(0.01)
    here.put(key, CachedResult(b"{}", {}, "h", 0), read_at=time.time())  # the case re-created since
    assert ResultCache(shared_dir=str(tmp_path)).get(key) is not None
