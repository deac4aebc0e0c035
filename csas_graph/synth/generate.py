"""``csas synth``: build a deterministic synthetic case and write every layout plus truth.json.

Method: a town (:mod:`.town`), a population with routines (:mod:`.population`), planted facts
(:mod:`.scenarios`), one row per event and covered party assigned to a layout and file
(:mod:`.rows`), data-quality problems at known counts (:mod:`.problems`), rendering into each
layout's text (:mod:`.layouts`), writing (:mod:`.writers`) and the truth file (:mod:`.truth`).
All randomness comes from ``numpy.random.SeedSequence(seed)``; nothing reads the clock, so the
same seed gives byte-identical files.

Limitations: the serving cell is the nearest site's best-facing sector, a drawing convention,
not radio coverage; routines are coarse (home, work, a few leisure cells, a main road).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csas_graph.errors import InvalidInput
from csas_graph.synth import layouts as L
from csas_graph.synth.calendar import case_days, epoch, local_midnight_utc
from csas_graph.synth.ids import national
from csas_graph.synth.population import Population, build_population, drop_quiet, make_events, routine_events
from csas_graph.synth.problems import SUMMARY_IN, add_legs, inject, patch
from csas_graph.synth.rows import background_rows, file_for, gprs_rows, layout_for, objects, perspective_rows
from csas_graph.synth.scenarios import (
    apply_windows,
    plant_burners,
    plant_meetings,
    plant_sentinels,
    plant_swaps,
    plant_vehicles,
    reconfigure_cells,
)
from csas_graph.synth.town import Town, build_town
from csas_graph.synth.truth import build_truth

CDR_LAYOUTS = ("a", "b", "c", "d", "e", "f")
OTHER_LAYOUTS = ("cells", "anpr", "subscribers")
ALL_LAYOUTS = CDR_LAYOUTS + OTHER_LAYOUTS
#: written only when asked for with --layouts (crowd-sourced positions would shadow the operator lists)
OPT_IN_LAYOUTS = ("opencellid",)
TEMPLATES = {
    "a": "uk_csp_call_data",
    "b": "ho_adm_telephony",
    "c": "ee_voice_sms",
    "d": "vodafone_o2_gprs",
    "e": "att_cdr",
    "f": "plain_opaque",
}
#: semantic row columns kept after a file is written (what truth.py needs)
KEEP_FOR_TRUTH = ["eid", "row_kind", "inject", "persp", "a", "b", "t", "dur", "first", "last", "loc", "dst", "imei"]
PLAIN_TEMPLATE_FILE = "f_plain_opaque.template.yaml"
PLAIN_TEMPLATE = """\
# User template for f_plain_opaque.csv: a plain CSV whose parties are anonymised ids, not numbers.
id: plain_opaque
version: 1
kind: cdr
description: Plain CSV (from, to, start, duration, cell) with opaque party ids, UTC times
columns:
  a_number: ["from"]
  b_number: ["to"]
  start: ["start"]
  duration: ["duration"]
  first_cell: ["cell"]
time:
  timezone: UTC
  timezone_from_header: false
  date_order: ymd
numbers:
  region: GB
  identifiers: opaque
duration:
  format: seconds
default_event_type: voice
"""


@dataclass
class OutFile:
    """One file to write and account for."""

    name: str
    layout: str
    kind: str
    template: str
    text: pd.DataFrame
    rows: pd.DataFrame | None = None  # semantic rows aligned with ``text`` (CDR files)
    first_line: int = 2
    preamble: list[str] = field(default_factory=list)
    trailer: list[list[str]] = field(default_factory=list)
    bom: bool = False
    crlf: bool = False
    #: counts for non-CDR files
    flags: dict[str, int] = field(default_factory=dict)
    merged: dict[str, int] = field(default_factory=dict)


@dataclass
class World:
    """Everything generated, for the truth file and tests."""

    seed: int
    town: Town
    pop: Population
    events: pd.DataFrame
    sessions: pd.DataFrame
    anpr: pd.DataFrame
    facts: dict[str, Any]
    missing_cells: list[int]
    reconfigured: list[tuple[int, int, int, int]]
    lookup: L.Lookup
    files: list[OutFile] = field(default_factory=list)


def generate(
    out: Path,
    seed: int,
    rows: int = 20_000,
    layouts: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Write the synthetic case to ``out`` and return the truth dictionary.

    Parameters
    ----------
    out: directory to write into (created if absent).
    seed: the seed; the same seed gives byte-identical files.
    rows: approximate total CDR rows across the layouts.
    layouts: subset of ``a b c d e f cells anpr subscribers`` (default: all).
    """
    chosen = tuple(layouts) if layouts else ALL_LAYOUTS
    unknown = sorted(set(chosen) - set(ALL_LAYOUTS + OPT_IN_LAYOUTS))
    if unknown:
        raise InvalidInput(
            f"unknown layout(s) {', '.join(unknown)}; choose from {' '.join(ALL_LAYOUTS + OPT_IN_LAYOUTS)}",
            field="layouts",
        )
    if rows < 2_000:
        raise InvalidInput(f"--rows {rows}: at least 2000 rows are needed to plant every scenario", field="rows")
    note = progress or (lambda _msg: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(seed, rows, chosen, note, out)
    note("writing cell, ANPR and subscriber files")
    for f in world.files:
        if f.rows is None:
            _write(out, f)
    if "f" in chosen:
        (out / PLAIN_TEMPLATE_FILE).write_text(PLAIN_TEMPLATE, encoding="utf-8")
    note("writing truth.json")
    truth = build_truth(world)
    (out / "truth.json").write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return truth


def build_world(seed: int, rows: int, chosen: tuple[str, ...], note: Callable[[str], None], out: Path) -> World:
    """Generate everything; CDR files are written to ``out`` as they are rendered (memory stays
    proportional to the semantic rows, not to their text)."""
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(16)]
    note("town and population")
    town = build_town(rngs[0], n_sites=45 if rows <= 100_000 else 64)
    pop = build_population(rngs[1], town, rows)
    n_cov = int(pop.phones["covered"].sum())
    n_days = len(case_days())
    per_day = 0.6 * rows / (n_cov * n_days * 1.25)
    data_per_day = 0.28 * rows / (n_cov * n_days * 1.5)
    calls, sessions = routine_events(rngs[2], pop, per_day, data_per_day)
    note("planting scenarios")
    swaps = plant_swaps(pop)
    meet_ev, meets = plant_meetings(rngs[3], pop, town)
    burner_ev, _ = plant_burners(rngs[4], pop)
    trip_ev, anpr, vfacts = plant_vehicles(rngs[5], pop, town)
    sent_ev = plant_sentinels(rngs[6], pop)
    calls, sessions = drop_quiet(calls), drop_quiet(sessions)
    calls, sessions = _suppress(calls, meets), _suppress(sessions, meets)
    dst_ev = _plant_dst(rngs[7], pop)
    ev = pd.concat([calls, meet_ev, burner_ev, trip_ev, sent_ev, dst_ev], ignore_index=True)
    ev = apply_windows(ev, pop)
    ev = ev.drop_duplicates(subset=["kind", "a", "b", "t", "dur"]).reset_index(drop=True)
    sessions = apply_windows(sessions, pop)
    sessions.index = sessions.index + len(ev)
    reconf = reconfigure_cells(pop, town)
    missing = _pick_missing(rngs[8], pop, town, reconf)
    lookup = _lookup(pop, town, missing, reconf)
    world = World(
        seed, town, pop, ev, sessions, anpr, {"swaps": swaps, "meetings": meets, **vfacts}, missing, reconf, lookup
    )

    note("rows per layout")
    prow = perspective_rows(ev, pop, town, rngs[9])
    tag = prow["tag"].to_numpy()
    objects(
        prow,
        {
            "dst": np.where(tag == "dst_amb", "amb", np.where(tag == "dst_gap", "gap", "")),
            "layout": layout_for(pop, prow["persp"].to_numpy(), prow["t"].to_numpy()),
        },
    )
    grows = gprs_rows(sessions, pop, town, rngs[10])
    objects(grows, {"layout": np.full(len(grows), "d", dtype=object)})
    midnight = local_midnight_utc(case_days())
    frows = background_rows(rngs[11], pop, town, max(200, int(0.12 * rows)), midnight)
    frows["eid"] = np.arange(len(frows)) + len(ev) + len(sessions) + 1_000_000
    objects(frows, {"layout": np.full(len(frows), "f", dtype=object)})
    all_rows = pd.concat([prow, grows, frows], ignore_index=True)
    del prow, grows, frows
    objects(all_rows, {"file": file_for(pop, all_rows["layout"].to_numpy(), all_rows["persp"].to_numpy())})

    ph = pop.phones
    covered = ph["covered"].to_numpy()
    kind = ph["kind"].to_numpy()
    protected = np.zeros(len(ph), dtype=bool)
    protected[pop.group + [pop.roles["sim_new"], pop.targets[7]]] = True
    missing_mask = np.zeros(len(town.cells) + 1, dtype=bool)
    missing_mask[missing] = True
    opaque = np.array([f"U{x:010x}" for x in rngs[12].integers(0, 2**40, len(ph))], dtype=object)
    inj_rng = rngs[13]
    fmt_rng = rngs[14]
    by_layout = {str(k): all_rows.iloc[v] for k, v in all_rows.groupby("layout").indices.items()}
    del all_rows  # each layout's rows are dropped once its files are written
    for layout in CDR_LAYOUTS:
        lr = by_layout.pop(layout, None)
        if layout not in chosen or lr is None:
            continue
        lr = lr.sort_values(["file", "t", "persp", "eid", "seq"], kind="stable").reset_index(drop=True)
        if layout == "e":
            lr = add_legs(lr, inj_rng)
            lr = lr.sort_values(["file", "t", "persp", "eid", "seq"], kind="stable").reset_index(drop=True)
        lr = inject(layout, lr, inj_rng, protected, covered, kind, missing_mask)
        groups = {str(name): idx for name, idx in lr.groupby("file", sort=True).indices.items()}
        for k, fname in enumerate(sorted(groups)):
            fr = lr.iloc[groups[fname]].reset_index(drop=True)
            # one summary row per layout that has them (in the first raw CSP file)
            summary = layout in SUMMARY_IN and k == 0
            f = _write_cdr(out, layout, fname, fr, lookup, pop, fmt_rng, opaque, seed, summary)
            f.rows = _compact(fr[KEEP_FOR_TRUTH])
            world.files.append(f)
        note(f"layout {layout}: {len(lr):,} rows")
    from csas_graph.synth.other_files import anpr_files, cell_files, opencellid_file, subscriber_file

    others: list[OutFile] = []
    if "cells" in chosen:
        others += cell_files(world)
    if "anpr" in chosen:
        others += anpr_files(world, rngs[15])
    if "subscribers" in chosen:
        others.append(subscriber_file(world))
    if "opencellid" in chosen:
        others.append(opencellid_file(world, np.random.default_rng(np.random.SeedSequence(seed).spawn(17)[16])))
    world.files = others + world.files
    return world


def _compact(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows kept for truth.json, small: text columns as categories, numbers as int32 where
    they fit (times stay int64)."""
    out: dict[str, pd.Series] = {}
    for col in rows.columns:
        values = rows[col]
        if values.dtype == object or str(values.dtype) == "str":
            out[col] = values.astype("category")
        elif col not in ("t", "eid"):
            out[col] = values.astype(np.int32)
        else:
            out[col] = values
    return pd.DataFrame(out)


def _suppress(ev: pd.DataFrame, meets: list[tuple[int, int, int, int, int]]) -> pd.DataFrame:
    """Remove routine events of the meeting pair around each meeting (they are out, not home)."""
    keep = np.ones(len(ev), dtype=bool)
    a, b, t = ev["a"].to_numpy(), ev["b"].to_numpy(), ev["t"].to_numpy()
    end = t + ev["dur"].to_numpy()
    for pa, pb, _d, t0, t1 in meets:
        near = (end >= t0 - 5400) & (t <= t1 + 5400)
        keep &= ~(near & (np.isin(a, [pa, pb]) | np.isin(b, [pa, pb])))
    return ev.loc[keep].reset_index(drop=True)


def _plant_dst(rng: np.random.Generator, pop: Population) -> pd.DataFrame:
    """SMS at local times that are ambiguous (27 Oct 01:xx) or non-existent (31 Mar 01:xx).

    They are placed on associates whose records for that segment are in layout a (two of
    each) and layout c (one of each). The gap rows are written with the UTC clock (the
    operator's clock did not spring forward), so read as GMT they give the true instant.
    """
    amb_t = {"a": [epoch(2024, 10, 27, 0, 20), epoch(2024, 10, 27, 1, 40)], "c": [epoch(2024, 10, 27, 0, 35)]}
    gap_t = {"a": [epoch(2024, 3, 31, 1, 10), epoch(2024, 3, 31, 1, 45)], "c": [epoch(2024, 3, 31, 1, 25)]}
    cands = np.array(pop.targets[8:])
    frames = []
    cov = pop.phones["covered"].to_numpy()
    for tag, table in (("dst_amb", amb_t), ("dst_gap", gap_t)):
        for layout, ts in table.items():
            t = np.array(ts)
            lay = layout_for(pop, cands, np.full(len(cands), t[0]))
            who = int(cands[np.flatnonzero(lay == layout)[0]])
            others = [int(c) for c in pop.contacts[who] if not cov[c]][: len(t)]
            frames.append(
                make_events(
                    ["sms"] * len(t), t + rng.integers(0, 60, len(t)), [0] * len(t), others, [who] * len(t), tag
                )
            )
    return pd.concat(frames, ignore_index=True)


def _pick_missing(rng: np.random.Generator, pop: Population, town: Town, reconf) -> list[int]:
    """Three cells used by targets' leisure time but absent from every cell list."""
    ph = pop.phones
    cov = ph["covered"].to_numpy()
    used = np.unique(ph.loc[cov, ["leisure0", "leisure1", "leisure2"]].to_numpy())
    avoid = set(ph.loc[cov, "home"]) | set(ph.loc[cov, "work"]) | set(town.road_cells.tolist())
    avoid |= set(town.cameras["cell"].tolist()) | {c for c, *_ in reconf}
    for m in pop.meeting_cells:
        avoid |= {m - m % 3, m - m % 3 + 1, m - m % 3 + 2}
    avoid |= {int(town.neighbour[h]) for h in ph.loc[cov, "home"]}
    cands = np.array(sorted(set(used.tolist()) - avoid))
    return sorted(int(c) for c in rng.choice(cands, size=3, replace=False))


def _lookup(pop: Population, town: Town, missing: list[int], reconf) -> L.Lookup:
    c = town.cells
    miss = np.zeros(len(c), dtype=bool)
    miss[missing] = True
    return L.Lookup(
        e164=pop.phones["e164"].to_numpy(),
        kind=pop.phones["kind"].to_numpy(),
        cell_cgi=c["cgi"].to_numpy(),
        cell_name=c["site_name"].to_numpy(),
        cell_address=c["address"].to_numpy(),
        cell_postcode=c["postcode"].to_numpy(),
        cell_gen=c["generation"].to_numpy(),
        cell_e=c["easting"].astype(int).to_numpy(),
        cell_n=c["northing"].astype(int).to_numpy(),
        cell_lat=c["lat"].to_numpy(),
        cell_lon=c["lon"].to_numpy(),
        cell_az=c["azimuth"].astype(int).to_numpy(),
        cell_missing=miss,
        cell_mcc=c["mcc"].to_numpy(),
        cell_mnc=c["mnc"].to_numpy(),
        cell_lac=c["lac"].to_numpy(),
        cell_ci=c["ci"].to_numpy(),
        cell_enb=c["enb"].to_numpy(),
        cell_sector=c["sector"].to_numpy(),
        cell_tech=c["tech"].to_numpy(),
        reconfig={cell: (when, new) for cell, when, _old, new in reconf},
    )


HEADERS = {"a": L.HEADER_A, "b": L.HEADER_B, "c": L.HEADER_C, "d": L.HEADER_D, "e": L.HEADER_E, "f": L.HEADER_F}
RENDER_CHUNK = 100_000


def _chunks(fr: pd.DataFrame) -> list[tuple[int, int]]:
    """Row ranges rendered and written at a time; a duplicate copy stays with its original."""
    kinds = fr["row_kind"].to_numpy()
    bounds = [0]
    while bounds[-1] + RENDER_CHUNK < len(fr):
        b = bounds[-1] + RENDER_CHUNK
        while b < len(fr) and kinds[b] == "dup":
            b += 1
        bounds.append(b)
    bounds.append(len(fr))
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


def _render(
    layout: str, part: pd.DataFrame, lk: L.Lookup, rng: np.random.Generator, opaque: np.ndarray, row0: int
) -> pd.DataFrame:
    if layout == "a":
        text = L.render_a(part, lk, row0)
    elif layout == "b":
        text = L.render_b(part, lk)
    elif layout == "c":
        text = L.render_c(part, lk, rng)
    elif layout == "d":
        text = L.render_d(part, lk)
    elif layout == "e":
        text = L.render_e(part, lk)
    else:
        text = L.render_f(part, lk, opaque)
    return patch(layout, text, part)


def _write_cdr(
    out: Path,
    layout: str,
    name: str,
    fr: pd.DataFrame,
    lk: L.Lookup,
    pop: Population,
    rng: np.random.Generator,
    opaque: np.ndarray,
    seed: int,
    summary: bool,
) -> OutFile:
    """Render and write one CDR file a chunk at a time (memory bounded by the chunk's text)."""
    from csas_graph.synth.writers import CsvSink, XlsxSink

    header = HEADERS[layout]
    f = OutFile(name=name, layout=layout, kind="cdr", template=TEMPLATES[layout], text=pd.DataFrame(columns=header))
    if layout == "a":
        target = str(pop.phones["e164"].to_numpy()[int(fr["persp"].to_numpy()[0])])
        f.preamble = _preamble(national(target), len(fr), seed, len(header))
        f.first_line = len(f.preamble) + 2
    if summary:
        f.trailer = [[f"Total records: {len(fr)}"] + [""] * (len(header) - 1)]
    sink: CsvSink | XlsxSink
    if name.endswith(".xlsx"):
        info = pd.DataFrame({"Field": ["Case", "Produced", "Rows"], "Value": ["Synthetic", "12/11/2024", str(len(fr))]})
        sink = XlsxSink(out / name, [("Case Info", info)], "Telephony", header)
    else:
        sink = CsvSink(out / name, header, f.preamble, f.bom, f.crlf)
    for start, stop in _chunks(fr):
        sink.write(_render(layout, fr.iloc[start:stop].reset_index(drop=True), lk, rng, opaque, start))
    sink.close(f.trailer)
    return f


def _preamble(target: str, n: int, seed: int, width: int) -> list[str]:
    """About 16 metadata rows, a blank row (then the header), as in the UK fixture."""
    items = [
        ("URN:", f"IR{seed % 1_000_000:06d}"),
        ("Grade:", "OFFICIAL-SENSITIVE"),
        ("Target identity:", target),
        ("CSP:", "Synthetic Mobile Ltd"),
        ("CSP reference:", f"SYN-{target[-6:]}"),
        ("Request type:", "Call data including cell site"),
        ("Period from:", "18/03/2024"),
        ("Period to:", "07/11/2024"),
        ("Times:", "Local (Europe/London)"),
        ("Requesting officer:", "DC 0000 SYNTHETIC"),
        ("Force:", "Synthetic Constabulary"),
        ("Authorised by:", "DI 0000 SYNTHETIC"),
        ("Date of request:", "08/11/2024"),
        ("Date produced:", "12/11/2024"),
        ("Number of records:", str(n)),
        ("Notes:", "Synthetic test data: not real people or networks"),
    ]
    return [f"{k},,,,{v}" for k, v in items] + [""]


def _write(out: Path, f: OutFile) -> None:
    """Write a small (non-CDR) file whole."""
    from csas_graph.synth.writers import write_csv

    write_csv(out / f.name, f.text, preamble=f.preamble, trailer=f.trailer, bom=f.bom, crlf=f.crlf)
