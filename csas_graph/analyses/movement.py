"""Pattern of life (home cell, hour bands, daily activity, dormancy) and timeline / movement."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from csas_graph.analyses._common import (
    CellIndex,
    Key,
    WindowParams,
    case_timezone,
    evidence,
    from_ms,
    haversine_m,
    iso,
    iso_local,
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
    # every event once (a sighting's latest time, else the call's start), in time order
    seen = pd.DataFrame({"eid": ids, "t": t_ms, "day": day}).drop_duplicates("eid", keep="last")
    call_ids = np.asarray(got.get("call_id") or [], dtype=object)
    call_t = np.asarray(got.get("call_t") or [], dtype=np.int64)
    only_calls = ~pd.Series(call_ids, dtype=object).isin(set(seen["eid"])).to_numpy()
    calls = pd.DataFrame({"eid": call_ids, "t": call_t}).loc[only_calls].drop_duplicates("eid", keep="first")
    calls["day"] = _local_hours_days(calls["t"].to_numpy(dtype=np.int64), tz)[1]
    timeline = pd.concat([seen, calls], ignore_index=True).sort_values(["t", "eid"], kind="stable")
    eids, times, days = timeline["eid"].tolist(), timeline["t"].tolist(), timeline["day"].to_numpy()
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
    gap_ms = p.dormant_hours * 3_600_000
    for i in np.flatnonzero(np.greater_equal(np.diff(np.asarray(times, dtype=np.int64)), gap_ms)):
        t1, t2 = from_ms(times[i]), from_ms(times[i + 1])
        rows.append(
            {
                "kind": "dormant",
                "first": iso(t1),
                "last": iso(t2),
                "first_local": iso_local(t1, tz),
                "last_local": iso_local(t2, tz),
                "hours": round((t2 - t1).total_seconds() / 3600, 2),
                **evidence([eids[i], eids[i + 1]]),
            }
        )
    return AnalysisResult(
        "pattern-of-life",
        case_id,
        p.model_dump(mode="json"),
        rows,
        extra={
            "timezone": str(tz),
            "sightings": len(ids),
            "events": len(eids),
            "home_cell": ranked[0] if ranked else None,
            "cells_used": dict(sorted(Counter(cell.tolist()).items())),
        },
    )


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
    sightings = fetch_sightings(store, case_id, [p.number], since, until, CellIndex.load(store, case_id))[p.number]
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
