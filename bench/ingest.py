"""Benchmark: end-to-end import (parse, cleanse, load with provenance) beside Neo4j's own LOAD CSV.

Run ``python -m bench.ingest [--rows 1000000]``. It

1. generates a synthetic case with ``csas_graph.synth`` (every layout; not timed, reused from
   ``--data`` when present);
2. starts a private local Neo4j in a temporary ``CSAS_HOME`` (so the figures are not mixed with
   anyone's data), and imports every file in truth's ``import_order`` through
   :func:`csas_graph.importer.import_file`, timing the whole run;
3. as the peer, exports every CALLED and SEEN_AT edge that import wrote, with every property
   (not timed), to one CSV and loads it with ``LOAD CSV … CALL { … } IN TRANSACTIONS`` into
   another case of the same server: MERGE the numbers and cells, CREATE each edge with the same
   property map. The peer is handed events already cleaned, resolved and de-duplicated, so it
   does no parsing, no duplicate checks, no cell resolution, no evidence copy and no pairing
   edges; the ratio compares times for the same edges;
4. prints rows/s, events/s, the ratio to the peer, and the peak RSS of this Python process and
   of the Neo4j JVM (sampled every 0.2 s with psutil).

It is a benchmark, not a test: figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from csas_graph.importer import CALL_FIELDS, SIGHTING_FIELDS

#: LOAD CSV reads an empty field as null, and a null property is not stored, as in the importer
PEER_QUERY = """
LOAD CSV WITH HEADERS FROM $url AS r
CALL (r) {
  MERGE (a:Number {case_id: $case_id, key: r.from_key})
  ON CREATE SET a.src_sha256 = r.src_sha256
  WITH r, a
  CALL (r, a) {
    WITH r, a WHERE r.rel = 'CALLED'
    MERGE (b:Number {case_id: $case_id, key: r.to_key})
    ON CREATE SET b.src_sha256 = r.src_sha256
    CREATE (a)-[:CALLED {
      case_id: $case_id, event_id: r.event_id, type: r.type, start: datetime({epochMillis: toInteger(r.start)}),
      end: CASE WHEN r.end IS NULL THEN null ELSE datetime({epochMillis: toInteger(r.end)}) END,
      duration_s: toFloat(r.duration_s), direction: r.direction, target: r.target,
      first_cell: r.first_cell, last_cell: r.last_cell, imei: r.imei, imsi: r.imsi,
      start_raw: r.start_raw, tz_source: r.tz_source, time_basis: r.time_basis,
      charging_id: r.charging_id, flags: split(r.flags, '|'),
      sources: split(r.sources, '|'), src_sha256: r.src_sha256, src_row: toInteger(r.src_row)
    }]->(b)
  }
  CALL (r, a) {
    WITH r, a WHERE r.rel = 'SEEN_AT'
    MERGE (c:Cell {case_id: $case_id, key: r.to_key})
    ON CREATE SET c.src_sha256 = r.src_sha256
    CREATE (a)-[:SEEN_AT {
      case_id: $case_id, event_id: r.event_id, role: r.role, party: r.party,
      t: datetime({epochMillis: toInteger(r.t)}),
      end: CASE WHEN r.end IS NULL THEN null ELSE datetime({epochMillis: toInteger(r.end)}) END,
      duration_s: toFloat(r.duration_s), type: r.type, imei: r.imei, time_basis: r.time_basis,
      flags: split(r.flags, '|'),
      sources: split(r.sources, '|'), src_sha256: r.src_sha256, src_row: toInteger(r.src_row)
    }]->(c)
  }
} IN TRANSACTIONS OF $batch ROWS
"""
#: every property the importer writes on a CALLED or SEEN_AT edge (times as epoch millis), taken
#: from the importer's own row layouts so the peer cannot fall out of step with what it writes
PEER_PROPS = list(dict.fromkeys(["event_id", "role", "party", *CALL_FIELDS, *SIGHTING_FIELDS]))
PEER_COLUMNS = ["rel", "from_key", "to_key", *PEER_PROPS]
EXPORT_QUERY = """
MATCH (a)-[r:CALLED|SEEN_AT]->(b) WHERE r.case_id = $case_id
RETURN type(r) AS rel, a.key AS from_key, b.key AS to_key, properties(r) AS props
"""


@dataclass
class PeakRss:
    """Peak resident set size of processes, sampled in a background thread, and the CPU they used."""

    pids: dict[str, int]
    interval_s: float = 0.2
    peaks: dict[str, int] = field(default_factory=dict)
    #: CPU seconds (user + system) each process used while running
    cpu_s: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _sample(self) -> None:
        procs = {name: psutil.Process(pid) for name, pid in self.pids.items()}
        while not self._stop.is_set():
            for name, proc in procs.items():
                try:
                    rss = proc.memory_info().rss
                except psutil.Error:
                    continue
                self.peaks[name] = max(self.peaks.get(name, 0), rss)
            self._stop.wait(self.interval_s)

    @contextmanager
    def running(self) -> Iterator[PeakRss]:
        def cpu() -> dict[str, float]:
            times = {name: psutil.Process(pid).cpu_times() for name, pid in self.pids.items()}
            return {name: t.user + t.system for name, t in times.items()}

        thread = threading.Thread(target=self._sample, daemon=True)
        before = cpu()
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()
            after = cpu()
            self.cpu_s = {name: after[name] - before[name] for name in before}

    def mb(self, name: str) -> float:
        return self.peaks.get(name, 0) / 2**20


def property_count(store: Any, case_id: str) -> int:
    """How many properties the case's CALLED and SEEN_AT edges store (the peer must match)."""
    query = "MATCH ()-[r:CALLED|SEEN_AT]->() WHERE r.case_id = $case_id RETURN sum(size(keys(r))) AS n"
    with store.driver.session(database=store.database) as session:
        return int(session.run(query, {"case_id": case_id}).single()["n"])


def importer_counts(store: Any, case_id: str) -> dict[str, int]:
    from csas_graph import importer

    return importer.event_counts(store, case_id)


def generate_data(data_dir: Path, rows: int, seed: int) -> dict[str, Any]:
    """The synthetic case in ``data_dir``, generated unless a matching one is already there."""
    from csas_graph.synth.generate import generate

    marker = data_dir / "bench.json"
    if marker.exists() and json.loads(marker.read_text()) == {"rows": rows, "seed": seed}:
        return dict(json.loads((data_dir / "truth.json").read_text()))
    shutil.rmtree(data_dir, ignore_errors=True)
    started = time.monotonic()
    truth = generate(data_dir, seed=seed, rows=rows)
    print(f"generated {rows:,} rows in {time.monotonic() - started:.0f} s into {data_dir}")
    marker.write_text(json.dumps({"rows": rows, "seed": seed}))
    return truth


def run_import(store: Any, settings: Any, case_id: str, data_dir: Path, truth: dict[str, Any]) -> dict[str, Any]:
    from csas_graph import importer
    from csas_graph.synth.generate import PLAIN_TEMPLATE_FILE

    cdr_rows = events = 0
    started = time.monotonic()
    for name in truth["import_order"]:
        template_file = data_dir / PLAIN_TEMPLATE_FILE if name.startswith("f_") else None
        t0 = time.monotonic()
        outcome = importer.import_file(store, case_id, data_dir / name, template_file=template_file, settings=settings)
        report = outcome.report
        if report.get("kind") == "cdr":
            cdr_rows += int(report["rows_read"])
            events += int(report["loaded"])
        took = time.monotonic() - t0
        if took > 5:
            print(f"  {name}: {report['rows_read']:,} rows in {took:.1f} s ({report['rows_read'] / took:,.0f} rows/s)")
    elapsed = time.monotonic() - started
    return {"seconds": elapsed, "cdr_rows": cdr_rows, "events": events, "counts": importer.event_counts(store, case_id)}


def write_peer_csv(store: Any, case_id: str, path: Path) -> int:
    """Every CALLED and SEEN_AT edge the import wrote, with every property, as one CSV for LOAD CSV.

    Exported from the imported case itself, so the peer writes exactly the same relationships and
    properties (times as epoch millis, lists joined by ``|``), already cleaned, resolved and
    de-duplicated. Returns the number of relationships.
    """
    from datetime import datetime

    def cell(value: Any) -> Any:
        if value is None:
            return ""
        if hasattr(value, "to_native"):
            value = value.to_native()
        if isinstance(value, datetime):
            return round(value.timestamp() * 1000)
        if isinstance(value, list):
            return "|".join(str(v) for v in value)
        return value

    n = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(PEER_COLUMNS)
        with store.driver.session(database=store.database) as session:
            for record in session.run(EXPORT_QUERY, {"case_id": case_id}):
                props = record["props"]
                writer.writerow(
                    [record["rel"], record["from_key"], record["to_key"], *(cell(props.get(k)) for k in PEER_PROPS)]
                )
                n += 1
    return n


def run_peer(store: Any, case_id: str, csv_path: Path, import_dir: Path, batch: int) -> float:
    """Seconds for LOAD CSV of the cleaned events (absolute file URL, else relative to the import dir)."""
    from neo4j.exceptions import ClientError

    urls = [csv_path.as_uri()]
    try:
        urls.append("file:///" + str(csv_path.relative_to(import_dir)))
    except ValueError:
        pass
    last: Exception | None = None
    for url in urls:
        started = time.monotonic()
        try:
            with store.driver.session(database=store.database) as session:
                session.run(PEER_QUERY, {"url": url, "case_id": case_id, "batch": batch}).consume()
            return time.monotonic() - started
        except ClientError as err:  # the server's import directory rules
            last = err
    raise RuntimeError(f"LOAD CSV refused every URL {urls}: {last}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="CDR rows to generate (default 1M)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--data", type=Path, default=None, help="where the generated files live (reused)")
    parser.add_argument("--home", type=Path, default=None, help="CSAS_HOME of the private Neo4j (default: temp)")
    parser.add_argument("--no-peer", action="store_true", help="skip the LOAD CSV peer")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--pagecache-mb", type=int, default=2048, help="Neo4j page cache (the store outgrows 512 MB)")
    parser.add_argument("--heap-mb", type=int, default=None, help="Neo4j heap (default: the settings' 1 GB)")
    parser.add_argument("--peer-batch", type=int, default=20_000, help="LOAD CSV rows per transaction")
    parser.add_argument("--chunk-rows", type=int, default=None)
    args = parser.parse_args(argv)

    import logging

    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    from csas_graph.graph_store import GraphStore
    from csas_graph.local_server import LocalServer
    from csas_graph.migrations import migrate
    from csas_graph.settings import Settings

    data_dir = args.data or Path(tempfile.gettempdir()) / f"csas-bench-ingest-{args.rows}-{args.seed}"
    truth = generate_data(data_dir, args.rows, args.seed)
    home = args.home or Path(tempfile.mkdtemp(prefix="csas-bench-home-"))
    overrides: dict[str, Any] = {
        "home": home,
        "neo4j_uri": None,
        "neo4j_pagecache_mb": args.pagecache_mb,
        # counting a 3M-row case's edges at the end takes longer than an interactive query may
        "neo4j_query_timeout_s": 3600,
    }
    if args.heap_mb:
        overrides["neo4j_heap_mb"] = args.heap_mb
    if args.batch_size:
        overrides["ingest_batch_size"] = args.batch_size
    if args.chunk_rows:
        overrides["ingest_chunk_rows"] = args.chunk_rows
    settings = Settings(**overrides)
    server = LocalServer(settings)
    status = server.start()
    assert status.pid is not None
    store = GraphStore.connect(settings)
    try:
        migrate(store)
        peaks = PeakRss({"python": os.getpid(), "jvm": status.pid})
        with peaks.running():
            ours = run_import(store, settings, "BENCH-IMPORT", data_dir, truth)
        rows_per_s = ours["cdr_rows"] / ours["seconds"]
        events_per_s = ours["events"] / ours["seconds"]
        print(
            f"csas import : {ours['cdr_rows']:,} CDR rows ({ours['events']:,} events) in {ours['seconds']:.1f} s"
            f" = {rows_per_s:,.0f} rows/s, {events_per_s:,.0f} events/s;"
            f" peak RSS python {peaks.mb('python'):,.0f} MB, JVM {peaks.mb('jvm'):,.0f} MB;"
            f" CPU python {peaks.cpu_s['python']:,.0f} s, JVM {peaks.cpu_s['jvm']:,.0f} s"
        )
        print(f"  graph: {ours['counts']}")
        if not args.no_peer:
            import_dir = settings.home / "neo4j"
            csv_path = import_dir / "bench-peer-events.csv"
            peer_rels = write_peer_csv(store, "BENCH-IMPORT", csv_path)
            with PeakRss({"jvm": status.pid}).running() as peer_peaks:
                seconds = run_peer(store, "BENCH-PEER", csv_path, import_dir, args.peer_batch)
            ours_rels = ours["counts"]["called"] + ours["counts"]["seen_at"]
            print(
                f"LOAD CSV    : the same {peer_rels:,} CALLED/SEEN_AT edges (every property) in {seconds:.1f} s"
                f" = {peer_rels / seconds:,.0f} edges/s (csas: {ours_rels / ours['seconds']:,.0f} edges/s);"
                f" peak RSS JVM {peer_peaks.mb('jvm'):,.0f} MB, CPU JVM {peer_peaks.cpu_s['jvm']:,.0f} s"
            )
            print(f"  peer graph: {importer_counts(store, 'BENCH-PEER')}")
            print(
                "  stored edge properties, csas vs peer:"
                f" {property_count(store, 'BENCH-IMPORT'):,} vs {property_count(store, 'BENCH-PEER'):,}"
            )
            print(f"ratio (LOAD CSV time ÷ csas import time, same edges): {seconds / ours['seconds']:.2f}×")
            csv_path.unlink(missing_ok=True)
        print(f"load average: {os.getloadavg()}")
    finally:
        store.close()
        if args.home is None:
            server.stop()
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
