"""Maps: cell sectors, a number's movement, co-location meetings and ANPR reads, as Leaflet payloads.

Every map carries its limits as captions, on the page and in the downloaded file:

- a drawn sector is illustrative, not coverage (fixed radius, no propagation model);
- a phone used a cell *at or before* the time shown (the record's time basis), and a cell is an
  area, not a point: the movement line joins cell sites, not the phone's positions.

Tiles come from the configured URL template only; with none, the map has a plain background and
no request leaves the machine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from viz import assets
from viz.geo import DEFAULT_BEAMWIDTH, sector_wedge
from viz.values import first_present, iso, to_float

#: the fixed radius every wedge is drawn at; it is not a coverage estimate
ILLUSTRATIVE_RADIUS_M = 400.0
MAP_CAPTIONS = (
    "Sectors are illustrative, not coverage: each wedge is drawn at a fixed radius from the cell's "
    "azimuth and beamwidth.",
    "A phone used a cell at or before the time shown; a cell serves an area, and the movement line "
    "joins cell sites, not the phone's positions.",
)


def cells_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Distinct cells (with a location) from cell-list or timeline rows, in first-seen order."""
    cells: dict[str, dict[str, Any]] = {}
    for row in rows:
        lat = to_float(first_present(row, "lat", "latitude", "cell_lat"))
        lon = to_float(first_present(row, "lon", "lng", "longitude", "cell_lon"))
        key = first_present(row, "cell_key", "cell", "key", "cgi")
        if key is None or lat is None or lon is None or str(key) in cells:
            continue
        cells[str(key)] = {
            "key": str(key),
            "cgi": str(first_present(row, "cgi", "cell_cgi") or key).split("@")[0],
            "lat": lat,
            "lon": lon,
            "azimuth": to_float(first_present(row, "azimuth", "cell_azimuth")),
            "beamwidth": to_float(first_present(row, "beamwidth", "cell_beamwidth")),
            "site_name": first_present(row, "site_name", "site"),
        }
    return list(cells.values())


def movement_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A number's sightings with a located cell, sorted by time (then cell, for ties)."""
    points = []
    for row in rows:
        lat = to_float(first_present(row, "lat", "latitude", "cell_lat"))
        lon = to_float(first_present(row, "lon", "lng", "longitude", "cell_lon"))
        t = iso(first_present(row, "t", "time", "start", "timestamp"))
        if lat is None or lon is None or t is None:
            continue
        points.append(
            {
                "t": t,
                "lat": lat,
                "lon": lon,
                "cell": str(first_present(row, "cell_key", "cell", "cgi") or ""),
                "number": first_present(row, "number", "key", "msisdn"),
                "type": first_present(row, "type", "event_type"),
                "flag": first_present(row, "flag", "impossible_speed", "speed_flag"),
            }
        )
    points.sort(key=lambda p: (p["t"], p["cell"]))
    for i, point in enumerate(points, start=1):
        point["seq"] = i
    return points


def build_map(
    *,
    cells: Sequence[Mapping[str, Any]] = (),
    movement: Sequence[Mapping[str, Any]] = (),
    meetings: Sequence[Mapping[str, Any]] = (),
    cameras: Sequence[Mapping[str, Any]] = (),
    reads: Sequence[Mapping[str, Any]] = (),
    radius_m: float = ILLUSTRATIVE_RADIUS_M,
    tile_url: str | None = None,
    title: str = "Cell sites",
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The map payload: one wedge per located cell plus the optional layers, with captions.

    Cells without an azimuth get a small circle instead of a wedge (``"omni": true``); cells
    without a beamwidth are drawn at :data:`DEFAULT_BEAMWIDTH` and flagged ``beamwidth_assumed``.
    """
    drawn = []
    for cell in cells:
        lat, lon = float(cell["lat"]), float(cell["lon"])
        azimuth = to_float(cell.get("azimuth"))
        beamwidth = to_float(cell.get("beamwidth"))
        entry = {
            "key": str(cell["key"]),
            "cgi": cell.get("cgi") or str(cell["key"]).split("@")[0],
            "lat": lat,
            "lon": lon,
            "azimuth": azimuth,
            "beamwidth": beamwidth if beamwidth else DEFAULT_BEAMWIDTH,
            "beamwidth_assumed": not beamwidth,
            "site_name": cell.get("site_name"),
            "omni": azimuth is None,
            "wedge": None
            if azimuth is None
            else [[round(a, 7), round(b, 7)] for a, b in sector_wedge(lat, lon, azimuth, beamwidth, radius_m)],
        }
        entry["tooltip"] = _cell_tooltip(entry, radius_m)
        drawn.append(entry)
    return {
        "kind": "map",
        "title": title,
        "captions": list(MAP_CAPTIONS),
        "radius_m": radius_m,
        "tile_url": tile_url,
        "cells": drawn,
        "movement": [dict(p) for p in movement],
        "meetings": [_meeting(m) for m in meetings],
        "cameras": [_camera(c) for c in cameras if _has_location(c)],
        "reads": sorted(
            ({**dict(r), "t": iso(first_present(r, "t", "time"))} for r in reads if _has_location(r)),
            key=lambda r: (r["t"] or "", str(r.get("camera_id", ""))),
        ),
        "meta": dict(meta or {}),
    }


def _has_location(row: Mapping[str, Any]) -> bool:
    return to_float(row.get("lat")) is not None and to_float(row.get("lon")) is not None


def _cell_tooltip(cell: Mapping[str, Any], radius_m: float) -> str:
    lines = [f"Cell {cell['cgi']}"]
    if cell.get("site_name"):
        lines.append(str(cell["site_name"]))
    if cell["omni"]:
        lines.append("Azimuth unknown: site only")
    else:
        assumed = " (assumed)" if cell["beamwidth_assumed"] else ""
        lines.append(f"Azimuth {cell['azimuth']:g}°, beamwidth {cell['beamwidth']:g}°{assumed}")
        lines.append(f"Wedge drawn at a fixed {radius_m:g} m: illustrative, not coverage")
    return "\n".join(lines)


def _meeting(row: Mapping[str, Any]) -> dict[str, Any]:
    lat = to_float(first_present(row, "lat", "latitude"))
    lon = to_float(first_present(row, "lon", "longitude"))
    numbers = first_present(row, "numbers", "parties", "pair")
    if numbers is None:
        numbers = [v for v in (row.get("a"), row.get("b")) if v]
    return {
        "lat": lat,
        "lon": lon,
        "start": iso(first_present(row, "start", "first", "from")),
        "end": iso(first_present(row, "end", "last", "to")),
        "numbers": list(numbers) if isinstance(numbers, list | tuple) else [numbers],
        "cells": list(row.get("cells") or []),
        "events": first_present(row, "events", "support", "count", "n_events"),
    }


def _camera(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "camera_id": str(first_present(row, "camera_id", "camera", "key")),
        "lat": to_float(row["lat"]),
        "lon": to_float(row["lon"]),
        "name": row.get("name"),
        "direction": row.get("direction"),
    }


def render_html(payload: Mapping[str, Any]) -> str:
    """A standalone HTML map: Leaflet and its CSS (images as data URIs) in-lined, no CDN."""
    return assets.render_page(
        "standalone.html",
        title=str(payload.get("title", "Map")),
        payload=payload,
        styles=["vendor/leaflet/leaflet.css", "css/charts.css"],
        scripts=["vendor/leaflet/leaflet.js", "js/charts.js"],
    )
