"""The data behind each chart: run the analyses, fetch map layers, hand plain rows to ``viz``.

Charts are views of analyses, so a chart shows exactly what the analysis with the same
parameters returns (same rows, same result hash, recorded in the chart's metadata and in the
audit trail). The few map layers that are not analyses (cell sites, cameras, a vehicle's reads)
come from small read-only queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import cypher
from csas_graph.analyses.base import AnalysisResult
from csas_graph.analyses.registry import run_analysis
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings
from viz import link_chart, sector_map, timeline
from viz.link_chart import Link
from viz.values import iso

#: the most cells drawn on a case-wide cell-site map
MAX_MAP_CELLS = 5000
#: an open window's bounds
EARLIEST, LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


@dataclass
class ChartData:
    """A chart payload plus the analyses it came from, for the audit record."""

    payload: dict[str, Any]
    analyses: list[dict[str, Any]] = field(default_factory=list)

    def record(self, result: AnalysisResult) -> AnalysisResult:
        self.analyses.append({"analysis": result.name, "result_hash": result.hash, "rows": len(result.rows)})
        return result

    @property
    def row_count(self) -> int:
        return sum(a["rows"] for a in self.analyses)


def _window(since: datetime | None, until: datetime | None) -> dict[str, Any]:
    return {k: v.isoformat() for k, v in (("since", since), ("until", until)) if v is not None}


def _meta(case_id: str, result: AnalysisResult) -> dict[str, Any]:
    return {"case": case_id, "analysis": result.name, "params": result.params, "result_hash": result.hash}


def contacts_chart(
    store: GraphStore,
    case_id: str,
    *,
    seeds: list[str],
    hops: int = 1,
    since: datetime | None = None,
    until: datetime | None = None,
    min_count: int = 1,
    identifiers: bool = False,
    layout: str = "auto",
) -> ChartData:
    """The contacts analysis around ``seeds`` as a link chart; ``identifiers`` adds SIMs and handsets."""
    data = ChartData({})
    params = {"numbers": seeds, "hops": hops, "min_count": min_count, **_window(since, until)}
    result = data.record(run_analysis(store, case_id, "contacts", params))
    links = link_chart.links_from_contact_rows(result.rows)
    if identifiers:
        numbers = sorted({lk.source for lk in links} | {lk.target for lk in links} | set(seeds))
        links += identifier_links(store, case_id, numbers)
    data.payload = link_chart.build_link_chart(
        links,
        seeds=seeds,
        excluded=result.excluded,
        layout=layout,
        title=f"Contacts of {', '.join(seeds)} ({hops} hop{'s' if hops > 1 else ''})",
        meta=_meta(case_id, result),
    )
    return data


def identifier_links(store: GraphStore, case_id: str, numbers: list[str]) -> list[Link]:
    """Number–SIM, Number–Handset and SIM–Handset links of ``numbers``."""
    rows = store.read(cypher.load("viz/identifiers"), case_id=case_id, keys=numbers)
    links = []
    for row in rows:
        sim = f"IMSI:{row['sim']}" if row.get("sim") else None
        imei = f"IMEI:{row['imei']}" if row.get("imei") else None
        ends = {
            "number-sim": (row["number"], "number", sim, "sim"),
            "number-handset": (row["number"], "number", imei, "handset"),
            "sim-handset": (sim, "sim", imei, "handset"),
        }.get(row["kind"])
        if ends is None or ends[0] is None or ends[2] is None:
            continue
        links.append(
            Link(
                source=ends[0],
                target=ends[2],
                source_kind=ends[1],
                target_kind=ends[3],
                count=int(row.get("events") or 1),
                first=iso(row.get("first_seen")),
                last=iso(row.get("last_seen")),
                relation=row["kind"],
                detail={"link": row["kind"]},
            )
        )
    return links


def map_chart(
    store: GraphStore,
    case_id: str,
    settings: Settings,
    *,
    number: str | None = None,
    meet: str | None = None,
    vrm: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    all_cells: bool = False,
    radius_m: float = sector_map.ILLUSTRATIVE_RADIUS_M,
) -> ChartData:
    """Cell sectors, plus a number's movement, its co-location with ``meet`` and a vehicle's reads.

    With no number, every located cell of the case is drawn (up to :data:`MAX_MAP_CELLS`);
    with a number, the cells it used (``all_cells`` adds the rest).
    """
    data = ChartData({})
    window = _window(since, until)
    cells: list[dict[str, Any]] = []
    movement: list[dict[str, Any]] = []
    meetings: list[dict[str, Any]] = []
    meta: dict[str, Any] = {"case": case_id}
    if number:
        result = data.record(run_analysis(store, case_id, "timeline", {"number": number, **window}))
        cells = sector_map.cells_from_rows(result.rows)
        movement = sector_map.movement_from_rows([{**r, "number": number} for r in result.rows])
        meta.update({"timeline result_hash": result.hash, "number": number})
    if meet and number:
        params = {"numbers": [number, meet], **window}
        result = data.record(run_analysis(store, case_id, "co-location", params))
        meetings = result.rows
        meta["co-location result_hash"] = result.hash
        if meetings:
            used = {key for m in meetings for key in m.get("cells", [])}
            known = {c["key"] for c in cells}
            cells += cell_sites(store, case_id, sorted(used - known)) if used - known else []
    if all_cells or not (number or vrm):
        known = {c["key"] for c in cells}
        cells += [c for c in cell_sites(store, case_id, None) if c["key"] not in known]
    cameras: list[dict[str, Any]] = []
    reads: list[dict[str, Any]] = []
    if vrm:
        vrm = vrm.upper().replace(" ", "")
        cameras = [dict(r) for r in store.read(cypher.load("viz/cameras"), case_id=case_id)]
        reads = [
            {**r, "vrm": vrm}
            for r in store.read(
                cypher.load("viz/vehicle_reads"),
                case_id=case_id,
                vrm=vrm,
                since=since or EARLIEST,
                until=until or LATEST,
            )
        ]
        meta["vrm"] = vrm
        meta["reads"] = len(reads)
    located = {c["key"]: c for c in cells}
    for meeting in meetings:
        site = next((located[k] for k in meeting.get("cells", []) if k in located), None)
        if site is not None:
            meeting.setdefault("lat", site["lat"])
            meeting.setdefault("lon", site["lon"])
    title = " · ".join(filter(None, [f"Movement of {number}" if number else "Cell sites", vrm and f"ANPR {vrm}"]))
    data.payload = sector_map.build_map(
        cells=cells,
        movement=movement,
        meetings=meetings,
        cameras=cameras,
        reads=reads,
        radius_m=radius_m,
        tile_url=settings.tile_url,
        title=title,
        meta=meta,
    )
    return data


def cell_sites(store: GraphStore, case_id: str, keys: list[str] | None) -> list[dict[str, Any]]:
    rows = store.read(cypher.load("viz/cell_sites"), case_id=case_id, keys=keys, limit=MAX_MAP_CELLS)
    return [dict(r) for r in rows]


def timeline_chart(
    store: GraphStore,
    case_id: str,
    *,
    numbers: list[str],
    since: datetime | None = None,
    until: datetime | None = None,
) -> ChartData:
    """One swimlane per number: its sightings from the timeline analysis."""
    data = ChartData({})
    events: list[dict[str, Any]] = []
    hashes = {}
    tz = "UTC"
    for number in numbers:
        result = data.record(run_analysis(store, case_id, "timeline", {"number": number, **_window(since, until)}))
        tz = str(result.extra.get("timezone") or tz)
        events += timeline.events_from_rows(result.rows, default_lane=number)
        hashes[number] = result.hash
    events.sort(key=lambda e: (e["lane"], e["t"]))
    data.payload = timeline.build_timeline(
        events,
        timezone=tz,
        title=f"Timeline of {', '.join(numbers)}",
        meta={"case": case_id, "analysis": "timeline", "result_hash": hashes},
    )
    return data


def heatmap_chart(
    store: GraphStore,
    case_id: str,
    *,
    number: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ChartData:
    """The 7×24 hour-of-week matrix of the top-contacts analysis."""
    data = ChartData({})
    result = data.record(run_analysis(store, case_id, "top-contacts", {"number": number, **_window(since, until)}))
    matrix = timeline.matrix_from_extra(result.extra, number) or [[0] * 24 for _ in range(7)]
    data.payload = timeline.build_heatmap(
        matrix,
        timezone=str(result.extra.get("timezone") or "UTC"),
        title=f"Hour-of-week activity of {number}",
        meta=_meta(case_id, result),
    )
    return data
