"""Pattern of life (home cell, hour bands, daily activity, dormancy) and timeline / movement."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from csas_graph.analyses._common import (
    EARLIEST,
    EVIDENCE_CAP,
    LATEST,
    CellIndex,
    Key,
    WindowParams,
    case_timezone,
    evidence,
    from_ms,
    haversine_m,
    iso,
    iso_local,
    read_data_version,
    read_fast,
)
from csas_graph.analyses.base import AnalysisResult
from csas_graph.analyses.colocation import fetch_sightings
from csas_graph.graph_store import GraphStore

Row = dict[str, Any]

DEFAULT_BANDS = [
    {"name": "night", "start": 0, "end": 6},
    {"name": "morning", "start": 6, "end": 10},
    {"name": "day", "start": 10, "end": 16},
    {"name": "evening", "start": 16, "end": 20},
    {"name": "late", "start": 20, "end": 24},
]


def in_hours(hour: int, start: int, end: int) -> bool:
    """Is a local hour in [start, end), where the range may wrap midnight (22 → 6)?"""
    return start <= hour < end if start < end else (hour >= start or hour < end)


class PatternOfLifeParams(WindowParams):
    number: Key = Field(..., description="The number to profile.")
    night_start_hour: int = Field(22, ge=0, le=23, description="Night starts at this local hour.")
    night_end_hour: int = Field(6, ge=0, le=23, description="Night ends at this local hour.")
    bands: list[dict[str, Any]] = Field(
        DEFAULT_BANDS, description='Hour bands [{"name", "start", "end"}] in local hours (end exclusive).'
    )
    top_cells: int = Field(3, ge=1, le=50, description="Cells listed per band.")
    dormant_hours: float = Field(
        24, gt=0, le=87_600, description="Gaps between events at least this long are dormant periods."
    )

    @model_validator(mode="after")
    def _bands(self) -> PatternOfLifeParams:
        for b in self.bands:
            if set(b) != {"name", "start", "end"} or not (0 <= b["start"] <= 23 and 1 <= b["end"] <= 24):
                raise ValueError("each band is {name, start 0-23, end 1-24}")
        return self


def pattern_of_life(store: GraphStore, case_id: str, p: PatternOfLifeParams) -> AnalysisResult:
    """Where a phone sleeps, where it is at each time of day, and when it is active or dormant.

    Method
    ------
    From the number's sightings in the case's local time zone: ``home`` = the cell used on the
    most distinct nights between ``night_start_hour`` and ``night_end_hour`` (a night belongs to
    the date it starts; ties broken by events, then cell key); ``band`` rows = the top cells per
    hour band by events; ``day`` rows = first and last activity (sightings and CALLED events)
    per local date; ``dormant`` rows = gaps of at least ``dormant_hours`` between consecutive
    events.

    Parameters
    ----------
    store, case_id
        The graph and the case whose data is read (nothing else is).
    p : PatternOfLifeParams
        Validated parameters; every field is documented on the model
        (``csas analyse --list``, the API's OpenAPI schema).

    Limitations
    -----------
    A phone used the cell *at or before* the time shown; a cell is an area, not a point, and a
    home cell is where the phone was used at night, not an address. Inactivity is not absence:
    a phone is only seen when it is used.
    """
    tz = case_timezone(store, case_id)
    if p.since is None and p.until is None and p.dormant_hours * 3_600_000 >= DORMANT_FLOOR_MS:
        from csas_graph.analyses import summaries

        if summaries.summary_usable(store, case_id, summaries.LIFE):
            digest = summaries.life_digests(store, case_id, [p.number]).get(p.number)
            if digest is not None and digest["tz"] == str(tz):
                return _pattern_from_digest(store, case_id, p, digest, tz)
    since, until = p.window()
    raw = read_fast(store, "analyses/life_events", case_id=case_id, number=p.number, since=since, until=until)
    got = raw[0] if raw else {}
    ids = np.asarray(got.get("event_id") or [], dtype=object)
    t_ms = np.asarray(got.get("t") or [], dtype=np.int64)
    cell = np.asarray(got.get("cell") or [], dtype=object)
    cell_info = {
        c: {"cell": c, **{f: (None if v == "" else v) for f, v in zip(CELL_INFO, vals, strict=True)}}
        for c, *vals in zip(*(got.get(f) or [] for f in ("cells", *CELL_INFO)), strict=True)
    }
    # local clock time, vectorised: hour of day and local day number of every sighting
    hour, day = _local_hours_days(t_ms, tz)
    rows: list[Row] = []

    # home: distinct nights per cell (a night that wraps midnight belongs to the date it started)
    night = _in_hours(hour, p.night_start_hour, p.night_end_hour)
    wraps = p.night_start_hour > p.night_end_hour
    night_of = day - ((hour < p.night_end_hour) & wraps).astype(np.int64)
    at_night = pd.DataFrame({"cell": cell[night], "night": night_of[night]})
    per = at_night.groupby("cell", sort=False).agg(nights=("night", "nunique"), events=("night", "size"))
    nights: dict[str, int] = {str(k): int(v) for k, v in per["nights"].to_dict().items()}
    night_events: dict[str, int] = {str(k): int(v) for k, v in per["events"].to_dict().items()}
    ranked = sorted(nights, key=lambda c: (-nights[c], -night_events[c], c))
    total_nights = int(at_night["night"].nunique())
    for rank, c in enumerate(ranked[: p.top_cells], start=1):
        rows.append(
            {
                "kind": "home" if rank == 1 else "night",
                "rank": rank,
                "cell": c,
                **_cell_fields(cell_info[c]),
                "nights": nights[c],
                "nights_total": total_nights,
                "events": night_events[c],
                **evidence(ids[night & (cell == c)]),
            }
        )
    # hour bands: top cells by sightings
    for band in p.bands:
        mask = _in_hours(hour, band["start"], band["end"])
        counts = Counter(cell[mask].tolist())
        for rank, c in enumerate(sorted(counts, key=lambda c: (-counts[c], c))[: p.top_cells], start=1):
            rows.append(
                {
                    "kind": "band",
                    "band": band["name"],
                    "hours": f"{band['start']:02d}-{band['end']:02d}",
                    "rank": rank,
                    "cell": c,
                    **_cell_fields(cell_info[c]),
                    "events": counts[c],
                    **evidence(ids[mask & (cell == c)]),
                }
            )
    day_rows, gaps, n_events = _activity(got, ids, t_ms, day, tz, p.dormant_hours * 3_600_000)
    rows += day_rows
    rows += [row for _, row in gaps]
    return AnalysisResult(
        "pattern-of-life",
        case_id,
        p.model_dump(mode="json"),
        rows,
        extra={
            "timezone": str(tz),
            "sightings": len(ids),
            "events": n_events,
            "home_cell": ranked[0] if ranked else None,
            "cells_used": dict(sorted(Counter(cell.tolist()).items())),
        },
    )


def _activity(
    got: dict[str, Any], ids: Any, t_ms: Any, day: Any, tz: Any, gap_ms: float
) -> tuple[list[Row], list[tuple[int, Row]], int]:
    """``day`` rows, dormant gaps of at least ``gap_ms`` (with their length) and the event count.

    Every event once (a sighting's latest time, else the call's start), in time order.
    """
    seen = pd.DataFrame({"eid": ids, "t": t_ms, "day": day}).drop_duplicates("eid", keep="last")
    call_ids = np.asarray(got.get("call_id") or [], dtype=object)
    call_t = np.asarray(got.get("call_t") or [], dtype=np.int64)
    only_calls = ~pd.Series(call_ids, dtype=object).isin(set(seen["eid"])).to_numpy()
    calls = pd.DataFrame({"eid": call_ids, "t": call_t}).loc[only_calls].drop_duplicates("eid", keep="first")
    calls["day"] = _local_hours_days(calls["t"].to_numpy(dtype=np.int64), tz)[1]
    timeline = pd.concat([seen, calls], ignore_index=True).sort_values(["t", "eid"], kind="stable")
    eids, times, days = timeline["eid"].tolist(), timeline["t"].tolist(), timeline["day"].to_numpy()
    rows: list[Row] = []
    # daily first and last activity
    if len(days):
        order = np.argsort(days, kind="stable")
        bounds = np.flatnonzero(np.diff(days[order])) + 1
        for chunk in np.split(order, bounds):
            first, last = from_ms(times[chunk[0]]), from_ms(times[chunk[-1]])
            rows.append(
                {
                    "kind": "day",
                    "date": (EPOCH_DATE + timedelta(days=int(days[chunk[0]]))).isoformat(),
                    "first": iso(first),
                    "last": iso(last),
                    "first_local": iso_local(first, tz),
                    "last_local": iso_local(last, tz),
                    "events": len(chunk),
                    **evidence([eids[chunk[0]], eids[chunk[-1]]]),
                }
            )
    # dormant gaps between consecutive events
    gaps: list[tuple[int, Row]] = []
    diffs = np.diff(np.asarray(times, dtype=np.int64))
    for i in np.flatnonzero(np.greater_equal(diffs, gap_ms)):
        t1, t2 = from_ms(times[i]), from_ms(times[i + 1])
        row = {
            "kind": "dormant",
            "first": iso(t1),
            "last": iso(t2),
            "first_local": iso_local(t1, tz),
            "last_local": iso_local(t2, tz),
            "hours": round((t2 - t1).total_seconds() / 3600, 2),
            **evidence([eids[i], eids[i + 1]]),
        }
        gaps.append((int(diffs[i]), row))
    return rows, gaps, len(eids)


CELL_INFO = ("cgi", "lat", "lon", "site_name")
EPOCH_DATE = date(1970, 1, 1)


def _local_hours_days(t_ms: Any, tz: Any) -> tuple[Any, Any]:
    """Local hour of day and local day number (days since 1970-01-01) of epoch-ms times."""
    local = pd.to_datetime(np.asarray(t_ms, dtype=np.int64), unit="ms", utc=True).tz_convert(tz)
    wall_ns = local.tz_localize(None).as_unit("ns").asi8
    return np.asarray(local.hour, dtype=np.int64), wall_ns // 86_400_000_000_000


def _in_hours(hour: Any, start: int, end: int) -> Any:
    """:func:`in_hours` over an array of hours."""
    if start < end:
        return (hour >= start) & (hour < end)
    return (hour >= start) | (hour < end)


def _cell_fields(s: Row) -> Row:
    return {"cgi": s.get("cgi"), "lat": s.get("lat"), "lon": s.get("lon"), "site_name": s.get("site_name")}


# ---------------------------------------------------------------- the per-number digest
#: dormant gaps shorter than this are not kept in the digest (a shorter threshold reads the events)
DORMANT_FLOOR_MS = 3_600_000


def life_digest(store: GraphStore, case_id: str, number: str, tz: Any) -> dict[str, Any]:
    """Everything a whole-case pattern of life of one number needs, in the case's time zone ``tz``.

    ``cells``: per cell and local hour of day, the sightings (``n``), the local days with one
    (``days``), the unique event ids (``u``) and the first :data:`EVIDENCE_CAP` of them
    (``ids``); ``multi``: per cell, events seen there in more than one hour (what a union of
    hours must not count twice); ``days`` and ``gaps``: the ``day`` rows and the dormant rows of
    gaps of at least :data:`DORMANT_FLOOR_MS` (with their length), exactly as the events give
    them; ``tz`` the zone all local times were taken in.
    """
    raw = read_fast(store, "analyses/life_events", case_id=case_id, number=number, since=EARLIEST, until=LATEST)
    got = raw[0] if raw else {}
    ids = np.asarray(got.get("event_id") or [], dtype=object)
    t_ms = np.asarray(got.get("t") or [], dtype=np.int64)
    cell = np.asarray(got.get("cell") or [], dtype=object)
    hour, day = _local_hours_days(t_ms, tz)
    groups: dict[str, dict[int, dict[str, Any]]] = {}
    hours_of: dict[tuple[str, str], set[int]] = {}
    for eid, c, h, d in zip(ids.tolist(), cell.tolist(), hour.tolist(), day.tolist(), strict=True):
        g = groups.setdefault(c, {}).setdefault(h, {"n": 0, "days": set(), "ids": set()})
        g["n"] += 1
        g["days"].add(d)
        if eid:
            g["ids"].add(eid)
            hours_of.setdefault((c, eid), set()).add(h)
    cells = {
        c: {
            str(h): {"n": g["n"], "days": sorted(g["days"]), "u": len(g["ids"]), "ids": sorted(g["ids"])[:EVIDENCE_CAP]}
            for h, g in sorted(per.items())
        }
        for c, per in sorted(groups.items())
    }
    multi: dict[str, list[Any]] = {}
    for (c, eid), hs in sorted(hours_of.items()):
        if len(hs) > 1:
            multi.setdefault(c, []).append([eid, sorted(hs)])
    day_rows, gaps, n_events = _activity(got, ids, t_ms, day, tz, DORMANT_FLOOR_MS)
    return {
        "tz": str(tz),
        "sightings": len(ids),
        "events": n_events,
        "cells_used": dict(sorted(Counter(cell.tolist()).items())),
        "cells": cells,
        "multi": multi,
        "days": day_rows,
        "gaps": [[g, row] for g, row in gaps],
    }


def _hour_set(start: int, end: int) -> list[int]:
    return [h for h in range(24) if in_hours(h, start, end)]


def _digest_evidence(digest: dict[str, Any], c: str, hours: list[int]) -> dict[str, Any]:
    """:func:`evidence` of a cell's sightings in the given hours, from the per-hour groups.

    The union's first ids are among each group's first ids; its size is the groups' sizes less
    the events counted in more than one of the hours.
    """
    per = digest["cells"].get(c, {})
    got = [per[str(h)] for h in hours if str(h) in per]
    wanted = set(hours)
    twice = sum(max(0, len(wanted.intersection(hs)) - 1) for _, hs in digest["multi"].get(c, []))
    first = sorted({i for g in got for i in g["ids"]})[:EVIDENCE_CAP]
    return {"evidence": first, "evidence_total": sum(g["u"] for g in got) - twice}


def _pattern_from_digest(
    store: GraphStore, case_id: str, p: PatternOfLifeParams, digest: dict[str, Any], tz: Any
) -> AnalysisResult:
    """A whole-case pattern of life from the number's digest: the same rows as from the events."""
    cells: dict[str, dict[str, Any]] = digest["cells"]
    night_hours = _hour_set(p.night_start_hour, p.night_end_hour)
    wraps = p.night_start_hour > p.night_end_hour
    nights: dict[str, int] = {}
    night_events: dict[str, int] = {}
    every_night: set[int] = set()
    for c, per in cells.items():
        seen: set[int] = set()
        events = 0
        for h in night_hours:
            g = per.get(str(h))
            if g:
                events += g["n"]
                back = 1 if (wraps and h < p.night_end_hour) else 0
                seen.update(d - back for d in g["days"])
        if events:
            nights[c], night_events[c] = len(seen), events
            every_night |= seen
    ranked = sorted(nights, key=lambda c: (-nights[c], -night_events[c], c))
    picked: list[tuple[str, Row]] = []
    for rank, c in enumerate(ranked[: p.top_cells], start=1):
        picked.append(
            (
                c,
                {
                    "kind": "home" if rank == 1 else "night",
                    "rank": rank,
                    "cell": c,
                    "nights": nights[c],
                    "nights_total": len(every_night),
                    "events": night_events[c],
                    **_digest_evidence(digest, c, night_hours),
                },
            )
        )
    for band in p.bands:
        hours = _hour_set(band["start"], band["end"])
        counts = {c: sum(per[str(h)]["n"] for h in hours if str(h) in per) for c, per in cells.items()}
        counts = {c: n for c, n in counts.items() if n}
        for rank, c in enumerate(sorted(counts, key=lambda c: (-counts[c], c))[: p.top_cells], start=1):
            picked.append(
                (
                    c,
                    {
                        "kind": "band",
                        "band": band["name"],
                        "hours": f"{band['start']:02d}-{band['end']:02d}",
                        "rank": rank,
                        "cell": c,
                        "events": counts[c],
                        **_digest_evidence(digest, c, hours),
                    },
                )
            )
    info = {
        r["cell"]: {f: (None if r[f] == "" else r[f]) for f in CELL_INFO}
        for r in read_fast(store, "analyses/life_cells", case_id=case_id, keys=sorted({c for c, _ in picked}))
    }
    rows: list[Row] = []
    for c, row in picked:
        fields = _cell_fields(info.get(c, {}))
        # the event-level row's key order: kind ... cell, the cell's fields, then the counts
        at = list(row).index("cell") + 1
        items = list(row.items())
        rows.append(dict(items[:at] + list(fields.items()) + items[at:]))
    rows += digest["days"]
    gap_ms = p.dormant_hours * 3_600_000
    rows += [row for g, row in digest["gaps"] if g >= gap_ms]
    return AnalysisResult(
        "pattern-of-life",
        case_id,
        p.model_dump(mode="json"),
        rows,
        extra={
            "timezone": str(tz),
            "sightings": digest["sightings"],
            "events": digest["events"],
            "home_cell": ranked[0] if ranked else None,
            "cells_used": digest["cells_used"],
        },
    )


# -------------------------------------------------------------------------------- timeline
class TimelineParams(WindowParams):
    number: Key = Field(..., description="The number whose movements are listed.")
    max_speed_kmh: float = Field(150, gt=0, le=100_000, description="Flag moves implying a higher speed.")
    tolerance_m: float = Field(
        2000, ge=0, description="Distance allowed for cells being areas: subtracted before the speed test."
    )


def timeline(store: GraphStore, case_id: str, p: TimelineParams) -> AnalysisResult:
    """A number's sightings in time order with the cell's location and sector geometry.

    Method
    ------
    Sightings in the window in time order (event id, role as tie-breakers), each with the
    cell's site, azimuth and beamwidth. Between consecutive located sightings the site distance
    less ``tolerance_m`` over the elapsed time gives a speed; above ``max_speed_kmh`` the row is
    flagged ``impossible`` (a sighting at the same instant on sites further apart than the
    tolerance is impossible too).

    Limitations
    -----------
    A phone used the cell *at or before* the time shown; a cell is an area, not a point; a
    drawn sector (azimuth, beamwidth) is not coverage. An impossible jump points at a wrong
    cell location, a clone or a shared number, not at the phone moving that fast.
    """
    tz = case_timezone(store, case_id)
    since, until = p.window()
    cells = CellIndex.load(store, case_id, read_data_version(store, case_id))  # kept while the data holds
    sightings = fetch_sightings(store, case_id, [p.number], since, until, cells)[p.number]
    rows: list[Row] = []
    prev: Row | None = None
    for s in sightings:
        row: Row = {
            "t": iso(s["t"]),
            "t_local": iso_local(s["t"], tz),
            "event_id": s["event_id"],
            "type": s["type"],
            "role": s["role"],
            "cell": s["cell"],
            "cgi": s["cgi"],
            "resolved": s["resolved"],
            "lat": s["lat"],
            "lon": s["lon"],
            "azimuth": s["azimuth"],
            "beamwidth": s["beamwidth"],
            "site_name": s["site_name"],
            "distance_m": None,
            "speed_kmh": None,
            "impossible": False,
            **evidence([s["event_id"]]),
        }
        if s["lat"] is not None and s["lon"] is not None:
            if prev is not None:
                d = haversine_m(prev["lat"], prev["lon"], s["lat"], s["lon"])
                dt = (s["t"] - prev["t"]).total_seconds()
                effective = max(0.0, d - p.tolerance_m)
                row["distance_m"] = round(d, 1)
                row["speed_kmh"] = round(d / dt * 3.6, 1) if dt > 0 else None
                row["impossible"] = effective > 0 and (dt <= 0 or effective / dt * 3.6 > p.max_speed_kmh)
            prev = s
        rows.append(row)
    return AnalysisResult(
        "timeline",
        case_id,
        p.model_dump(mode="json"),
        rows,
        extra={"timezone": str(tz), "impossible_jumps": sum(1 for r in rows if r["impossible"])},
    )
