"""The audit trail: hash chain, concurrency, tamper detection through ``csas audit verify``."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from csas_graph import audit
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings

CSAS = [sys.executable, "-m", "csas_graph"]


def run_csas(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CSAS, *args], env=env, capture_output=True, text=True, timeout=240, check=False)


def write(store: GraphStore, case_id: str | None, action: str = "test.read", **params: Any) -> dict[str, Any]:
    return audit.record_audit(
        store,
        user="alice",
        action=action,
        case_id=case_id,
        params=params,
        result_count=3,
        result_hash="ab" * 32,
        client="127.0.0.1",
    )


def stored(store: GraphStore, seq: int) -> dict[str, Any]:
    rows = store.run_statement("MATCH (a:AuditRecord {seq: $s}) RETURN a {.*} AS r", {"s": seq}, write=False)
    return rows[0]["r"]


def restore(store: GraphStore, record: dict[str, Any]) -> None:
    store.run_statement("MATCH (a:AuditRecord {seq: $s}) SET a = $r", {"s": record["seq"], "r": record}, write=True)


def test_records_chain_and_verify(store: GraphStore, case_id: str) -> None:
    first = write(store, case_id, q="+44")
    second = write(store, case_id, q="+44", limit=5)
    assert second["seq"] == first["seq"] + 1 and second["prev_hash"] == first["hash"]
    assert json.loads(second["params"]) == {"limit": 5, "q": "+44"}
    assert second["hash"] == audit.record_hash(stored(store, second["seq"]))
    result = audit.verify_chain(store)
    assert result.ok and result.checked >= 2 and result.head_seq >= second["seq"]


def append_concurrently(append: Callable[[int, int], dict[str, Any]], threads: int, each: int) -> list[int]:
    """``append(n, i)`` from ``threads`` threads, ``each`` times each; the ``seq`` of every record."""
    seqs: list[int] = []
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(each):
                seqs.append(append(n, i)["seq"])
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    started = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in started:
        t.start()
    for t in started:
        t.join(timeout=120)
    assert not errors
    return seqs


def test_concurrent_writers_cannot_fork_the_chain(store: GraphStore, case_id: str) -> None:
    seqs = append_concurrently(lambda n, i: write(store, case_id, worker=n, i=i), threads=12, each=8)
    assert len(seqs) == 96 and len(set(seqs)) == 96
    assert audit.verify_chain(store).ok


def test_writers_in_separate_processes_share_one_chain(store: GraphStore, settings: Settings, case_id: str) -> None:
    """Two stores (two group writers, as two ``csas serve`` workers would have) append concurrently:
    each keeps finding the head moved by the other, re-reads it under the lock and re-chains."""
    other = GraphStore.connect(settings)
    try:
        seqs = append_concurrently(
            lambda n, i: write(store if n % 2 else other, case_id, worker=n, i=i), threads=10, each=6
        )
    finally:
        other.close()
    assert len(seqs) == 60 and len(set(seqs)) == 60
    assert audit.verify_chain(store).ok


def test_concurrent_callers_are_group_committed(
    store: GraphStore, case_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Callers in a closed loop share transactions (a caller never queues just to find its record written)."""
    stages: list[int] = []
    original = audit._GroupWriter._stage

    def counting(self: Any, entries: list[dict[str, Any]]) -> Any:
        stages.append(len(entries))
        return original(self, entries)

    monkeypatch.setattr(audit._GroupWriter, "_stage", counting)
    threads = [
        threading.Thread(target=lambda n=n: [write(store, case_id, n=n, i=i) for i in range(10)]) for n in range(16)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sum(stages) == 160
    assert len(stages) <= 80, f"{len(stages)} transactions for 160 records: callers are not being batched"
    assert audit.verify_chain(store).ok


def test_export_per_case_and_user(store: GraphStore, case_id: str) -> None:
    write(store, case_id, q="x")
    audit.record_audit(
        store, user="bob", action="t", case_id=case_id, params={}, result_count=None, result_hash=None, client=None
    )
    mine = list(audit.select_records(store, case_ids=[case_id]))
    assert {r["user"] for r in mine} == {"alice", "bob"} and all(r["case_id"] == case_id for r in mine)
    bobs = list(audit.select_records(store, case_ids=[case_id], user="bob"))
    assert len(bobs) == 1
    lines = "".join(audit.export_records(mine, "jsonl")).splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [r["seq"] for r in mine]
    csv_text = "".join(audit.export_records(bobs, "csv"))
    assert csv_text.splitlines()[0].split(",") == list(audit.FIELDS)
    assert "bob" in csv_text.splitlines()[1]


def write_in_database(store: GraphStore, case_id: str | None, **params: Any) -> dict[str, Any]:
    """One record through :class:`audit.InDatabaseWriter`: linked by Neo4j, as the API's workers do."""
    entry = {"user": "carol", "action": "test.search", "case_id": case_id, "params": json.dumps(params),
             "result_count": 1, "result_hash": "cd" * 32, "client": "::1", "request_id": None}  # fmt: skip
    return audit.InDatabaseWriter(store).submit(entry)


def test_the_local_server_links_records_in_the_database(store: GraphStore, case_id: str) -> None:
    assert audit.links_in_database(store)
    before = write(store, case_id, q="group")
    linked = write_in_database(store, case_id, q="database")
    after = write(store, case_id, q="group again")
    assert [before["seq"] + 1, before["seq"] + 2] == [linked["seq"], after["seq"]]
    assert linked["prev_hash"] == before["hash"] and after["prev_hash"] == linked["hash"]
    assert linked["hash_scheme"] == audit.HASH_SCHEME
    # Neo4j's apoc.util.sha256 and Python agree on the link
    assert linked["hash"] == audit.link_hash(before["hash"], linked["seq"], audit.body_hash(linked))
    assert audit.verify_chain(store).ok


def test_in_database_and_group_writers_in_many_threads_cannot_fork_the_chain(
    store: GraphStore, settings: Settings, case_id: str
) -> None:
    """API workers (in-database links) and CLI commands (linked in Python) append at once."""
    other = GraphStore.connect(settings)

    def append(n: int, i: int) -> dict[str, Any]:
        target = store if n % 3 else other
        return write_in_database(target, case_id, n=n, i=i) if n % 2 else write(target, case_id, n=n, i=i)

    try:
        seqs = append_concurrently(append, threads=12, each=6)
    finally:
        other.close()
    assert len(seqs) == 72 and len(set(seqs)) == 72
    assert audit.verify_chain(store).ok


def test_records_of_the_first_hash_scheme_still_verify(store: GraphStore, case_id: str) -> None:
    """A chain written before ``hash_scheme`` (each hash over every field's canonical JSON) still
    verifies, an alteration of such a record is still found, and new records chain after it."""
    entry = {"user": "dave", "action": "old.read", "case_id": case_id, "params": "{}", "result_count": 2,
             "result_hash": "ef" * 32, "client": "127.0.0.1", "request_id": None}  # fmt: skip
    with store.transaction() as tx:
        seq, prev = audit._locked_head(tx)
        old = []
        for i in range(2):
            record = {**entry, "at": f"2025-01-0{i + 1}T00:00:00.000000Z", "seq": seq + 1 + i, "prev_hash": prev}
            record["hash"] = prev = audit.record_hash(record)  # no hash_scheme: the first scheme
            old.append(record)
        assert audit._append(tx, old, seq, old[0]["prev_hash"])
    newer = write_in_database(store, case_id, q="after the old ones")
    assert newer["prev_hash"] == old[-1]["hash"]
    assert audit.verify_chain(store).ok
    original = stored(store, old[0]["seq"])
    store.run_statement("MATCH (a:AuditRecord {seq: $s}) SET a.user = 'mallory'", {"s": old[0]["seq"]}, write=True)
    try:
        result = audit.verify_chain(store)
        assert not result.ok and result.first_bad_seq == old[0]["seq"], result
    finally:
        restore(store, original)
    assert audit.verify_chain(store).ok


@pytest.fixture(params=["group", "in_database"])
def chain(request: pytest.FixtureRequest, store: GraphStore, case_id: str) -> Iterator[list[dict[str, Any]]]:
    append = write if request.param == "group" else write_in_database
    records = [append(store, case_id, i=i) for i in range(3)]
    assert audit.verify_chain(store).ok
    yield records
    assert audit.verify_chain(store).ok, "a tamper test did not restore the chain"


@pytest.mark.parametrize("field", [f for f in audit.FIELDS if f != "seq"])
def test_altering_any_field_is_detected(store: GraphStore, chain: list[dict[str, Any]], field: str) -> None:
    target = chain[1]
    original = stored(store, target["seq"])
    value = original.get(field)
    forged = 999 if isinstance(value, int) or value is None else str(value) + "x"
    store.run_statement(
        f"MATCH (a:AuditRecord {{seq: $s}}) SET a.{field} = $v", {"s": target["seq"], "v": forged}, write=True
    )
    try:
        result = audit.verify_chain(store)
        assert not result.ok and result.first_bad_seq == target["seq"], result
    finally:
        restore(store, original)


def test_renumbering_a_record_is_detected(store: GraphStore, chain: list[dict[str, Any]]) -> None:
    target = chain[2]
    store.run_statement("MATCH (a:AuditRecord {seq: $s}) SET a.seq = $s + 1000000", {"s": target["seq"]}, write=True)
    try:
        result = audit.verify_chain(store)
        assert not result.ok and result.first_bad_seq == target["seq"], result
    finally:
        store.run_statement(
            "MATCH (a:AuditRecord {seq: $s}) SET a.seq = $o",
            {"s": target["seq"] + 1000000, "o": target["seq"]},
            write=True,
        )


@pytest.mark.slow
def test_cli_verify_names_altered_deleted_and_inserted_records(
    store: GraphStore, chain: list[dict[str, Any]], cli_env: dict[str, str]
) -> None:
    ok = run_csas(["audit", "verify"], cli_env)
    assert ok.returncode == 0, ok.stderr
    assert "audit chain ok" in ok.stdout

    # altered: a field of a stored record changes
    altered = stored(store, chain[0]["seq"])
    store.run_statement("MATCH (a:AuditRecord {seq: $s}) SET a.user = 'mallory'", {"s": altered["seq"]}, write=True)
    try:
        bad = run_csas(["audit", "verify"], cli_env)
        assert bad.returncode == 9 and f"seq {altered['seq']}" in bad.stderr and "altered" in bad.stderr
    finally:
        restore(store, altered)

    # deleted: a record in the middle disappears
    deleted = stored(store, chain[1]["seq"])
    store.run_statement("MATCH (a:AuditRecord {seq: $s}) DELETE a", {"s": deleted["seq"]}, write=True)
    try:
        bad = run_csas(["audit", "verify", "--json"], cli_env)
        assert bad.returncode == 9
        assert json.loads(bad.stdout)["first_bad_seq"] == deleted["seq"]
    finally:
        store.run_statement("CREATE (a:AuditRecord) SET a = $r", {"r": deleted}, write=True)

    # inserted: a forged record is appended after the head, correctly hashed against the last one
    head = audit.verify_chain(store)
    forged = {
        "seq": head.head_seq + 1,
        "at": "2026-01-01T00:00:00.000000Z",
        "user": "mallory",
        "action": "x",
        "params": "{}",
        "prev_hash": head.head_hash,
    }
    forged["hash"] = audit.record_hash(forged)
    store.run_statement("CREATE (a:AuditRecord) SET a = $r", {"r": forged}, write=True)
    try:
        bad = run_csas(["audit", "verify"], cli_env)
        assert bad.returncode == 9 and f"seq {forged['seq']}" in bad.stderr
    finally:
        store.run_statement("MATCH (a:AuditRecord {seq: $s}) DELETE a", {"s": forged["seq"]}, write=True)


def test_audit_has_no_off_switch() -> None:
    from csas_graph.settings import Settings

    assert not [name for name in Settings.model_fields if "audit" in name]
