"""Benchmark: run records, reproduce, exhibit rendering and every export on a generated case.

Run: ``python -m bench.evidence [--rows 20000] [--seed 1] [--repeat 3] [--home DIR] [--write-docs]``.
Not a test. The case is generated and imported with the real loader into ``--home`` once (see
``bench.analyses.ensure_case``); later runs reuse it.

The peer of each export is the bare read of the same case data from Neo4j into Python
(``load_case_data``): the export's figure beside it shows what building the format costs on top
of reading the graph. Times are wall-clock medians after one warm-up.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.analyses import ensure_case, open_store

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    result = fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return result, statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--home", type=Path, default=Path("/tmp/csas-bench-evidence"))
    ap.add_argument("--write-docs", action="store_true", help="Write the figures into docs/benchmarks.md.")
    args = ap.parse_args()

    from csas_graph import auth
    from csas_graph.analyses.registry import run_analysis
    from csas_graph.errors import Conflict
    from csas_graph.exhibits.content import build_content
    from csas_graph.exhibits.render import render_html, render_pdf
    from csas_graph.exhibits.review import create_exhibit
    from csas_graph.exports import FORMATS, export_case
    from csas_graph.exports.data import load_case_data, parse_params
    from csas_graph.runs import record_run, reproduce

    case_id = f"BENCH-{args.seed}-{args.rows}"
    store = open_store(args.home)
    truth = ensure_case(store, args.home, case_id, args.seed, args.rows)
    for name in ("bench-analyst", "bench-lead"):
        try:
            auth.create_user(store, name, "analyst" if name == "bench-analyst" else "team-lead")
        except Conflict:
            pass
    number = max((n for n in truth["event_counts"] if n.startswith("+44")), key=lambda n: truth["event_counts"][n])
    lines: list[str] = []

    def row(what: str, ms: float, peer: str, note: str) -> None:
        line = f"| {what} | {ms:.0f} | {peer} | {note} |"
        print(line, flush=True)
        lines.append(line)

    result, ms_run = timed(lambda: run_analysis(store, case_id, "top-contacts", {"number": number}), args.repeat)
    run_id, ms_record = timed(lambda: record_run(store, result, "bench-analyst"), args.repeat)
    row(
        "top-contacts run (peer: without recording)",
        ms_run + ms_record,
        f"{ms_run:.0f}",
        f"record adds {ms_record:.0f} ms",
    )
    outcome, ms = timed(lambda: reproduce(store, run_id, user="bench-analyst"), args.repeat)
    row("reproduce (re-run + data state + audit)", ms, f"{ms_run:.0f}", f"matches={outcome.matches}")

    exhibit = create_exhibit(store, case_id, f"BENCH/{int(time.time())}", [run_id], author="bench-analyst")
    content, ms_content = timed(lambda: build_content(store, exhibit), args.repeat)
    review = {"status": "draft", "approved_by": None, "approved_at": None, "final_hash": None}
    html, ms_html = timed(lambda: render_html(content, review, "now"), args.repeat)
    pdf, ms_pdf = timed(lambda: render_pdf(html), args.repeat)
    row("exhibit content (records, sources, cells)", ms_content, "-", f"{len(content['sources'])} sources")
    row("exhibit HTML (Jinja2)", ms_html, "-", f"{len(html) // 1024} KiB")
    row("exhibit PDF (WeasyPrint)", ms_pdf, "-", f"{len(pdf) // 1024} KiB")

    data, ms_read = timed(lambda: load_case_data(store, case_id, parse_params({})), args.repeat)
    print(f"case: {len(data.nodes)} nodes, {len(data.events)} events, {len(data.links)} links")
    for fmt in FORMATS:
        params = {"number": number} if fmt == "kml" else {}
        export, ms = timed(lambda f=fmt, p=params: export_case(store, case_id, f, p, user="bench-analyst"), args.repeat)
        row(f"export {fmt}", ms, f"{ms_read:.0f}", f"{export.item_count} items, {len(export.content) // 1024} KiB")

    header = "| step | median ms | peer ms | note |\n|---|---|---|---|"
    print(header)
    print("\n".join(lines))
    if args.write_docs:
        section = (
            "## evidence\n\n"
            f"`python -m bench.evidence --rows {args.rows} --seed {args.seed} --repeat {args.repeat}` on "
            f"{datetime.now(UTC).date().isoformat()}: a generated case ({len(data.nodes)} nodes, {len(data.events)} "
            f"events, {len(data.links)} links) in the local Neo4j 5.26, 2 shared cores. Peer of each export: the "
            "bare read of the same case data from Neo4j (`load_case_data`); of a recorded run: the same run "
            "unrecorded. Medians after one warm-up.\n\n" + header + "\n" + "\n".join(lines) + "\n"
        )
        text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n\n"
        start = text.find("## evidence")
        if start >= 0:
            end = text.find("\n## ", start + 1)
            text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
        else:
            text = text.rstrip("\n") + "\n\n" + section
        DOCS.write_text(text)
        print(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
