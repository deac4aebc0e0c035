"""Benchmark: analyses on a generated case in the local Neo4j, beside a pandas peer.

Run: ``python -m bench.analyses [--rows 20000] [--seed 1] [--repeat 20] [--home DIR] [--write-docs]``.
Not a test. The case is generated with ``csas synth`` and imported with the real loader into
``--home`` (a CSAS_HOME of its own) once; later runs with the same rows and seed reuse it.

The pandas peer is the analyst's-notebook alternative: the same cleaned events (pulled from the
graph once, before timing) in DataFrames, and each question answered with vectorised pandas. Both
answers are reduced to a comparable core (edge counts, episode bounds, ranked phones, home
cell, ...) and checked equal. Latencies are wall-clock per call, after one warm-up call.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from bench.common import open_store

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
#: heading of the hand-written reading under the table; ``--write-docs`` keeps whatever follows it
READING = "What made the difference:"
#: used only when docs/benchmarks.md has no reading yet (the reading is edited there, by hand)
FIRST_READING = READING + "\n\n- (write what the figures show and why, here in docs/benchmarks.md)\n"
EARTH_M = 6_371_008.8


# ------------------------------------------------------------------------------ the case


def ensure_case(store: Any, home: Path, case_id: str, seed: int, rows: int) -> dict[str, Any]:
    """Generate and import the case unless a complete import of it is already there."""
    out = home / f"synth-{seed}-{rows}"
    truth_path = out / "truth.json"
    done = store.run_statement(
        "MATCH (f:SourceFile {case_id: $c, status: 'complete'}) RETURN count(f) AS n", {"c": case_id}, write=False
    )[0]["n"]
    if truth_path.exists() and done >= len(json.loads(truth_path.read_text())["import_order"]):
        return json.loads(truth_path.read_text())
    from csas_graph import importer
    from csas_graph.synth.generate import PLAIN_TEMPLATE_FILE, generate

    t0 = time.perf_counter()
    truth = generate(out, seed=seed, rows=rows)
    truth = json.loads(truth_path.read_text())
    print(f"generated {rows} rows in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    for i, name in enumerate(truth["import_order"], start=1):
        template_file = out / PLAIN_TEMPLATE_FILE if name.startswith("f_") else None
        importer.import_file(store, case_id, out / name, template_file=template_file)
        print(f"  imported {i}/{len(truth['import_order'])} {name} ({time.perf_counter() - t0:.0f} s)", flush=True)
    print(f"imported in {time.perf_counter() - t0:.1f} s")
    return truth


def load_frames(store: Any, case_id: str, home: Path | None = None) -> dict[str, pd.DataFrame]:
    """The cleaned events of the case as DataFrames (the pandas peer's input; not timed).

    Kept beside the case in ``home`` (a pickle per case and count of files) so a rerun skips it.
    """
    files = store.run_statement(
        "MATCH (f:SourceFile {case_id: $c, status: 'complete'}) RETURN count(f) AS n", {"c": case_id}, write=False
    )[0]["n"]
    cache = home / f"frames-{case_id}-{files}.pkl" if home is not None else None
    if cache is not None and cache.exists():
        return pickle.loads(cache.read_bytes())  # type: ignore[no-any-return]
    frames = _extract_frames(store, case_id)
    if cache is not None:
        cache.write_bytes(pickle.dumps(frames))
    return frames


def _extract_frames(store: Any, case_id: str) -> dict[str, pd.DataFrame]:

    def q(text: str) -> pd.DataFrame:
        return pd.DataFrame(store.run_statement(text, {"c": case_id}, write=False))

    calls = q(
        "MATCH (a:Number {case_id: $c})-[r:CALLED]->(b:Number) RETURN a.key AS src, b.key AS dst, "
        "r.event_id AS event_id, r.type AS type, r.start.epochSeconds AS t, r.duration_s AS duration_s"
    )
    sightings = q(
        "MATCH (n:Number {case_id: $c})-[s:SEEN_AT]->(c:Cell) RETURN n.key AS number, s.event_id AS event_id, "
        "s.t.epochSeconds AS t, s.imei AS imei, c.key AS cell, c.cgi AS cgi"
    )
    cells = q(
        "MATCH (c:Cell {case_id: $c}) RETURN c.key AS cell, c.cgi AS cgi, c.location.latitude AS lat, "
        "c.location.longitude AS lon"
    )
    reads = q(
        "MATCH (v:Vehicle {case_id: $c})-[r:READ_AT]->(k:Camera) RETURN v.vrm AS vrm, r.event_id AS event_id, "
        "r.t.epochSeconds AS t, k.camera_id AS camera"
    )
    cameras = q(
        "MATCH (k:Camera {case_id: $c}) RETURN k.camera_id AS camera, k.location.latitude AS lat, "
        "k.location.longitude AS lon"
    )
    numbers = q("MATCH (n:Number {case_id: $c}) RETURN n.key AS number, n.kind AS kind")
    links = q(
        "MATCH (n:Number {case_id: $c})-[:USED_HANDSET]->(h:Handset) RETURN n.key AS number, h.imei AS imei, "
        "coalesce(h.placeholder, false) AS placeholder"
    )
    lat, lon = pd.to_numeric(cells["lat"]), pd.to_numeric(cells["lon"])
    cells = cells.assign(lat=lat, lon=lon)
    site = lat.round(7).astype(str) + "," + lon.round(7).astype(str)
    cells = cells.assign(site=np.where(cells["lat"].isna(), "cgi:" + cells["cgi"], site))
    sightings = sightings.merge(cells[["cell", "site"]], on="cell", how="left")
    return {
        "calls": calls,
        "sightings": sightings,
        "cells": cells,
        "reads": reads,
        "cameras": cameras,
        "numbers": numbers,
        "links": links,
    }


def haversine(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


# --------------------------------------------------------------------------- pandas peers
def peer_supernodes(f: dict[str, pd.DataFrame], max_degree: int) -> set[str]:
    nums = f["numbers"]
    bad = set(nums.loc[nums["kind"].isin(["voicemail", "short_code", "withheld", "unknown", "alphanumeric"]), "number"])
    c = f["calls"]
    pairs = pd.concat([c[["src", "dst"]], c[["dst", "src"]].set_axis(["src", "dst"], axis=1)]).drop_duplicates()
    deg = pairs.groupby("src").size()
    return bad | set(deg[deg > max_degree].index)


def peer_contacts(f: dict[str, pd.DataFrame], seed: str, hops: int, max_degree: int) -> set[tuple[str, str, int]]:
    c = f["calls"]
    c = c.loc[c["src"] != c["dst"]]
    sn = peer_supernodes(f, max_degree)
    a = np.where(c["src"] < c["dst"], c["src"], c["dst"])
    b = np.where(c["src"] < c["dst"], c["dst"], c["src"])
    agg = pd.DataFrame({"a": a, "b": b}).value_counts().rename("n").reset_index()
    agg = agg.loc[~agg["a"].isin(sn) & ~agg["b"].isin(sn)]
    reached, frontier, edges = {seed}, {seed}, set()
    for _ in range(hops):
        touch = agg.loc[agg["a"].isin(frontier) | agg["b"].isin(frontier)]
        edges |= set(zip(touch["a"], touch["b"], touch["n"].astype(int), strict=True))
        new = (set(touch["a"]) | set(touch["b"])) - reached
        reached |= new
        frontier = new
    return edges


def _episodes(hits: pd.DataFrame, gap_s: int) -> pd.DataFrame:
    """Merge hits (a, b, t, t_end, ea, eb) per pair into episodes when no more than gap apart."""
    if hits.empty:
        return pd.DataFrame(columns=["a", "b", "start", "end", "support"])
    hits = hits.sort_values(["a", "b", "t", "ea", "eb"]).reset_index(drop=True)
    run_end = hits.groupby(["a", "b"])["t_end"].cummax()
    prev_end = run_end.groupby([hits["a"], hits["b"]]).shift()
    new = prev_end.isna() | (hits["t"] > prev_end + gap_s)
    hits["ep"] = new.cumsum()
    g = hits.groupby("ep")
    out = g.agg(a=("a", "first"), b=("b", "first"), start=("t", "min"), end=("t_end", "max"))
    ea = g["ea"].apply(set)
    eb = g["eb"].apply(set)
    out["support"] = [len(x | y) for x, y in zip(ea, eb, strict=True)]
    return out.reset_index(drop=True)


def peer_colocation(
    f: dict[str, pd.DataFrame], numbers: list[str], since: int, until: int, window_s: int = 900, gap_s: int = 3600
) -> set[tuple[str, str, int, int, int]]:
    s = f["sightings"]
    s = s.loc[s["number"].isin(numbers) & (s["t"] >= since) & (s["t"] <= until), ["number", "event_id", "t", "site"]]
    s = s.drop_duplicates(["number", "event_id", "site", "t"])
    # join on (site, time bucket) against the same and the next bucket: every pair within ±window
    # lands in exactly one of the two joins, and no site's whole history is crossed with itself
    s = s.assign(bucket=s["t"] // window_s)
    shifted = s.assign(bucket=s["bucket"] - 1)
    m = pd.concat(
        [
            s.merge(s, on=["site", "bucket"], suffixes=("_a", "_b")),
            s.merge(shifted, on=["site", "bucket"], suffixes=("_a", "_b")),
            shifted.merge(s, on=["site", "bucket"], suffixes=("_a", "_b")),
        ]
    )
    m = m.loc[(m["number_a"] < m["number_b"]) & ((m["t_a"] - m["t_b"]).abs() <= window_s)]
    hits = pd.DataFrame(
        {
            "a": m["number_a"],
            "b": m["number_b"],
            "t": np.minimum(m["t_a"], m["t_b"]),
            "t_end": np.maximum(m["t_a"], m["t_b"]),
            "ea": m["event_id_a"],
            "eb": m["event_id_b"],
        }
    ).drop_duplicates()
    ep = _episodes(hits, gap_s)
    return set(zip(ep["a"], ep["b"], ep["start"].astype(int), ep["end"].astype(int), ep["support"], strict=True))


def peer_tower_dump(f: dict[str, pd.DataFrame], lat: float, lon: float, radius: float, since: int, until: int) -> set:
    cells = f["cells"]
    near = cells.loc[haversine(lat, lon, cells["lat"], cells["lon"]) <= radius, "cell"]
    s = f["sightings"]
    s = s.loc[s["cell"].isin(near) & (s["t"] >= since) & (s["t"] <= until)]
    return set(s.groupby("number")["event_id"].nunique().items())


def peer_anpr(
    f: dict[str, pd.DataFrame], vrm: str, radius: float = 1000, window_s: int = 600, min_support: int = 2
) -> list[tuple[str, int]]:
    reads = f["reads"].loc[f["reads"]["vrm"] == vrm].merge(f["cameras"], on="camera")
    cells = f["cells"].dropna(subset=["lat"])
    near = reads[["camera", "lat", "lon"]].drop_duplicates().merge(cells[["cell", "lat", "lon"]], how="cross")
    near = near.loc[haversine(near["lat_x"], near["lon_x"], near["lat_y"], near["lon_y"]) <= radius, ["camera", "cell"]]
    s = f["sightings"][["number", "event_id", "t", "cell"]]
    m = reads[["event_id", "t", "camera"]].merge(near, on="camera").merge(s, on="cell", suffixes=("_r", "_s"))
    m = m.loc[(m["t_r"] - m["t_s"]).abs() <= window_s]
    support = m.groupby("number")["event_id_r"].nunique()
    support = support[support >= min_support]
    matched = m.loc[m["number"].isin(support.index)].groupby("number")["event_id_s"].nunique()
    lo, hi = reads["t"].min() - window_s, reads["t"].max() + window_s
    exp_s = s.loc[s["cell"].isin(set(near["cell"])) & (s["t"] >= lo) & (s["t"] <= hi)]
    exposure = exp_s.loc[exp_s["number"].isin(support.index)].groupby("number")["event_id"].nunique()
    n = reads["event_id"].nunique()
    score = np.sqrt((support / n) * (matched / np.maximum(exposure.reindex(support.index).fillna(0), matched)))
    ranked = pd.DataFrame({"support": support, "score": score.round(6)}).reset_index()
    ranked = ranked.sort_values(["score", "support", "number"], ascending=[False, False, True])
    return list(zip(ranked["number"], ranked["support"].astype(int), strict=True))[:20]


def peer_attribution(f: dict[str, pd.DataFrame], number: str) -> set[tuple[str, str]]:
    """Handset swaps (old TAC+serial, new) of one number from its own sightings."""
    s = f["sightings"]
    s = s.loc[(s["number"] == number) & s["imei"].notna()]
    links = f["links"]
    bad = set(links.loc[links["placeholder"], "imei"])
    s = s.loc[~s["imei"].isin(bad) & s["imei"].str.fullmatch(r"\d+") & (s["imei"].str.len() >= 14)]
    s = s.loc[s["imei"].map(lambda x: len(set(x)) > 1)]
    dev = s.assign(dev=s["imei"].str[:14]).groupby("dev")["t"].min().sort_values(kind="stable")
    order = list(dev.index)
    return set(zip(order, order[1:], strict=False))


def peer_home(f: dict[str, pd.DataFrame], number: str, tz: str = "Europe/London") -> str | None:
    s = f["sightings"].loc[f["sightings"]["number"] == number].drop_duplicates(["event_id", "cell", "t"])
    local = pd.to_datetime(s["t"], unit="s", utc=True).dt.tz_convert(ZoneInfo(tz))
    night = (local.dt.hour >= 22) | (local.dt.hour < 6)
    night_of = (local - pd.to_timedelta(np.where(local.dt.hour < 6, 1, 0), unit="D")).dt.date
    n = pd.DataFrame({"cell": s["cell"], "night": night_of, "ev": s["event_id"]}).loc[night.to_numpy()]
    if n.empty:
        return None
    per = n.groupby("cell").agg(nights=("night", "nunique"), events=("ev", "size")).reset_index()
    per = per.sort_values(["nights", "events", "cell"], ascending=[False, False, True])
    return str(per["cell"].iloc[0])


# ---------------------------------------------------------------------------------- runs
def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, list[float]]:
    result = fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return result, times


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def workloads(store: Any, case_id: str, truth: dict[str, Any], f: dict[str, pd.DataFrame]) -> list[dict[str, Any]]:
    from csas_graph.analyses.registry import run_analysis

    def run(name: str, **params: Any) -> Callable[[], Any]:
        return lambda: run_analysis(store, case_id, name, params)

    group = [n for n in truth["group"] if n in set(truth["targets"])]
    meeting = truth["meetings"][0]
    m0 = datetime.fromisoformat(meeting["start"].replace("Z", "+00:00"))
    since, until = m0 - timedelta(days=15), m0 + timedelta(days=15)
    s_epoch, u_epoch = int(since.timestamp()), int(until.timestamp())
    counts = f["sightings"].loc[(f["sightings"]["t"] >= s_epoch) & (f["sightings"]["t"] <= u_epoch)]
    top50 = list(counts.groupby("number").size().sort_values(ascending=False).index[:50])
    scene = truth["scenes"][0]
    scene_from = epoch(scene["start"])
    vrm = truth["vehicle_phone_pairs"][0]["vrm"]
    swapper = truth["handset_swaps"][0]["number"]
    tz = truth.get("case_timezone", "Europe/London")

    def colo_core(res: Any) -> set:
        return {(r["a"], r["b"], epoch(r["start"]), epoch(r["end"]), r["support"]) for r in res.rows}

    return [
        {
            "name": "contacts, 2 hops",
            "single": True,
            "graph": run("contacts", numbers=[group[0]], hops=2),
            "peer": lambda: peer_contacts(f, group[0], 2, 200),
            "core": lambda res: {(r["a"], r["b"], r["events"]) for r in res.rows},
        },
        {
            "name": "co-location of a pair, 30 days",
            "single": True,
            "graph": run("co-location", numbers=[meeting["a"], meeting["b"]], since=since, until=until, limit=100_000),
            "peer": lambda: peer_colocation(f, [meeting["a"], meeting["b"]], s_epoch, u_epoch),
            "core": colo_core,
        },
        {
            "name": f"co-location all pairs among {len(top50)} targets, 30 days",
            "single": False,
            "graph": run("co-location", numbers=top50, since=since, until=until, limit=100_000),
            "peer": lambda: peer_colocation(f, top50, s_epoch, u_epoch),
            "core": colo_core,
        },
        {
            "name": "anpr-association, one vehicle",
            "single": True,
            "graph": run("anpr-association", vrm=vrm),
            "peer": lambda: peer_anpr(f, vrm),
            "core": lambda res: [(r["number"], r["support"]) for r in res.rows],
        },
        {
            "name": "tower dump, 1 km x 1 h",
            "single": True,
            "graph": run(
                "tower-dump",
                lat=scene["lat"],
                lon=scene["lon"],
                radius_m=1000,
                since=scene["start"],
                until=datetime.fromtimestamp(scene_from + 3600, UTC).isoformat(),
            ),
            "peer": lambda: peer_tower_dump(f, scene["lat"], scene["lon"], 1000, scene_from, scene_from + 3600),
            "core": lambda res: {(r["number"], r["events"]) for r in res.rows},
        },
        {
            "name": "attribution, one number",
            "single": True,
            "graph": run("attribution", number=swapper),
            "peer": lambda: peer_attribution(f, swapper),
            "core": lambda res: {(r["from"][:14], r["to"][:14]) for r in res.rows if r["kind"] == "handset_swap"},
        },
        {
            "name": "pattern of life, one number",
            "single": True,
            "graph": run("pattern-of-life", number=group[0]),
            "peer": lambda: peer_home(f, group[0], tz),
            "core": lambda res: res.extra["home_cell"],
        },
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--home", type=Path, default=Path("/tmp/csas-bench-analyses"))
    ap.add_argument("--write-docs", action="store_true", help="Write the figures into docs/benchmarks.md.")
    ap.add_argument("--only", action="append", default=[], help="Run only workloads whose name contains this.")
    args = ap.parse_args()
    case_id = f"BENCH-{args.seed}-{args.rows}"
    store = open_store(args.home)
    truth = ensure_case(store, args.home, case_id, args.seed, args.rows)
    from csas_graph.analyses.summaries import (
        refresh_contact_summary,
        refresh_identity_summary,
        refresh_life_summary,
        refresh_presence_summary,
    )

    # what the import hook does after each file; a case loaded without the hook is summarised here once
    for refresh in (refresh_contact_summary, refresh_presence_summary, refresh_identity_summary, refresh_life_summary):
        t0 = time.perf_counter()
        done = refresh(store, case_id)
        print(f"{refresh.__name__} in {time.perf_counter() - t0:.1f} s: {done}", flush=True)
    t0 = time.perf_counter()
    frames = load_frames(store, case_id, args.home)
    print(
        f"pandas peer input: {len(frames['calls'])} calls, {len(frames['sightings'])} sightings, "
        f"{len(frames['reads'])} reads (pulled in {time.perf_counter() - t0:.1f} s, not timed)"
    )
    lines = []
    load_before = os.getloadavg()
    for w in workloads(store, case_id, truth, frames):
        if args.only and not any(o in w["name"] for o in args.only):
            continue
        res, g_times = timed(w["graph"], args.repeat)
        peer, p_times = timed(w["peer"], args.repeat)
        equal = w["core"](res) == peer
        target = 100.0 if w["single"] else 2000.0
        fast = p95(g_times) <= target
        beats = statistics.median(g_times) <= statistics.median(p_times)
        line = (
            f"| {w['name']} | {len(res.rows)} | {statistics.median(g_times):.1f} | {p95(g_times):.1f} | "
            f"{statistics.median(p_times):.1f} | {p95(p_times):.1f} | {'yes' if equal else 'NO'} | "
            f"{'met' if fast else 'missed'} (≤ {target:.0f} ms) | {'yes' if beats else 'no'} |"
        )
        print(line, flush=True)
        lines.append(line)
    header = (
        "| workload | rows | Neo4j median ms | Neo4j p95 ms | pandas median ms | pandas p95 ms "
        "| answers equal | p95 target | ≤ pandas (median) |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    load = f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after"
    print(header)
    print("\n".join(lines))
    print(load)
    if args.write_docs:
        write_docs(args, header, lines, frames, load)


def write_docs(args: Any, header: str, lines: list[str], frames: dict[str, pd.DataFrame], load: str) -> None:
    section = (
        "## analyses\n\n"
        f"`python -m bench.analyses --rows {args.rows} --seed {args.seed} --repeat {args.repeat}` on "
        f"{datetime.now(UTC).date().isoformat()}: a generated case ({len(frames['calls'])} CALLED events, "
        f"{len(frames['sightings'])} sightings, {len(frames['reads'])} ANPR reads) in the local Neo4j 5.26 "
        f"(1 GB heap, 512 MB page cache), 2 shared cores, {load}. Latency per call after one warm-up; the pandas peer "
        "answers the same question over the same cleaned events held in DataFrames (extraction not timed).\n\n"
        f"{header}\n" + "\n".join(lines) + "\n\n"
    )
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n\n"
    start = text.find("## analyses")
    section += _kept_reading(text, start)
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("\n" + text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOCS.write_text(text)
    print(f"wrote {DOCS}")


def _kept_reading(text: str, start: int) -> str:
    """The hand-written reading of the current ``## analyses`` section (new figures, same analysis)."""
    if start < 0:
        return FIRST_READING
    end = text.find("\n## ", start + 1)
    current = text[start : end if end >= 0 else len(text)]
    at = current.find(READING)
    return current[at:].rstrip("\n") + "\n" if at >= 0 else FIRST_READING


if __name__ == "__main__":
    main()
