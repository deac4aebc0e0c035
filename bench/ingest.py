"""Benchmark: end-to-end import (parse, cleanse, load with provenance) beside Neo4j's own LOAD CSV.

Run ``python -m bench.ingest [--rows 1000000]``. It

1. generates a synthetic case with ``csas_graph.synth`` (every layout; not timed, reused from
   ``--data`` when present);
2. starts a private local Neo4j in a temporary ``CSAS_HOME`` (so the figures are not mixed with
   anyone's data), and imports every file in truth's ``import_order`` through
   :func:`csas_graph.importer.import_file`, timing the whole run;
3. as the peer, writes the same events, already cleaned by ``ingest.read`` (not timed), to one
   CSV and loads it with ``LOAD CSV … CALL { … } IN TRANSACTIONS`` (MERGE numbers and cells,
   CREATE the CALLED event and its first/last SEEN_AT sightings, as the importer does) into
   another case. The peer is handed de-duplicated events, so it does no duplicate checks, no
   cell resolution, no evidence copy and no pairing edges;
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

PEER_QUERY = """
LOAD CSV WITH HEADERS FROM $url AS r
CALL (r) {
  MERGE (a:Number {case_id: $case_id, key: r.party})
  WITH r, a
  CALL (r, a) {
    WITH r, a WHERE r.b_key <> '' AND r.type <> 'data'
    MERGE (o:Number {case_id: $case_id, key: r.a_key})
    MERGE (t:Number {case_id: $case_id, key: r.b_key})
    CREATE (o)-[:CALLED {case_id: $case_id, event_id: r.event_id, type: r.type, start: datetime(r.start),
                         duration_s: toInteger(r.duration_s), direction: r.direction,
                         sources: [r.source], src_sha256: r.sha256, src_row: toInteger(r.row)}]->(t)
  }
  CALL (r, a) {
    WITH r, a WHERE r.first_cell <> ''
    MERGE (c:Cell {case_id: $case_id, key: r.first_cell})
    CREATE (a)-[:SEEN_AT {case_id: $case_id, event_id: r.event_id, role: 'first', party: r.party,
                          t: datetime(r.start), type: r.type, sources: [r.source], src_sha256: r.sha256,
                          src_row: toInteger(r.row)}]->(c)
  }
  CALL (r, a) {
    WITH r, a WHERE r.last_cell <> '' AND NOT (r.last_cell = r.first_cell AND r.end = r.start)
    MERGE (c:Cell {case_id: $case_id, key: r.last_cell})
    CREATE (a)-[:SEEN_AT {case_id: $case_id, event_id: r.event_id, role: 'last', party: r.party,
                          t: datetime(r.end), type: r.type, sources: [r.source], src_sha256: r.sha256,
                          src_row: toInteger(r.row)}]->(c)
  }
} IN TRANSACTIONS OF 10000 ROWS
"""
PEER_COLUMNS = [
    "event_id",
    "type",
    "a_key",
    "b_key",
    "party",
    "start",
    "duration_s",
    "direction",
    "first_cell",
    "last_cell",
    "end",
    "source",
    "sha256",
    "row",
]


@dataclass
class PeakRss:
    """Peak resident set size of processes, sampled in a background thread."""

    pids: dict[str, int]
    interval_s: float = 0.2
    peaks: dict[str, int] = field(default_factory=dict)
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
        thread = threading.Thread(target=self._sample, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()

    def mb(self, name: str) -> float:
        return self.peaks.get(name, 0) / 2**20


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


def write_peer_csv(path: Path, data_dir: Path, truth: dict[str, Any]) -> int:
    """The CDR events, cleaned by the reader (loaded rows only), as one CSV for LOAD CSV."""
    import ingest
    from csas_graph.importer import cdr_party, frame_records
    from csas_graph.synth.generate import PLAIN_TEMPLATE_FILE

    n = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(PEER_COLUMNS)
        seen: set[str] = set()
        for name in truth["import_order"]:
            if truth["files"][name]["kind"] != "cdr":
                continue
            template_file = data_dir / PLAIN_TEMPLATE_FILE if name.startswith("f_") else None
            stream = ingest.read_chunks(data_dir / name, template_file=template_file)
            for chunk in stream:
                frame = chunk.frame[chunk.frame["outcome"] == "loaded"]
                for rec in frame_records(frame):
                    if rec["event_id"] in seen:
                        continue  # the peer is handed the events already de-duplicated
                    seen.add(rec["event_id"])
                    start = rec.get("start_utc")
                    end = rec.get("end_utc") or start
                    writer.writerow(
                        [
                            rec["event_id"],
                            rec.get("event_type") or "other",
                            rec.get("a_key") or "",
                            rec.get("b_key") or "",
                            cdr_party(rec) or "",
                            start.isoformat() if start is not None else "",
                            rec.get("duration_s") if rec.get("duration_s") is not None else "",
                            rec.get("direction") or "",
                            rec.get("first_cgi") or "",
                            rec.get("last_cgi") or "",
                            end.isoformat() if end is not None else "",
                            f"{stream.sha256}:{rec['row']}",
                            stream.sha256,
                            rec["row"],
                        ]
                    )
                    n += 1
    return n


def run_peer(store: Any, case_id: str, csv_path: Path, import_dir: Path) -> float:
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
                session.run(PEER_QUERY, {"url": url, "case_id": case_id}).consume()
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
    overrides: dict[str, Any] = {"home": home, "neo4j_uri": None}
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
            f" peak RSS python {peaks.mb('python'):,.0f} MB, JVM {peaks.mb('jvm'):,.0f} MB"
        )
        print(f"  graph: {ours['counts']}")
        if not args.no_peer:
            import_dir = settings.home / "neo4j"
            csv_path = import_dir / "bench-peer-events.csv"
            peer_events = write_peer_csv(csv_path, data_dir, truth)
            seconds = run_peer(store, "BENCH-PEER", csv_path, import_dir)
            peer_rate = peer_events / seconds
            print(f"LOAD CSV    : {peer_events:,} cleaned events in {seconds:.1f} s = {peer_rate:,.0f} events/s")
            print(f"ratio (csas events/s ÷ LOAD CSV events/s): {events_per_s / peer_rate:.2f}×")
            print(f"ratio (csas input rows/s ÷ LOAD CSV events/s): {rows_per_s / peer_rate:.2f}×")
            csv_path.unlink(missing_ok=True)
    finally:
        store.close()
        if args.home is None:
            server.stop()
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
