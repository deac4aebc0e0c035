"""Benchmark: reading a big XLSX worksheet, streamed (``ingest.xlsx_stream``) beside calamine.

Run ``python -m bench.xlsx_stream [--rows 1400000] [--xlsx FILE ...] [--no-calamine] [--ingest]``.
Without ``--xlsx`` it writes the ADM "Telephony" workbook ``csas synth --layouts b --rows N`` would
(about 0.19 sheet rows per synth row; not timed). Then, each in a fresh subprocess so peak RSS is
per run:

1. the streaming reader: ``XlsxSource.rows()`` with the threshold at 0 (every row turned into text);
2. the peer: the same through calamine (the whole sheet loaded, then turned into text);
3. with ``--ingest``: ``ingest.read_chunks`` over the workbook as the importer reads it (streamed
   when the sheet is over the threshold), consuming chunks; and, unless ``--no-calamine``, the
   same with calamine forced (threshold raised).

Rows/s by wall clock and CPU time (the machine is shared) and peak RSS. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

_ROWS = """
import json, resource, sys, time
from pathlib import Path
from ingest import source
source.XLSX_STREAM_THRESHOLD = 0 if sys.argv[2] == "stream" else 1 << 60
info = source.scan_file(Path(sys.argv[1]))
t0, c0 = time.perf_counter(), time.process_time()
n = cells = 0
for sheet in source.XlsxSource.sheet_names(info):
    for _line, fields in source.XlsxSource(info, sheet).rows():
        n += 1
        cells += len(fields)
print(json.dumps({"rows": n, "cells": cells, "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_INGEST = """
import json, resource, sys, time
import ingest
from ingest import source
if sys.argv[2] == "calamine":
    source.XLSX_STREAM_THRESHOLD = 1 << 60
t0, c0 = time.perf_counter(), time.process_time()
stream = ingest.read_chunks(sys.argv[1])
n = sum(len(chunk.frame) for chunk in stream)
print(json.dumps({"rows": n, "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(code: str, *args: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else str(done.returncode)}  # type: ignore[dict-item]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _line(name: str, r: dict[str, float]) -> str:
    if "error" in r:
        return f"  {name:26s} failed: {r['error']}"
    return (
        f"  {name:26s} {r['rows'] / r['wall']:>9,.0f} rows/s wall  {r['rows'] / r['cpu']:>9,.0f} rows/s CPU"
        f"  {r['wall']:7.1f} s  peak RSS {r['rss_mb']:,.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_400_000, help="synth rows (about 0.19 of them in the sheet)")
    parser.add_argument("--xlsx", type=Path, nargs="*", help="workbooks to read instead of a generated one")
    parser.add_argument("--no-calamine", action="store_true", help="skip the calamine peer (big sheets)")
    parser.add_argument("--ingest", action="store_true", help="also time ingest.read_chunks over the workbook")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-xlsx-stream-") as tmp:
        paths = args.xlsx
        if not paths:
            from csas_graph.synth.generate import generate

            generate(Path(tmp), seed=1, rows=args.rows, layouts=["b"])
            paths = [Path(tmp) / "b_ho_adm_telephony.xlsx"]
        for path in paths:
            with zipfile.ZipFile(path) as zf:
                xml_mb = sum(m.file_size for m in zf.infolist() if m.filename.startswith("xl/worksheets/")) / 2**20
            print(f"{path.name}: {path.stat().st_size / 2**20:.0f} MB zip, {xml_mb:.0f} MB sheet XML,"
                  f" load average {os.getloadavg()[0]:.1f}")  # fmt: skip
            print(_line("streamed (XlsxSource)", run(_ROWS, str(path), "stream")))
            if not args.no_calamine:
                print(_line("peer calamine (XlsxSource)", run(_ROWS, str(path), "calamine")))
            if args.ingest:
                print(_line("ingest.read_chunks", run(_INGEST, str(path), "auto")))
                if not args.no_calamine:
                    print(_line("ingest.read_chunks calamine", run(_INGEST, str(path), "calamine")))
            print(f"  load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
