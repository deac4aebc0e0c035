"""Co-location (who met whom, where) and tower dumps / multi-scene presence."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from csas_graph.analyses._common import (
    EPOCH,
    EVIDENCE_CAP,
    AnalysisParams,
    CellIndex,
    KeyList,
    SupernodeParams,
    case_timezone,
    classify_supernodes,
    evidence,
    excluded_list,
    iso,
    iso_local,
    read_data_version,
    read_fast,
    to_utc,
    unpack,
)
from csas_graph.analyses.base import AnalysisResult
from csas_graph.errors import InvalidInput
from csas_graph.graph_store import GraphStore

Sighting = dict[str, Any]
AT_CELLS_FIELDS = ("probe", "number", "event_id", "t", "cell")


SIGHTING_FIELDS = ("event_id", "t", "type", "role", "imei", "cell")
CELL_FIELDS = ("cgi", "resolved", "lat", "lon", "azimuth", "beamwidth", "site_name")


def fetch_sightings(
    store: GraphStore, case_id: str, keys: list[str], since: datetime, until: datetime, cells: CellIndex
) -> dict[str, list[Sighting]]:
    """Sightings per number, in time order, each with an aware ``t`` and its cell's geometry."""
    by_number: dict[str, list[Sighting]] = {k: [] for k in keys}
    if not keys:
        return by_number
    rows = read_fast(store, "analyses/sightings", case_id=case_id, keys=sorted(keys), since=since, until=until)
    for r in rows:
        number = r["number"]
        out = unpack(r, SIGHTING_FIELDS, nullable=("type", "role", "imei"))
        for s in out:
            s["number"] = number
            info = cells.info.get(s["cell"], {})
            for f in CELL_FIELDS:
                s[f] = info.get(f)
        by_number[number] = out
    return by_number


class PlaceIndex:
    """One number's sightings grouped by cell, each group in time order (for fast pair joins)."""

    def __init__(self, sightings: list[Sighting]):
        self.by_cell: dict[str, list[Sighting]] = defaultdict(list)
        for s in sightings:
            self.by_cell[s["cell"]].append(s)
        self.times = {c: [s["t"] for s in ss] for c, ss in self.by_cell.items()}


def fetch_places(
    store: GraphStore, case_id: str, keys: list[str], since: datetime, until: datetime
) -> dict[str, list[Sighting]]:
    """Like :func:`fetch_sightings` with only event id, time and cell (what co-location needs)."""
    by_number: dict[str, list[Sighting]] = {k: [] for k in keys}
    if keys:
        rows = read_fast(
            store, "analyses/sighting_places", case_id=case_id, keys=sorted(keys), since=since, until=until
        )
        for r in rows:
            by_number[r["number"]] = unpack(r, ("event_id", "t", "cell"))
    return by_number


def find_hits(
    a_list: list[Sighting] | PlaceIndex,
    b_list: list[Sighting] | PlaceIndex,
    cells: CellIndex,
    radius_m: float,
    delta: timedelta,
) -> list[dict[str, Any]]:
    """Pairs of sightings (one of each) within ``delta`` of each other at cells within ``radius_m``.

    Both sides are grouped by cell; only cell pairs that are near each other are swept, each
    with two time-ordered lists merged in one pass.
    """
    a = a_list if isinstance(a_list, PlaceIndex) else PlaceIndex(a_list)
    b = b_list if isinstance(b_list, PlaceIndex) else PlaceIndex(b_list)
    hits = []
    for ca, a_sightings in a.by_cell.items():
        for cb in cells.near_cell(ca, radius_m):
            b_sightings = b.by_cell.get(cb)
            if not b_sightings:
                continue
            b_times = b.times[cb]
            lo = 0
            for sa in a_sightings:
                t = sa["t"]
                while lo < len(b_times) and b_times[lo] < t - delta:
                    lo += 1
                hi = lo
                while hi < len(b_times) and b_times[hi] <= t + delta:
                    sb = b_sightings[hi]
                    hits.append({"a": sa, "b": sb, "t": min(t, sb["t"]), "t_end": max(t, sb["t"])})
                    hi += 1
    hits.sort(key=lambda h: (h["t"], h["a"]["event_id"], h["b"]["event_id"], h["b"]["cell"]))
    return hits


def merge_episodes(hits: list[dict[str, Any]], gap: timedelta) -> list[list[dict[str, Any]]]:
    """Consecutive hits no more than ``gap`` apart form one meeting episode."""
    episodes: list[list[dict[str, Any]]] = []
    end: datetime | None = None
    for h in hits:
        if end is not None and h["t"] <= end + gap:
            episodes[-1].append(h)
            end = max(end, h["t_end"])
        else:
            episodes.append([h])
            end = h["t_end"]
    return episodes


def episode_row(a: str, b: str, hits: list[dict[str, Any]], cells: CellIndex, tz: Any) -> dict[str, Any]:
    a_events = {h["a"]["event_id"] for h in hits}
    b_events = {h["b"]["event_id"] for h in hits}
    start = min(h["t"] for h in hits)
    end = max(h["t_end"] for h in hits)
    cell_keys = sorted({h["a"]["cell"] for h in hits} | {h["b"]["cell"] for h in hits})
    distances = [cells.distance_m(h["a"]["cell"], h["b"]["cell"]) for h in hits]
    return {
        "a": a,
        "b": b,
        "start": iso(start),
        "end": iso(end),
        "start_local": iso_local(start, tz),
        "duration_s": int((end - start).total_seconds()),
        "cells": cell_keys,
        "same_cell": any(h["a"]["cell"] == h["b"]["cell"] for h in hits),
        "max_distance_m": round(max((d for d in distances if d is not None), default=0.0), 1),
        "a_events": len(a_events),
        "b_events": len(b_events),
        "support": len(a_events | b_events),
        # both phones must be there: the rarer side's sightings bound the evidence of a meeting
        "strength": min(len(a_events), len(b_events)),
        **evidence(a_events | b_events),
    }


class CoLocationParams(SupernodeParams):
    numbers: KeyList = Field(..., min_length=1, description="Target numbers: a pair, a set (all pairs) or one.")
    with_anyone: bool = Field(
        False, description="Everyone seen with each target instead of pairs among the targets (implied by one number)."
    )
    radius_m: float = Field(0, ge=0, le=50_000, description="Cells whose sites lie within R metres count as together.")
    window_minutes: float = Field(15, gt=0, le=24 * 60, description="Sightings within ±Δt minutes count as together.")
    gap_minutes: float = Field(60, ge=0, le=525_600, description="Hits no more than this apart merge into one episode.")
    min_strength: int = Field(
        1, ge=1, le=1_000_000, description="Drop episodes where either phone has fewer supporting events."
    )
    routine_share: float = Field(
        0.1,
        gt=0,
        le=1,
        description="An episode is routine when a phone has at least this share of its sightings at that place.",
    )
    exclude_routine: bool = Field(False, description="Drop routine episodes (shared home, workplace).")
    limit: int = Field(1000, ge=1, le=100_000, description="Most episodes listed.")


def co_location(store: GraphStore, case_id: str, p: CoLocationParams, *, vectorised: bool = True) -> AnalysisResult:
    """Meeting episodes: two numbers seen at the same cell, or cells within R metres, within ±Δt.

    Method
    ------
    A *hit* is one sighting of each number, at most ``window_minutes`` apart, at the same cell
    or at cells whose sites lie within ``radius_m`` (an unresolved cell only matches its own
    CGI). Hits of one pair no more than ``gap_minutes`` apart are merged into an episode with
    start, end, cells, supporting events per side and ``strength`` = the smaller side's count
    (both phones must be there). ``place_share_a/b`` is the share of each phone's sightings in
    the window at the episode's place (its cells and co-sited cells); an episode is ``routine``
    when either share reaches ``routine_share`` (a shared home or workplace rather than a
    meeting) and ``exclude_routine`` drops those. Episodes are ranked by strength, support, then start. For a
    set of targets every pair is examined; with one target (or ``with_anyone``) every number
    sighted near that target's sightings is.

    Pairs among targets are joined in numpy: the targets' sightings in the window are fetched
    once, grouped per cell, and each near cell pair is joined with ``searchsorted``. The rows are
    those of the per-sighting sweep (``vectorised=False``, kept as the reference).

    Parameters
    ----------
    store, case_id
        The graph and the case whose data is read (nothing else is).
    p : CoLocationParams
        Validated parameters; every field is documented on the model
        (``csas analyse --list``, the API's OpenAPI schema).

    Limitations
    -----------
    A phone used the cell *at or before* the time shown; a cell is an area, not a point, and
    two phones on one cell may be kilometres apart. Co-location is consistent with a meeting,
    not proof of one. Busy cells produce chance hits: read ``strength`` and repeated episodes.
    """
    since, until = p.window()
    delta = timedelta(minutes=p.window_minutes)
    gap = timedelta(minutes=p.gap_minutes)
    tz = case_timezone(store, case_id)
    cells = CellIndex.load(store, case_id, read_data_version(store, case_id))
    targets = sorted(set(p.numbers))
    pair_only = not (p.with_anyone or len(targets) == 1)
    if pair_only and vectorised:
        rows = _co_location_vectorised(store, case_id, p, targets, cells, tz)
        return _co_location_result(case_id, p, rows, {}, len(targets) * (len(targets) - 1) // 2, tz)
    sightings = fetch_places(store, case_id, targets, since, until)
    excluded: dict[str, dict[str, Any]] = {}
    pairs: list[tuple[str, str]] = []
    if p.with_anyone or len(targets) == 1:
        others = _sightings_near(store, case_id, sightings, cells, p.radius_m, delta)
        if not p.include_supernodes:
            excluded = classify_supernodes(store, case_id, others, p.max_degree or 0)
        for t in targets:
            for o in sorted(others):
                if o not in targets and o not in excluded:
                    sightings.setdefault(o, others[o])
                    pairs.append((t, o))
    else:
        pairs = list(combinations(targets, 2))
    # place shares are only known for numbers whose every sighting in the window was fetched
    cell_counts = {n: Counter(s["cell"] for s in sightings[n]) for n in targets}
    rows = []
    places: dict[str, PlaceIndex] = {}
    reach: dict[str, set[str]] = {}  # every cell near any of a number's sightings
    for a, b in pairs:
        for n in (a, b):
            if n not in places:
                places[n] = PlaceIndex(sightings[n])
        if a not in reach:
            reach[a] = {c for cell in places[a].by_cell for c in cells.near_cell(cell, p.radius_m)}
        if reach[a].isdisjoint(places[b].by_cell):
            continue  # never near each other: no need to look at times
        for ep in merge_episodes(find_hits(places[a], places[b], cells, p.radius_m, delta), gap):
            row = episode_row(a, b, ep, cells, tz)
            if row["strength"] < p.min_strength:
                continue
            place = {c for cell in row["cells"] for c in cells.near_cell(cell, p.radius_m)}
            shares = [_share(cell_counts.get(n), place) for n in (a, b)]
            row["place_share_a"], row["place_share_b"] = shares
            row["routine"] = any(x is not None and x >= p.routine_share for x in shares)
            if not (p.exclude_routine and row["routine"]):
                rows.append(row)
    return _co_location_result(case_id, p, rows, excluded, len(pairs), tz)


def _co_location_result(
    case_id: str, p: CoLocationParams, rows: list[dict[str, Any]], excluded: dict[str, Any], pairs: int, tz: Any
) -> AnalysisResult:
    rows.sort(key=lambda r: (-r["strength"], -r["support"], r["start"], r["a"], r["b"]))
    return AnalysisResult(
        "co-location",
        case_id,
        p.model_dump(mode="json"),
        rows[: p.limit],
        excluded=excluded_list(excluded),
        extra={"episodes_found": len(rows), "pairs_examined": pairs, "timezone": str(tz)},
    )


def _share(counts: Counter[str] | None, place: AbstractSet[str]) -> float | None:
    """The share of a number's sightings that fall at ``place`` (None when not known)."""
    if not counts:
        return None
    return round(sum(counts[c] for c in place) / sum(counts.values()), 4)


def _sightings_near(
    store: GraphStore,
    case_id: str,
    sightings: dict[str, list[Sighting]],
    cells: CellIndex,
    radius_m: float,
    delta: timedelta,
) -> dict[str, list[Sighting]]:
    """Every other number's sightings at cells near the targets' sightings, within ±Δt (a superset)."""
    # one probe per cell neighbourhood with its sightings' windows merged, so a phone that sits on
    # one cell all day costs one index seek, not one per event
    spans: dict[tuple[str, ...], list[list[datetime]]] = defaultdict(list)
    for s in sorted((s for ss in sightings.values() for s in ss), key=lambda s: s["t"]):
        near = cells.near_cell(s["cell"], radius_m)
        windows = spans[near]
        if windows and s["t"] - delta <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], s["t"] + delta)
        else:
            windows.append([s["t"] - delta, s["t"] + delta])
    probes = [
        {"probe": i, "cells": list(near), "since": w[0], "until": w[1]}
        for i, (near, w) in enumerate((n, w) for n, ws in sorted(spans.items()) for w in ws)
    ]
    found: dict[str, dict[tuple[str, str], Sighting]] = defaultdict(dict)
    for chunk in range(0, len(probes), 2000):
        rows = read_fast(store, "analyses/sightings_at_cells", case_id=case_id, probes=probes[chunk : chunk + 2000])
        for r in unpack(rows[0] if rows else None, AT_CELLS_FIELDS):
            if r["number"] in sightings:
                continue
            found[r["number"]][(r["event_id"], r["cell"])] = r
    return {n: sorted(by_id.values(), key=lambda s: (s["t"], s["event_id"])) for n, by_id in found.items()}


# ------------------------------------------------------------------ co-location of target pairs, vectorised
class _PlaceArrays:
    """Every target's in-window sightings per cell as sorted time arrays (microseconds), for numpy joins.

    Each sighting gets a global index ``g``; ``event_id[g]`` and ``cell_code[g]`` (an index into
    the sorted ``cell_names``) describe it.
    """

    def __init__(self, row: dict[str, Any] | None):
        self.by_number: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = defaultdict(dict)
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)
        self.event_id: list[str] = []
        self.cell_names: list[str] = sorted(set(row["cell"])) if row else []
        code = {c: i for i, c in enumerate(self.cell_names)}
        codes: list[np.ndarray] = []
        if row:
            for number, cell, ids, t in zip(row["number"], row["cell"], row["event_id"], row["t"], strict=True):
                base = len(self.event_id)
                self.event_id.extend(ids)
                codes.append(np.full(len(ids), code[cell], dtype=np.int64))
                times = np.asarray(t, dtype=np.int64) * 1000
                order = np.argsort(times, kind="stable")
                self.by_number[number][cell] = (times[order], order + base)
                self.counts[number][cell] = len(ids)
        self.cell_code = np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)


def _pair_hits(
    a: dict[str, tuple[np.ndarray, np.ndarray]],
    b: dict[str, tuple[np.ndarray, np.ndarray]],
    cells: CellIndex,
    radius_m: float,
    delta_us: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every (a sighting, b sighting) within ``delta_us`` at cells within ``radius_m`` (as :func:`find_hits`).

    Returns parallel arrays: start, end (µs) and the two sightings' global indexes. One
    ``searchsorted`` pair per near cell pair replaces the per-sighting sweep.
    """
    starts, ends, gas, gbs = [], [], [], []
    for ca, (ta, ga) in a.items():
        for cb in cells.near_cell(ca, radius_m):
            hit = b.get(cb)
            if hit is None:
                continue
            tb, gb = hit
            lo = np.searchsorted(tb, ta - delta_us, side="left")
            hi = np.searchsorted(tb, ta + delta_us, side="right")
            n = hi - lo
            total = int(n.sum())
            if not total:
                continue
            ia = np.repeat(np.arange(len(ta)), n)
            ib = np.repeat(lo - np.cumsum(n) + n, n) + np.arange(total)
            t_a, t_b = ta[ia], tb[ib]
            starts.append(np.minimum(t_a, t_b))
            ends.append(np.maximum(t_a, t_b))
            gas.append(ga[ia])
            gbs.append(gb[ib])
    if not starts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    return np.concatenate(starts), np.concatenate(ends), np.concatenate(gas), np.concatenate(gbs)


class _Hits:
    """Every pair's hits in one set of arrays, sorted by pair then start, each labelled with its episode.

    An episode is as in :func:`merge_episodes`: a hit joins it while it starts no more than the
    gap after the running end. Labels count episodes over all pairs (``pair_of[label]``).
    """

    def __init__(self, found: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]], gap_us: int):
        parts: list[tuple[np.ndarray, ...]] = []
        pair_of: list[np.ndarray] = []
        offset = 0
        for pair, start, end, ga, gb in found:
            order = np.argsort(start, kind="stable")
            s, e = start[order], end[order]
            new = np.ones(len(s), dtype=bool)
            new[1:] = s[1:] > np.maximum.accumulate(e)[:-1] + gap_us
            label = np.cumsum(new) - 1 + offset
            episodes = int(label[-1]) + 1 - offset
            pair_of.append(np.full(episodes, pair))
            offset += episodes
            parts.append((label, s, e, ga[order], gb[order]))
        self.episodes = offset
        self.label, self.start, self.end, self.ga, self.gb = (np.concatenate([p[i] for p in parts]) for i in range(5))
        self.pair_of = np.concatenate(pair_of)
        #: index of each episode's first hit (labels are sorted)
        self.first = np.flatnonzero(np.r_[True, self.label[1:] != self.label[:-1]])


def _distinct_per_episode(
    label: np.ndarray, code: np.ndarray, codes: int, episodes: int, *, ordered: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (episode, code) pairs: their codes, and the count and offset of each episode's codes.

    Hash-based (``pandas.unique``: a million hits in tens of ms where ``numpy.unique`` sorts);
    sorted by episode then code only when ``ordered`` (the offsets need it).
    """
    keys = pd.unique(label * codes + code)
    owner = keys // codes
    count = np.bincount(owner, minlength=episodes)
    if not ordered:
        return keys, count, count
    keys.sort()
    owner = keys // codes
    return keys % codes, count, np.searchsorted(owner, np.arange(episodes))


def _id_codes(ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ids in sorted order and each id's index among them.

    Event ids are ASCII hex, compared as bytes (as Python compares the strings, several times
    faster for numpy to sort); anything else is sorted as text.
    """
    try:
        as_bytes = np.array(ids, dtype="S")
    except UnicodeEncodeError:
        distinct, code = np.unique(np.array(ids, dtype=str), return_inverse=True)
        return distinct, code
    distinct, code = np.unique(as_bytes, return_inverse=True)
    return np.char.decode(distinct, "ascii"), code


def _co_location_vectorised(
    store: GraphStore,
    case_id: str,
    p: CoLocationParams,
    targets: list[str],
    cells: CellIndex,
    tz: Any,
) -> list[dict[str, Any]]:
    """Episode rows for every pair of ``targets``: the rows :func:`find_hits` and friends give, built in numpy.

    The targets' sightings are fetched once, grouped per cell on the server; each near cell
    pair is joined with ``searchsorted``; every pair's hits are then labelled with their episode
    and the per-episode figures (distinct events per side, cells, distances, evidence) taken
    with ``unique``/``bincount``/``reduceat`` over all pairs at once. Pairs never near each
    other are skipped before any join.
    """
    since, until = p.window()
    delta_us = _td_us(timedelta(minutes=p.window_minutes))
    gap_us = _td_us(timedelta(minutes=p.gap_minutes))
    raw = read_fast(
        store, "analyses/colocation_places_by_cell", case_id=case_id, keys=targets, since=since, until=until
    )
    pt = _PlaceArrays(raw[0] if raw else None)
    pairs: list[tuple[str, str]] = []
    found: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    reach: dict[str, set[str]] = {}
    for a, b in combinations(targets, 2):
        pa, pb = pt.by_number.get(a), pt.by_number.get(b)
        if not pa or not pb:
            continue
        if a not in reach:
            reach[a] = {c for cell in pa for c in cells.near_cell(cell, p.radius_m)}
        if reach[a].isdisjoint(pb):
            continue  # never near each other: no need to look at times
        start, end, ga, gb = _pair_hits(pa, pb, cells, p.radius_m, delta_us)
        if len(start):
            found.append((len(pairs), start, end, ga, gb))
            pairs.append((a, b))
    if not found:
        return []
    return _episode_rows(_Hits(found, gap_us), pairs, pt, cells, p, tz)


def _episode_rows(
    hits: _Hits, pairs: list[tuple[str, str]], pt: _PlaceArrays, cells: CellIndex, p: CoLocationParams, tz: Any
) -> list[dict[str, Any]]:
    """One row per episode (as :func:`episode_row` plus place shares), in pair then time order."""
    k = hits.episodes
    # events as codes in id order, so that sorted codes are sorted ids
    sides = np.concatenate([hits.ga, hits.gb])
    used = pd.unique(sides)
    ids, id_code = _id_codes([pt.event_id[g] for g in used.tolist()])
    code_of = np.zeros(len(pt.event_id), dtype=np.int64)
    code_of[used] = id_code
    code_a, code_b = code_of[hits.ga], code_of[hits.gb]
    n_ids = len(ids)
    _, a_events, _ = _distinct_per_episode(hits.label, code_a, n_ids, k, ordered=False)
    _, b_events, _ = _distinct_per_episode(hits.label, code_b, n_ids, k, ordered=False)
    both = np.concatenate([hits.label, hits.label])
    ev_code, support, ev_at = _distinct_per_episode(both, np.concatenate([code_a, code_b]), n_ids, k)
    cell_a, cell_b = pt.cell_code[hits.ga], pt.cell_code[hits.gb]
    n_cells = max(len(pt.cell_names), 1)
    cell_code, cell_count, cell_at = _distinct_per_episode(both, np.concatenate([cell_a, cell_b]), n_cells, k)
    same_cell = np.bincount(hits.label, weights=cell_a == cell_b, minlength=k) > 0
    # a distance per hit from its cell pair (unknown distances count as 0, as the max's default does)
    names = pt.cell_names
    pair_index, cell_pairs = pd.factorize(cell_a * n_cells + cell_b)
    known = [cells.distance_m(names[x // n_cells], names[x % n_cells]) or 0.0 for x in cell_pairs.tolist()]
    distance = np.array(known)[pair_index]
    max_distance = np.maximum.reduceat(distance, hits.first)
    first_us = hits.start[hits.first]
    last_us = np.maximum.reduceat(hits.end, hits.first)
    strength = np.minimum(a_events, b_events)
    places: dict[tuple[str, ...], frozenset[str]] = {}
    shares: dict[tuple[str, frozenset[str]], float | None] = {}
    rows = []
    for e in np.flatnonzero(strength >= p.min_strength).tolist():
        a, b = pairs[hits.pair_of[e]]
        first = EPOCH + timedelta(microseconds=int(first_us[e]))
        last = EPOCH + timedelta(microseconds=int(last_us[e]))
        at, total = int(ev_at[e]), int(support[e])
        row_cells = tuple(names[c] for c in cell_code[cell_at[e] : cell_at[e] + cell_count[e]].tolist())
        row = {
            "a": a,
            "b": b,
            "start": iso(first),
            "end": iso(last),
            "start_local": iso_local(first, tz),
            "duration_s": int((last - first).total_seconds()),
            "cells": list(row_cells),
            "same_cell": bool(same_cell[e]),
            "max_distance_m": round(float(max_distance[e]), 1),
            "a_events": int(a_events[e]),
            "b_events": int(b_events[e]),
            "support": total,
            "strength": int(strength[e]),
            "evidence": ids[ev_code[at : at + min(total, EVIDENCE_CAP)]].tolist(),
            "evidence_total": total,
        }
        place = places.get(row_cells)
        if place is None:
            place = places[row_cells] = frozenset(c for cell in row_cells for c in cells.near_cell(cell, p.radius_m))
        for side, n in (("place_share_a", a), ("place_share_b", b)):
            if (n, place) not in shares:
                shares[(n, place)] = _share(pt.counts.get(n), place)
            row[side] = shares[(n, place)]
        row["routine"] = any(
            x is not None and x >= p.routine_share for x in (row["place_share_a"], row["place_share_b"])
        )
        if not (p.exclude_routine and row["routine"]):
            rows.append(row)
    return rows


def _td_us(value: timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds


# ----------------------------------------------------------------------------- tower dump
class Scene(AnalysisParams):
    """One scene: a place (a point and radius, or a set of cells) and a time window."""

    name: str | None = Field(None, description="Label for the scene (default: scene-N).")
    lat: float | None = Field(None, ge=-90, le=90, description="Latitude of the scene (WGS84).")
    lon: float | None = Field(None, ge=-180, le=180, description="Longitude of the scene (WGS84).")
    radius_m: float = Field(1000, gt=0, le=50_000, description="Cells with sites within this radius.")
    cells: KeyList | None = Field(None, description="Cell keys or CGIs instead of a point.")
    since: datetime = Field(..., description="Window start (ISO 8601; naive = UTC).")
    until: datetime = Field(..., description="Window end, inclusive.")

    @model_validator(mode="after")
    def _check(self) -> Scene:
        if self.cells is None and (self.lat is None or self.lon is None):
            raise ValueError("a scene needs lat and lon, or cells")
        if self.until < self.since:
            raise ValueError("until is before since")
        return self


class TowerDumpParams(AnalysisParams):
    lat: float | None = Field(None, ge=-90, le=90, description="Scene latitude (single scene).")
    lon: float | None = Field(None, ge=-180, le=180, description="Scene longitude (single scene).")
    radius_m: float = Field(1000, gt=0, le=50_000, description="Scene radius in metres (single scene).")
    cells: KeyList | None = Field(None, description="Cell keys or CGIs instead of a point (single scene).")
    since: datetime | None = Field(None, description="Window start (single scene).")
    until: datetime | None = Field(None, description="Window end, inclusive (single scene).")
    scenes: list[Scene] | None = Field(None, description="Several scenes (JSON list); replaces the single scene.")
    min_scenes: int | None = Field(
        None, ge=1, le=1_000_000, description="Present at at least k scenes (default: all of them)."
    )

    @model_validator(mode="after")
    def _one_form(self) -> TowerDumpParams:
        if self.scenes is None:
            if self.since is None or self.until is None:
                raise ValueError("since and until are required (or give scenes)")
            if self.cells is None and (self.lat is None or self.lon is None):
                raise ValueError("give lat and lon, or cells (or scenes)")
        elif not self.scenes:
            raise ValueError("scenes is empty")
        return self

    def scene_list(self) -> list[Scene]:
        if self.scenes is not None:
            return list(self.scenes)
        assert self.since is not None and self.until is not None
        return [
            Scene(
                name=None,
                lat=self.lat,
                lon=self.lon,
                radius_m=self.radius_m,
                cells=self.cells,
                since=self.since,
                until=self.until,
            )
        ]


def tower_dump(store: GraphStore, case_id: str, p: TowerDumpParams) -> AnalysisResult:
    """Numbers seen at a scene (cells within R of a point, or given cells) in a window; multi-scene.

    Method
    ------
    Each scene's cells are those whose site lies within ``radius_m`` of the point (point index)
    or the cells named (by key or CGI, every configuration). Sightings at those cells inside the
    scene's window are grouped per number. With several scenes, numbers present at at least
    ``min_scenes`` of them (default: all) are listed, ranked by scenes, events, number.

    Limitations
    -----------
    A phone used the cell *at or before* the time shown; a cell is an area, not a point, and
    serves places well outside any radius drawn around its site. Only phones that made or
    received an event appear: an idle phone at the scene is invisible.
    """
    scenes = p.scene_list()
    # the case's cells are only needed to resolve cells named by CGI
    named = any(s.cells is not None for s in scenes)
    cells = CellIndex.load(store, case_id, read_data_version(store, case_id)) if named else CellIndex([])
    min_scenes = p.min_scenes or len(scenes)
    if min_scenes > len(scenes):
        raise InvalidInput(f"min_scenes {min_scenes} exceeds the {len(scenes)} scenes given", field="min_scenes")
    tz = case_timezone(store, case_id)
    probes = [
        {
            "probe": i,
            "cells": _named_cells(case_id, s, cells) if s.cells is not None else None,
            "lat": s.lat,
            "lon": s.lon,
            "radius_m": s.radius_m,
            "since": s.since,
            "until": s.until,
        }
        for i, s in enumerate(scenes)
    ]
    raw = read_fast(store, "analyses/tower_dump", case_id=case_id, probes=probes)[0]
    scene_info = [
        {"name": s.name or f"scene-{i + 1}", "cells": keys, "since": iso(s.since), "until": iso(s.until)}
        for i, (s, keys) in enumerate(zip(scenes, raw["scene_cells"], strict=True))
    ]
    rows_raw = unpack(raw, AT_CELLS_FIELDS)
    per: dict[str, dict[int, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for r in rows_raw:
        per[r["number"]][r["probe"]].append(r)
    rows = []
    for number, by_scene in per.items():
        if len(by_scene) < min_scenes:
            continue
        events = [r for rs in by_scene.values() for r in rs]
        times = [to_utc(r["t"]) for r in events]
        rows.append(
            {
                "number": number,
                "scenes_present": len(by_scene),
                "scenes": [scene_info[i]["name"] for i in sorted(by_scene)],
                "events": len({r["event_id"] for r in events}),
                "first": iso(min(times)),
                "last": iso(max(times)),
                "first_local": iso_local(min(times), tz),
                "cells": sorted({r["cell"] for r in events}),
                **evidence(r["event_id"] for r in events),
            }
        )
    rows.sort(key=lambda r: (-r["scenes_present"], -r["events"], r["number"]))
    return AnalysisResult(
        "tower-dump", case_id, p.model_dump(mode="json"), rows, extra={"scenes": scene_info, "min_scenes": min_scenes}
    )


def _named_cells(case_id: str, scene: Scene, cells: CellIndex) -> list[str]:
    """The cells a scene names, by key or CGI (every configuration of a CGI)."""
    wanted = set(scene.cells or ())
    keys = sorted(k for k, cgi in cells.cgi.items() if k in wanted or cgi in wanted)
    if not keys:
        raise InvalidInput(f"none of the cells {sorted(wanted)} exists in case {case_id}", field="cells")
    return keys
