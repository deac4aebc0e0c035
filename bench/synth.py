"""Benchmark: ``csas synth`` at scale, beside a plain pandas round trip of the same CSV bytes.

Run ``python -m bench.synth [--rows 1000000] [--seed 1]``. It

1. generates the synthetic case into a temporary folder, timing the whole run (town, population,
   scenarios, rendering, writing every file, truth.json) and sampling this process's RSS every
   0.2 s with psutil;
2. as the peer, reads every generated CSV back with ``pandas.read_csv(dtype=str)`` and writes it
   again with ``DataFrame.to_csv``: the cost of merely re-writing the same bytes the naive way;
3. prints rows, seconds, rows/s, peak RSS and the ratio to the peer.

It is a benchmark, not a test: figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import psutil


class PeakRss:
    """Samples this process's resident set size in a background thread."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        proc = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, proc.memory_info().rss)
            self._stop.wait(0.2)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run(rows: int, seed: int) -> dict[str, float]:
    from csas_graph.synth.generate import generate

    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        out = Path(tmp) / "case"
        with PeakRss() as rss:
            t0 = time.perf_counter()
            truth = generate(out, seed, rows)
            gen_s = time.perf_counter() - t0
        written = sum(f["rows_read"] for f in truth["files"].values() if f["kind"] == "cdr")
        size = sum(p.stat().st_size for p in out.iterdir())
        # peer: pandas re-writes the same CSV files (reading not timed)
        frames = []
        for p in sorted(out.glob("*.csv")):
            skip = 17 if p.name.startswith("a_") else 0
            frames.append((p, pd.read_csv(p, dtype=str, keep_default_na=False, skiprows=skip, encoding="utf-8-sig")))
        t1 = time.perf_counter()
        for p, frame in frames:
            frame.to_csv(p.with_suffix(".peer"), index=False)
        peer_s = time.perf_counter() - t1
        peer_rows = sum(len(f) for _, f in frames)
    return {
        "rows": written,
        "seconds": gen_s,
        "rows_per_s": written / gen_s,
        "peak_rss_mb": rss.peak / 2**20,
        "bytes_mb": size / 2**20,
        "peer_rows": peer_rows,
        "peer_seconds": peer_s,
        "peer_rows_per_s": peer_rows / peer_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    r = run(args.rows, args.seed)
    print(f"csas synth --rows {args.rows:,}: {r['rows']:,} CDR rows ({r['bytes_mb']:.0f} MB of files)")
    print(f"  generator : {r['seconds']:7.1f} s  {r['rows_per_s']:10,.0f} rows/s  peak RSS {r['peak_rss_mb']:,.0f} MB")
    print(
        f"  peer      : {r['peer_seconds']:7.1f} s  {r['peer_rows_per_s']:10,.0f} rows/s  (pandas to_csv of the CSVs)"
    )
    print(f"  ratio     : generator is {r['rows_per_s'] / r['peer_rows_per_s']:.2f}x the peer's rows/s")


if __name__ == "__main__":
    main()
