"""Static figures for exhibits: a plain SVG map of the cells behind a result.

No tiles and no network: the map is a projection of cell sites with illustrative sector wedges
(drawn at a fixed size, because a sector is not coverage), so it renders identically in a
browser, in WeasyPrint and years later.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

WIDTH, HEIGHT, PAD = 640, 400, 50
#: wedge radius in pixels: deliberately fixed; the drawn size means nothing
WEDGE_PX = 22
DEFAULT_BEAMWIDTH = 65.0


def cell_map_svg(cells: list[dict[str, Any]], title: str) -> str:
    """An SVG map of ``cells`` (dicts with lat, lon, azimuth, beamwidth, cgi/key, events)."""
    located = [c for c in cells if c.get("lat") is not None and c.get("lon") is not None]
    if not located:
        return ""
    project = _projection(located)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#f7f7f4" stroke="#999"/>',
    ]
    for cell in located:
        x, y = project(float(cell["lat"]), float(cell["lon"]))
        parts.append(_wedge(x, y, cell.get("azimuth"), cell.get("beamwidth")))
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1f3b73"/>')
        label = escape(str(cell.get("site_name") or cell.get("cgi") or cell.get("key")))
        parts.append(f'<text x="{x + 5:.1f}" y="{y - 5:.1f}" font-size="8" fill="#333">{label}</text>')
    parts.append(_scale_note(located))
    parts.append("</svg>")
    return "".join(parts)


def _projection(cells: list[dict[str, Any]]) -> Any:
    lats = [float(c["lat"]) for c in cells]
    lons = [float(c["lon"]) for c in cells]
    mid_lat = math.radians((min(lats) + max(lats)) / 2)
    kx = math.cos(mid_lat)
    span_x = max((max(lons) - min(lons)) * kx, 1e-4)
    span_y = max(max(lats) - min(lats), 1e-4)
    scale = min((WIDTH - 2 * PAD) / span_x, (HEIGHT - 2 * PAD) / span_y)
    cx = (WIDTH - span_x * scale) / 2
    cy = (HEIGHT - span_y * scale) / 2

    def project(lat: float, lon: float) -> tuple[float, float]:
        return cx + (lon - min(lons)) * kx * scale, HEIGHT - (cy + (lat - min(lats)) * scale)

    return project


def _wedge(x: float, y: float, azimuth: Any, beamwidth: Any) -> str:
    if azimuth is None:  # unknown azimuth: a dashed ring, not a guessed direction
        return (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{WEDGE_PX}" fill="none" stroke="#c77" '
            'stroke-dasharray="3,2" stroke-width="1"/>'
        )
    width = float(beamwidth) if beamwidth else DEFAULT_BEAMWIDTH
    if width >= 360:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{WEDGE_PX}" fill="#d9822b" fill-opacity="0.25"/>'
    a0, a1 = float(azimuth) - width / 2, float(azimuth) + width / 2
    x0, y0 = _polar(x, y, a0)
    x1, y1 = _polar(x, y, a1)
    large = 1 if width > 180 else 0
    return (
        f'<path d="M{x:.1f},{y:.1f} L{x0:.1f},{y0:.1f} A{WEDGE_PX},{WEDGE_PX} 0 {large} 1 {x1:.1f},{y1:.1f} Z" '
        'fill="#d9822b" fill-opacity="0.25" stroke="#d9822b" stroke-width="0.8"/>'
    )


def _polar(x: float, y: float, bearing_deg: float) -> tuple[float, float]:
    # a compass bearing: 0 = north (up), clockwise
    rad = math.radians(bearing_deg)
    return x + WEDGE_PX * math.sin(rad), y - WEDGE_PX * math.cos(rad)


def _scale_note(cells: list[dict[str, Any]]) -> str:
    return (
        f'<text x="8" y="{HEIGHT - 8}" font-size="9" fill="#555">{len(cells)} cell site(s); north up; '
        "wedges show azimuth and beamwidth only (illustrative, not coverage)</text>"
    )
