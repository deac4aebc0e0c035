"""ANPR: which phone travels with which vehicle (and back), and vehicles in convoy."""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from csas_graph.analyses._common import (
    EPOCH,
    CellIndex,
    DataVersion,
    Key,
    WindowParams,
    data_version,
    evidence,
    haversine_m,
    iso,
    kept,
    read_fast,
    unpack,
)
from csas_graph.analyses.base import AnalysisResult
from csas_graph.analyses.summaries import PRESENCE, summary_state, summary_usable
from csas_graph.errors import NotFound
from csas_graph.graph_store import GraphStore

Row = dict[str, Any]
PROBE_CHUNK = 2000
PROBE_FIELDS = {
    "analyses/sightings_at_cells": ("probe", "number", "event_id", "t", "cell"),
    "analyses/reads_at_cameras": ("probe", "vrm", "event_id", "t", "camera"),
}


def _merged_windows(times: list[datetime], delta: timedelta) -> list[tuple[datetime, datetime]]:
    spans: list[list[datetime]] = []
    for t in sorted(times):
        if spans and t - delta <= spans[-1][1]:
            spans[-1][1] = t + delta
        else:
            spans.append([t - delta, t + delta])
    return [(a, b) for a, b in spans]


def _vehicle_reads(store: GraphStore, case_id: str, vrm: str, since: datetime, until: datetime) -> list[Row]:
    rows = read_fast(store, "analyses/vehicle_reads", case_id=case_id, vrm=vrm, since=since, until=until)
    return unpack(rows[0] if rows else None, ("event_id", "t", "camera"))


_KEPT_CAMERAS: dict[tuple[str, str, DataVersion], dict[str, tuple[float, float]]] = {}


def _cameras(store: GraphStore, case_id: str, version: DataVersion | None) -> dict[str, tuple[float, float]]:
    """Located cameras of the case; kept per process while the case's data ``version`` holds."""

    def load() -> dict[str, tuple[float, float]]:
        rows = read_fast(store, "analyses/cameras", case_id=case_id)
        return {r["camera"]: (r["lat"], r["lon"]) for r in rows if r["lat"] is not None}

    return kept(_KEPT_CAMERAS, store, case_id, version, load)


def _read_columns(store: GraphStore, name: str, case_id: str, probes: list[Row]) -> dict[str, list[Any]]:
    """The parallel lists a probe query returns, over every chunk of probes (in no particular order)."""
    out: dict[str, list[Any]] = {f: [] for f in PROBE_FIELDS[name]}
    for i in range(0, len(probes), PROBE_CHUNK):
        rows = read_fast(store, name, case_id=case_id, probes=probes[i : i + PROBE_CHUNK])
        for f, values in (rows[0] if rows else {}).items():
            out[f] += values
    return out


def _ms(value: timedelta) -> int:
    return value // timedelta(milliseconds=1)


def _matches(
    reads: list[Row],
    near: dict[str, list[str]],
    found: dict[str, list[Any]],
    all_cells: list[str],
    delta_ms: int,
    min_support: int,
) -> dict[str, Row]:
    """Per phone, the reads it matched and its sightings that matched them (phones matching ``min_support`` reads).

    A read at camera K, time t is matched by a sighting at a cell near K with a time within
    ±Δ of t. Every (sighting, read) pair within Δ is listed with two ``searchsorted`` calls over
    the reads' times and kept where the sighting's cell is near the read's camera.
    """
    cell_code = {c: i for i, c in enumerate(all_cells)}
    camera_code = {k: i for i, k in enumerate(sorted(near))}
    near_mask = np.zeros((len(camera_code) + 1, len(all_cells) + 1), dtype=bool)  # last row: cameras not located
    for cam, i in camera_code.items():
        near_mask[i, [cell_code[c] for c in near[cam]]] = True
    read_t = np.array([_ms(r["t"] - EPOCH) for r in reads], dtype=np.int64)  # reads come in time order
    read_cam = np.array([camera_code.get(r["camera"], len(camera_code)) for r in reads], dtype=np.int64)
    seen_t = np.asarray(found["t"], dtype=np.int64)
    seen_cell = np.array([cell_code.get(c, len(all_cells)) for c in found["cell"]], dtype=np.int64)
    lo = np.searchsorted(read_t, seen_t - delta_ms, side="left")
    n = np.searchsorted(read_t, seen_t + delta_ms, side="right") - lo
    seen = np.repeat(np.arange(len(seen_t)), n)
    read = np.repeat(lo - np.cumsum(n) + n, n) + np.arange(int(n.sum()))
    hit = near_mask[read_cam[read], seen_cell[seen]]
    seen, read = seen[hit], read[hit]
    phone = np.asarray(pd.factorize(np.asarray(found["number"], dtype=object))[0])[seen] if len(seen) else seen
    candidates: dict[str, Row] = {}
    ids = found["event_id"]
    order = np.argsort(phone, kind="stable")
    for group in np.split(order, np.flatnonzero(np.diff(phone[order])) + 1) if len(order) else []:
        matched_reads = {reads[i]["event_id"] for i in read[group].tolist()}
        if len(matched_reads) >= min_support:
            candidates[found["number"][int(seen[group[0]])]] = {
                "reads": matched_reads,
                "sightings": {ids[i] for i in seen[group].tolist()},
            }
    return candidates


def _read_chunks(store: GraphStore, name: str, case_id: str, probes: list[Row]) -> list[Row]:
    """:func:`_read_columns` as rows, times as datetimes."""
    return unpack(_read_columns(store, name, case_id, probes), PROBE_FIELDS[name])


def whole_hours(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    """The clock hours [since, until] touches: from the start of since's hour to the last millisecond of until's."""
    start = since.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    end = until.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1, milliseconds=-1)
    return start, end


def sighting_counts(
    store: GraphStore,
    case_id: str,
    keys: list[str],
    cells: list[str],
    since: datetime,
    until: datetime,
    state: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Distinct sightings of each number at any of ``cells`` in the whole hours [since, until] touches (the exposure).

    Counted over :func:`whole_hours`, so that the PRESENCE summary answers exactly from its per-hour
    cumulative counts (sightings at the cells less the events seen there twice, first and last),
    with no de-duplication over event ids and nothing read at the window's edges (2 s -> ~20 ms at
    1M rows). When the summary is unusable, or a number's span is shorter than its events' longest
    first-to-last gap, those numbers are counted from the events over the same hours; both give
    the same counts. ``state``: the PRESENCE :func:`~.summaries.summary_state` already read.
    """
    if not keys or not cells:
        return {}
    start, end = whole_hours(since, until)
    counts: dict[str, int | None] = dict.fromkeys(keys)
    if summary_usable(store, case_id, PRESENCE, state):
        rows = read_fast(
            store,
            "analyses/summary/presence_counts",
            case_id=case_id,
            keys=keys,
            cells=cells,
            lo_hour=(start - EPOCH) // timedelta(hours=1),
            hi_hour=(end - EPOCH) // timedelta(hours=1),
        )
        counts.update((r["number"], r["sightings"]) for r in rows)
    rest = sorted(k for k, n in counts.items() if n is None)
    if rest:
        rows = read_fast(
            store, "analyses/sighting_counts_at_cells", case_id=case_id, keys=rest, cells=cells, since=start, until=end
        )
        counts.update((k, 0) for k in rest)
        counts.update((r["number"], r["sightings"]) for r in rows)
    return {k: n for k, n in counts.items() if n}


def ochiai(matched_a: int, total_a: int, matched_b: int, total_b: int) -> float:
    """sqrt(share of A's events matched × share of B's events matched): 1 = always together."""
    if not total_a or not total_b:
        return 0.0
    return round(math.sqrt((matched_a / total_a) * (min(matched_b, total_b) / total_b)), 6)


class AnprParams(WindowParams):
    vrm: str | None = Field(None, description="Vehicle registration: rank phones travelling with it.")
    number: Key | None = Field(None, description="Phone number: rank vehicles travelling with it (the reverse).")
    radius_m: float = Field(1000, gt=0, le=20_000, description="Cells with sites within R metres of the camera.")
    window_minutes: float = Field(10, gt=0, le=240, description="Sightings within ±Δt minutes of a read.")
    min_support: int = Field(2, ge=1, le=1_000_000, description="Least number of matched reads (or sightings) to list.")
    limit: int = Field(20, ge=1, le=10_000, description="Most candidates listed.")

    @model_validator(mode="after")
    def _one(self) -> AnprParams:
        if (self.vrm is None) == (self.number is None):
            raise ValueError("give exactly one of vrm or number")
        if self.vrm is not None:
            object.__setattr__(self, "vrm", self.vrm.upper().replace(" ", ""))
        return self


def anpr_association(store: GraphStore, case_id: str, p: AnprParams) -> AnalysisResult:
    """Rank phones seen near a vehicle's ANPR reads (or vehicles near a phone's sightings).

    Method
    ------
    For a vehicle: each read at camera K and time t is *matched* by a phone when the phone has
    a sighting at a cell whose site lies within ``radius_m`` of K, within ±``window_minutes``
    of t. ``support`` counts matched reads. Because a phone that merely lives beside a busy
    road is matched by chance, the score is the Ochiai coefficient
    ``sqrt(matched reads / all reads × matched sightings / exposure)``, where ``exposure`` is
    the phone's sightings at those same cells over the whole clock hours of the reads' span
    (first read − Δt to last read + Δt, within the window; ``exposure_window`` gives the hours):
    a phone seen there all the time without the vehicle scores low. The reverse (a number) is
    symmetric: vehicles' reads at cameras within R of the phone's cells, exposure = that
    vehicle's reads at those cameras. Ranked by score, support, then key.

    Parameters
    ----------
    store, case_id
        The graph and the case whose data is read (nothing else is).
    p : AnprParams
        Validated parameters; every field is documented on the model
        (``csas analyse --list``, the API's OpenAPI schema).

    Limitations
    -----------
    A phone used the cell *at or before* the time shown; a cell is an area, not a point; a
    camera reads a plate, not a driver. Association is co-movement, not possession.
    """
    since, until = p.window()
    delta = timedelta(minutes=p.window_minutes)
    # one read tells whether the presence summary is usable and which cells and cameras are current
    state = summary_state(store, case_id, PRESENCE)
    version = data_version(state)
    cells = CellIndex.load(store, case_id, version)
    cameras = _cameras(store, case_id, version)
    if p.vrm is not None:
        rows, extra = _phones_for_vehicle(store, case_id, p, cells, cameras, since, until, delta, state)
    else:
        rows, extra = _vehicles_for_phone(store, case_id, p, cells, cameras, since, until, delta)
    return AnalysisResult("anpr-association", case_id, p.model_dump(mode="json"), rows[: p.limit], extra=extra)


def _phones_for_vehicle(
    store: GraphStore,
    case_id: str,
    p: AnprParams,
    cells: CellIndex,
    cameras: dict[str, tuple[float, float]],
    since: datetime,
    until: datetime,
    delta: timedelta,
    state: dict[str, Any],
) -> tuple[list[Row], Row]:
    assert p.vrm is not None
    reads = _vehicle_reads(store, case_id, p.vrm, since, until)
    if not reads:
        raise NotFound(f"vehicle {p.vrm} has no ANPR reads in case {case_id} in that window", field="vrm")
    near: dict[str, list[str]] = {
        cam: cells.near_point(*cameras[cam], p.radius_m) for cam in {r["camera"] for r in reads} if cam in cameras
    }
    all_cells = sorted({c for cs in near.values() for c in cs})
    # one time-index scan per stretch of reads at any camera, for the cells near any of them: the windows of a
    # trip's cameras overlap, and per-camera probes read the same sightings again; each read's own cells are
    # checked below, so the extra sightings change nothing
    stretches = _merged_windows([r["t"] for r in reads if near.get(r["camera"])], delta)
    probes = [{"probe": i, "cells": all_cells, "since": a, "until": b} for i, (a, b) in enumerate(stretches)]
    found = _read_columns(store, "analyses/sightings_at_cells", case_id, probes)
    candidates = _matches(reads, near, found, all_cells, _ms(delta), p.min_support)
    span = whole_hours(max(since, reads[0]["t"] - delta), min(until, reads[-1]["t"] + delta))
    exposure = sighting_counts(store, case_id, sorted(candidates), all_cells, span[0], span[1], state)
    read_by_id = {r["event_id"]: r for r in reads}
    rows = []
    for phone, c in candidates.items():
        exp = max(exposure.get(phone, 0), len(c["sightings"]))
        matched = [read_by_id[i] for i in c["reads"]]
        rows.append(
            {
                "vrm": p.vrm,
                "number": phone,
                "support": len(c["reads"]),
                "reads": len(reads),
                "matched_sightings": len(c["sightings"]),
                "exposure_sightings": exp,
                "score": ochiai(len(c["reads"]), len(reads), len(c["sightings"]), exp),
                "cameras": sorted({r["camera"] for r in matched}),
                "first": iso(min(r["t"] for r in matched)),
                "last": iso(max(r["t"] for r in matched)),
                **evidence(c["reads"] | c["sightings"]),
            }
        )
    rows.sort(key=lambda r: (-r["score"], -r["support"], r["number"]))
    return rows, {"reads": len(reads), "candidates": len(rows), "exposure_window": [iso(span[0]), iso(span[1])]}


def _vehicles_for_phone(
    store: GraphStore,
    case_id: str,
    p: AnprParams,
    cells: CellIndex,
    cameras: dict[str, tuple[float, float]],
    since: datetime,
    until: datetime,
    delta: timedelta,
) -> tuple[list[Row], Row]:
    from csas_graph.analyses.colocation import fetch_sightings

    assert p.number is not None
    sightings = list(fetch_sightings(store, case_id, [p.number], since, until, cells)[p.number])
    if not sightings:
        raise NotFound(f"number {p.number} has no sightings in case {case_id} in that window", field="number")
    cams_near: dict[str, list[str]] = {}
    for cell in {s["cell"] for s in sightings}:
        if cell in cells.loc:
            lat, lon = cells.loc[cell]
            cams_near[cell] = sorted(k for k, (a, b) in cameras.items() if haversine_m(lat, lon, a, b) <= p.radius_m)
    probes: list[Row] = []
    for cell, cams in sorted(cams_near.items()):
        if cams:
            for a, b in _merged_windows([s["t"] for s in sightings if s["cell"] == cell], delta):
                probes.append({"probe": len(probes), "cameras": cams, "since": a, "until": b})
    reads = _read_chunks(store, "analyses/reads_at_cameras", case_id, probes)
    by_vehicle: dict[str, dict[str, Row]] = defaultdict(dict)
    for r in reads:
        by_vehicle[r["vrm"]][r["event_id"]] = r
    candidates: dict[str, Row] = {}
    for vrm, rs_by_id in by_vehicle.items():
        rs = sorted(rs_by_id.values(), key=lambda r: r["t"])
        times = [r["t"] for r in rs]
        matched_s: set[str] = set()
        matched_r: set[str] = set()
        for s in sightings:
            ok = set(cams_near.get(s["cell"], ()))
            lo, hi = bisect.bisect_left(times, s["t"] - delta), bisect.bisect_right(times, s["t"] + delta)
            hit = [r for r in rs[lo:hi] if r["camera"] in ok]
            if hit:
                matched_s.add(s["event_id"])
                matched_r.update(r["event_id"] for r in hit)
        if len(matched_s) >= p.min_support:
            candidates[vrm] = {"sightings": matched_s, "reads": matched_r, "rows": rs}
    all_cams = sorted({c for cs in cams_near.values() for c in cs})
    span = (max(since, sightings[0]["t"] - delta), min(until, sightings[-1]["t"] + delta))
    exposure = {
        r["vrm"]: r["reads"]
        for r in read_fast(
            store,
            "analyses/read_counts_at_cameras",
            case_id=case_id,
            vrms=sorted(candidates),
            cameras=all_cams,
            since=span[0],
            until=span[1],
        )
    }
    n_sightings = len({s["event_id"] for s in sightings})
    rows = []
    for vrm, c in candidates.items():
        exp = max(exposure.get(vrm, 0), len(c["reads"]))
        matched = [r for r in c["rows"] if r["event_id"] in c["reads"]]
        rows.append(
            {
                "number": p.number,
                "vrm": vrm,
                "support": len(c["sightings"]),
                "sightings": n_sightings,
                "matched_reads": len(c["reads"]),
                "exposure_reads": exp,
                "score": ochiai(len(c["sightings"]), n_sightings, len(c["reads"]), exp),
                "cameras": sorted({r["camera"] for r in matched}),
                "first": iso(min(r["t"] for r in matched)),
                "last": iso(max(r["t"] for r in matched)),
                **evidence(c["sightings"] | c["reads"]),
            }
        )
    rows.sort(key=lambda r: (-r["score"], -r["support"], r["vrm"]))
    return rows, {"sightings": n_sightings, "candidates": len(rows), "exposure_window": [iso(span[0]), iso(span[1])]}


# ---------------------------------------------------------------------------------- convoy
class ConvoyParams(WindowParams):
    vrm: str = Field(..., description="The vehicle whose companions are sought.")
    window_minutes: float = Field(5, gt=0, le=120, description="Reads at one camera within ±Δt minutes.")
    min_cameras: int = Field(3, ge=1, le=1_000_000, description="Least number of distinct cameras shared.")

    @model_validator(mode="after")
    def _norm(self) -> ConvoyParams:
        object.__setattr__(self, "vrm", self.vrm.upper().replace(" ", ""))
        return self


def convoy(store: GraphStore, case_id: str, p: ConvoyParams) -> AnalysisResult:
    """Vehicles read at the same cameras as a vehicle within ±Δt, at at least k distinct cameras.

    Method
    ------
    For each read of the vehicle, reads of other vehicles at the same camera within
    ±``window_minutes`` are co-reads; vehicles with co-reads at at least ``min_cameras``
    distinct cameras are listed, ranked by cameras, co-reads, then registration.

    Limitations
    -----------
    Busy roads produce chance co-reads at one or two cameras; the distinct-camera threshold is
    what separates travelling together from sharing a route once. Cameras miss plates.
    """
    since, until = p.window()
    delta = timedelta(minutes=p.window_minutes)
    reads = _vehicle_reads(store, case_id, p.vrm, since, until)
    if not reads:
        raise NotFound(f"vehicle {p.vrm} has no ANPR reads in case {case_id} in that window", field="vrm")
    probes: list[Row] = []
    for cam in sorted({r["camera"] for r in reads}):
        for a, b in _merged_windows([r["t"] for r in reads if r["camera"] == cam], delta):
            probes.append({"probe": len(probes), "cameras": [cam], "since": a, "until": b})
    others = _read_chunks(store, "analyses/reads_at_cameras", case_id, probes)
    by_vehicle: dict[str, list[Row]] = defaultdict(list)
    for r in others:
        if r["vrm"] != p.vrm:
            by_vehicle[r["vrm"]].append(r)
    rows = []
    for vrm, rs in by_vehicle.items():
        pairs = [
            (mine, theirs)
            for mine in reads
            for theirs in rs
            if theirs["camera"] == mine["camera"] and abs(theirs["t"] - mine["t"]) <= delta
        ]
        cams = {m["camera"] for m, _ in pairs}
        if len(cams) < p.min_cameras:
            continue
        ids = {m["event_id"] for m, _ in pairs} | {t["event_id"] for _, t in pairs}
        rows.append(
            {
                "vrm": p.vrm,
                "other_vrm": vrm,
                "cameras": len(cams),
                "camera_ids": sorted(cams),
                "co_reads": len({t["event_id"] for _, t in pairs}),
                "first": iso(min(m["t"] for m, _ in pairs)),
                "last": iso(max(m["t"] for m, _ in pairs)),
                **evidence(ids),
            }
        )
    rows.sort(key=lambda r: (-r["cameras"], -r["co_reads"], r["other_vrm"]))
    return AnalysisResult("convoy", case_id, p.model_dump(mode="json"), rows, extra={"reads": len(reads)})
