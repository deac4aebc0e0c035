"""Pattern of life (home cell, hour bands, daily activity, dormancy) and timeline / movement."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field, model_validator

from csas_graph.analyses._common import (
    CellIndex,
    Key,
    WindowParams,
    case_timezone,
    evidence,
    haversine_m,
    iso,
    iso_local,
    read_fast,
    unpack,
)
from csas_graph.analyses.base import AnalysisResult
from csas_graph.analyses.colocation import fetch_places, fetch_sightings
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
    cells = CellIndex.load(store, case_id)
    sightings = fetch_places(store, case_id, [p.number], since, until)[p.number]
    raw = read_fast(store, "analyses/event_times", case_id=case_id, number=p.number, since=since, until=until)
    calls = unpack(raw[0] if raw else None, ("event_id", "t"))
    rows: list[Row] = []
    cell_info = {c: {"cell": c, **cells.info.get(c, {})} for c in {s["cell"] for s in sightings}}

    # home: distinct nights per cell
    nights: dict[str, set[str]] = defaultdict(set)
    night_events: dict[str, list[str]] = defaultdict(list)
    # local clock time once per sighting (the zone conversion is the costly part)
    for s in sightings:
        s["local"] = s["t"].astimezone(tz)
    for s in sightings:
        local = s["local"]
        if in_hours(local.hour, p.night_start_hour, p.night_end_hour):
            wraps = p.night_start_hour > p.night_end_hour
            # a night that wraps midnight belongs to the date it started
            night_of = local.date() - timedelta(days=1) if wraps and local.hour < p.night_end_hour else local.date()
            nights[s["cell"]].add(night_of.isoformat())
            night_events[s["cell"]].append(s["event_id"])
    ranked = sorted(nights, key=lambda c: (-len(nights[c]), -len(night_events[c]), c))
    total_nights = len({n for ns in nights.values() for n in ns})
    for rank, cell in enumerate(ranked[: p.top_cells], start=1):
        rows.append(
            {
                "kind": "home" if rank == 1 else "night",
                "rank": rank,
                "cell": cell,
                **_cell_fields(cell_info[cell]),
                "nights": len(nights[cell]),
                "nights_total": total_nights,
                "events": len(night_events[cell]),
                **evidence(night_events[cell]),
            }
        )
    # hour bands
    for band in p.bands:
        per: dict[str, list[str]] = defaultdict(list)
        for s in sightings:
            if in_hours(s["local"].hour, band["start"], band["end"]):
                per[s["cell"]].append(s["event_id"])
        for rank, cell in enumerate(sorted(per, key=lambda c: (-len(per[c]), c))[: p.top_cells], start=1):
            rows.append(
                {
                    "kind": "band",
                    "band": band["name"],
                    "hours": f"{band['start']:02d}-{band['end']:02d}",
                    "rank": rank,
                    "cell": cell,
                    **_cell_fields(cell_info[cell]),
                    "events": len(per[cell]),
                    **evidence(per[cell]),
                }
            )
    # daily first/last activity and dormant gaps over every event (sightings and calls)
    events: dict[str, datetime] = {s["event_id"]: s["t"] for s in sightings}
    for c in calls:
        events.setdefault(c["event_id"], c["t"])
    timeline = [(eid, t) for t, eid in sorted((t, eid) for eid, t in events.items())]
    local_day = {s["event_id"]: s["local"].date().isoformat() for s in sightings}
    days: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for eid, t in timeline:
        day = local_day.get(eid) or t.astimezone(tz).date().isoformat()
        days[day].append((eid, t))
    for day, evs in sorted(days.items()):
        rows.append(
            {
                "kind": "day",
                "date": day,
                "first": iso(evs[0][1]),
                "last": iso(evs[-1][1]),
                "first_local": iso_local(evs[0][1], tz),
                "last_local": iso_local(evs[-1][1], tz),
                "events": len(evs),
                **evidence([evs[0][0], evs[-1][0]]),
            }
        )
    gap = timedelta(hours=p.dormant_hours)
    for (e1, t1), (e2, t2) in zip(timeline, timeline[1:], strict=False):
        if t2 - t1 >= gap:
            rows.append(
                {
                    "kind": "dormant",
                    "first": iso(t1),
                    "last": iso(t2),
                    "first_local": iso_local(t1, tz),
                    "last_local": iso_local(t2, tz),
                    "hours": round((t2 - t1).total_seconds() / 3600, 2),
                    **evidence([e1, e2]),
                }
            )
    return AnalysisResult(
        "pattern-of-life",
        case_id,
        p.model_dump(mode="json"),
        rows,
        extra={
            "timezone": str(tz),
            "sightings": len(sightings),
            "events": len(timeline),
            "home_cell": ranked[0] if ranked else None,
            "cells_used": dict(sorted(Counter(s["cell"] for s in sightings).items())),
        },
    )


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
