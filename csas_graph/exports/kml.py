"""KML for Google Earth: cell sites with illustrative sectors, and one number's movement.

- Folder "Cell sites": one placemark per located cell configuration, a point plus (when the
  azimuth is known) a sector polygon of ``sector_radius_m`` drawn with the recorded azimuth and
  beamwidth. The drawn length is arbitrary: **a sector is illustrative, not coverage**.
- Folder "Movement of <number>" (with ``number``): one time-stamped placemark per sighting on a
  located cell, so Google Earth's time slider plays it, and a ``gx:Tour`` flying from sighting to
  sighting. A phone used the cell *at or before* the time shown; unresolved cells are listed in
  the folder description, never placed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from pyproj import Geod

from csas_graph.exports.data import CaseData, ExportParams

KML_NS = "http://www.opengis.net/kml/2.2"
GX_NS = "http://www.google.com/kml/ext/2.2"
ET.register_namespace("", KML_NS)
ET.register_namespace("gx", GX_NS)
_GEOD = Geod(ellps="WGS84")
CAVEAT = "Sectors are illustrative, not coverage. A phone used this cell at or before the time shown."
DEFAULT_BEAMWIDTH = 65.0


def _k(tag: str) -> str:
    return f"{{{KML_NS}}}{tag}"


def _gx(tag: str) -> str:
    return f"{{{GX_NS}}}{tag}"


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    el = ET.SubElement(parent, tag)
    el.text = text
    return el


def export_kml(data: CaseData, params: ExportParams, sightings: list[dict[str, Any]]) -> tuple[bytes, int]:
    root = ET.Element(_k("kml"))
    doc = ET.SubElement(root, _k("Document"))
    _text(doc, _k("name"), f"CSAS-graph case {data.case_id}")
    _text(doc, _k("description"), f"All times UTC. {CAVEAT}")
    _styles(doc)
    placemarks = _cells(doc, data, params.sector_radius_m)
    if params.number is not None:
        placemarks += _movement(doc, params.number, sightings)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), placemarks


def _styles(doc: ET.Element) -> None:
    for style_id, line, poly in (("cell", "ff2b82d9", "402b82d9"), ("sighting", "ff733b1f", "00000000")):
        style = ET.SubElement(doc, _k("Style"), {"id": style_id})
        line_style = ET.SubElement(style, _k("LineStyle"))
        _text(line_style, _k("color"), line)
        poly_style = ET.SubElement(style, _k("PolyStyle"))
        _text(poly_style, _k("color"), poly)


def _cells(doc: ET.Element, data: CaseData, radius_m: float) -> int:
    folder = ET.SubElement(doc, _k("Folder"))
    _text(folder, _k("name"), "Cell sites")
    _text(folder, _k("description"), CAVEAT)
    count = 0
    for node in data.nodes.values():
        if node["label"] != "Cell" or node.get("lat") is None or node.get("lon") is None:
            continue
        placemark = ET.SubElement(folder, _k("Placemark"), {"id": _safe_id(node["id"])})
        _text(placemark, _k("name"), str(node.get("site_name") or node.get("cgi") or node["key"]))
        _text(placemark, _k("description"), _cell_description(node))
        _text(placemark, _k("styleUrl"), "#cell")
        geometry = ET.SubElement(placemark, _k("MultiGeometry"))
        point = ET.SubElement(geometry, _k("Point"))
        _text(point, _k("coordinates"), f"{node['lon']:.6f},{node['lat']:.6f},0")
        if node.get("azimuth") is not None:
            ring = sector(node["lat"], node["lon"], node["azimuth"], node.get("beamwidth"), radius_m)
            polygon = ET.SubElement(geometry, _k("Polygon"))
            outer = ET.SubElement(ET.SubElement(polygon, _k("outerBoundaryIs")), _k("LinearRing"))
            _text(outer, _k("coordinates"), " ".join(f"{lon:.6f},{lat:.6f},0" for lon, lat in ring))
        count += 1
    return count


def sector(
    lat: float, lon: float, azimuth: float, beamwidth: float | None, radius_m: float
) -> list[tuple[float, float]]:
    """A closed wedge (lon, lat) from the site along ``azimuth`` ± half the beamwidth."""
    width = float(beamwidth) if beamwidth else DEFAULT_BEAMWIDTH
    if width >= 360:
        bearings = [i * 10.0 for i in range(37)]
        ring = [_GEOD.fwd(lon, lat, b, radius_m)[:2] for b in bearings]
        return [(x, y) for x, y in ring]
    steps = max(4, int(width // 5))
    start = float(azimuth) - width / 2
    arc = [_GEOD.fwd(lon, lat, start + width * i / steps, radius_m)[:2] for i in range(steps + 1)]
    return [(lon, lat), *[(x, y) for x, y in arc], (lon, lat)]


def _cell_description(node: dict[str, Any]) -> str:
    azimuth = "unknown" if node.get("azimuth") is None else f"{node['azimuth']}°"
    return (
        f"CGI {node.get('cgi', '')}; azimuth {azimuth}; beamwidth {node.get('beamwidth', 'unknown')}; "
        f"valid {node.get('valid_from', 'unknown')} to {node.get('valid_to') or 'open'}; "
        f"cell list SHA-256 {node.get('source_sha256', 'n/a')}. {CAVEAT}"
    )


def _movement(doc: ET.Element, number: str, sightings: list[dict[str, Any]]) -> int:
    folder = ET.SubElement(doc, _k("Folder"))
    _text(folder, _k("name"), f"Movement of {number}")
    located = [s for s in sightings if s.get("lat") is not None and s.get("lon") is not None]
    unplaced = sorted({s["cell"] for s in sightings if s.get("lat") is None})
    note = f"{len(located)} sightings on located cells, times UTC. {CAVEAT}"
    if unplaced:
        note += f" Not placed (cell unresolved): {', '.join(unplaced)}."
    _text(folder, _k("description"), note)
    for i, s in enumerate(located):
        placemark = ET.SubElement(folder, _k("Placemark"), {"id": f"s{i + 1}"})
        _text(placemark, _k("name"), f"{s['t']} {s.get('type', '')} ({s.get('role', '')})")
        _text(
            placemark,
            _k("description"),
            f"{number} used cell {s.get('cgi') or s['cell']} at or before {s['t']} UTC; event {s['event_id']}; "
            f"source {s.get('src_sha256', '')} row {s.get('src_row', '')}.",
        )
        stamp = ET.SubElement(placemark, _k("TimeStamp"))
        _text(stamp, _k("when"), str(s["t"]))
        _text(placemark, _k("styleUrl"), "#sighting")
        point = ET.SubElement(placemark, _k("Point"))
        _text(point, _k("coordinates"), f"{s['lon']:.6f},{s['lat']:.6f},0")
    _tour(doc, number, located)
    return len(located)


def _tour(doc: ET.Element, number: str, located: list[dict[str, Any]]) -> None:
    tour = ET.SubElement(doc, _gx("Tour"))
    _text(tour, _k("name"), f"Tour of {number}")
    playlist = ET.SubElement(tour, _gx("Playlist"))
    for s in located:
        fly = ET.SubElement(playlist, _gx("FlyTo"))
        _text(fly, _gx("duration"), "2.0")
        _text(fly, _gx("flyToMode"), "smooth")
        look = ET.SubElement(fly, _k("LookAt"))
        stamp = ET.SubElement(look, _gx("TimeStamp"))
        _text(stamp, _k("when"), str(s["t"]))
        _text(look, _k("longitude"), f"{s['lon']:.6f}")
        _text(look, _k("latitude"), f"{s['lat']:.6f}")
        _text(look, _k("range"), "3000")
        _text(look, _k("tilt"), "0")
        _text(look, _k("heading"), "0")
        wait = ET.SubElement(playlist, _gx("Wait"))
        _text(wait, _gx("duration"), "1.0")


def _safe_id(value: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in value)
