"""Benchmark: the ingest reader alone (parse + cleanse, no database) beside a plain pandas parse.

Run ``python -m bench.ingest_reader [--rows 300000] [--layout c]``. It writes a synthetic EE-style
(``c``, 21 columns) or UK CSP (``a``, 36 columns) CDR file with repeated numbers and cells (not
timed), then, each in a fresh subprocess so peak RSS is per run:

1. ``ingest.read_chunks`` over the file (all cleansing, duplicate state, report), consuming chunks;
2. the peer: ``pandas.read_csv(dtype=str, engine="pyarrow")`` of the same file: parsing only, no
   cleansing, whole file in memory.

It prints rows/s by wall clock and by CPU time (the machine is shared: CPU time is the steadier
figure) and peak RSS, for two file sizes so that memory growth (or its absence) shows. It is a
benchmark, not a test.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

HEADER_C = (
    "Call Date,Call Time,Call Type,Direction,A Number,B Number,Diverted To,Duration (hh:mm:ss),IMSI,IMEI,"
    "First CGI,First Cell Name,First Cell Easting,First Cell Northing,First Cell Azimuth,Last CGI,Last Cell Name,"
    "Last Cell Easting,Last Cell Northing,Last Cell Azimuth,Roaming Network"
).split(",")


def write_file(path: Path, rows: int, seed: int = 1) -> None:
    """EE-style rows: 2,000 drama numbers, 600 cells, times spread over February (dd/mm)."""
    rng = random.Random(seed)
    numbers = [f"07700900{i:03d}" for i in range(1000)] + [f"+441632960{i:03d}" for i in range(1000)]
    cells = [(f"234-30-{1000 + i // 3}-{20000 + i}", 520000 + i * 37 % 20000, 170000 + i * 53 % 20000, i % 3 * 120)
             for i in range(600)]  # fmt: skip
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER_C)
        for i in range(rows):
            day = 13 + i * 15 // rows
            sec = i * 86400 * 15 // rows % 86400
            c1, c2 = rng.choice(cells), rng.choice(cells)
            out.writerow(
                [f"{day:02d}/02/2024", f"{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}",
                 rng.choice(["MOC", "MTC", "SMS-MO", "SMS-MT"]), rng.choice(["MO", "MT"]), rng.choice(numbers),
                 rng.choice(numbers), "", f"00:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
                 "234301234567890", "490154203237518", c1[0], "Site", c1[1], c1[2], c1[3], c2[0], "Site", c2[1],
                 c2[2], c2[3], ""]
            )  # fmt: skip


_READER = """
import json, resource, sys, time
import ingest
t0, c0 = time.perf_counter(), time.process_time()
stream = ingest.read_chunks(sys.argv[1])
n = sum(len(chunk.frame) for chunk in stream)
print(json.dumps({"rows": n, "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "loaded": stream.report.loaded, "merged": stream.report.merged}))
"""

_PEER = """
import json, resource, sys, time
import pandas as pd
t0, c0 = time.perf_counter(), time.process_time()
frame = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False, engine="pyarrow")
print(json.dumps({"rows": len(frame), "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(code: str, path: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-reader-") as tmp:
        for rows in (args.rows, args.rows * 2):
            path = Path(tmp) / f"c_{rows}.csv"
            write_file(path, rows)
            mine, peer = run(_READER, path), run(_PEER, path)
            size_mb = path.stat().st_size / 2**20
            print(f"{rows:,} rows ({size_mb:.0f} MB)")
            for name, r in (("ingest.read_chunks", mine), ("peer pandas.read_csv", peer)):
                print(
                    f"  {name:22s} {r['rows'] / r['wall']:>9,.0f} rows/s wall  {r['rows'] / r['cpu']:>9,.0f} rows/s CPU"
                    f"  peak RSS {r['rss_mb']:,.0f} MB"
                )
            print(f"  ratio (CPU, reader / parse-only peer): {peer['cpu'] / mine['cpu']:.2f}")
            path.unlink()


if __name__ == "__main__":
    main()
