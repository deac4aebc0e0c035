"""Sector wedge geometry on the WGS84 sphere (spherical model, good to metres at wedge scale).

A wedge is drawn from a cell's azimuth and beamwidth at a *fixed illustrative radius*. It shows
which way the antenna points, not where the cell serves: real coverage depends on terrain, power,
tilt and load and is not modelled here (courts have rejected modelled coverage presented as fact,
*Colorado v Jones*, 2022).
"""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8
#: beamwidth assumed when the cell list gives none (a common three-sector value); flagged on the map
DEFAULT_BEAMWIDTH = 65.0


def destination(lat: float, lon: float, bearing_deg: float, distance_m: float) -> tuple[float, float]:
    """The point ``distance_m`` from (lat, lon) along the initial bearing ``bearing_deg`` (0 = north)."""
    phi1, lam1 = math.radians(lat), math.radians(lon)
    theta = math.radians(bearing_deg)
    delta = distance_m / EARTH_RADIUS_M
    phi2 = math.asin(math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta))
    lam2 = lam1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1), math.cos(delta) - math.sin(phi1) * math.sin(phi2)
    )
    return math.degrees(phi2), (math.degrees(lam2) + 540.0) % 360.0 - 180.0


def bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing in degrees [0, 360) from the first point to the second."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dlam = math.radians(lon2 - lon1)
    y = math.sin(dlam) * math.cos(phi2)
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlam)
    return (math.degrees(math.atan2(y, x)) + 360.0) % 360.0


def sector_wedge(
    lat: float, lon: float, azimuth: float, beamwidth: float | None, radius_m: float, *, step_deg: float = 5.0
) -> list[tuple[float, float]]:
    """The wedge polygon as (lat, lon) vertices: the site, then the arc clockwise, then the site.

    The arc runs from ``azimuth - beamwidth/2`` to ``azimuth + beamwidth/2``; its middle vertex
    lies on the azimuth. A beamwidth of 360 or more gives a full circle round the site (no
    centre vertex), for omnidirectional cells.
    """
    width = DEFAULT_BEAMWIDTH if beamwidth is None or beamwidth <= 0 else min(float(beamwidth), 360.0)
    if width >= 360.0:
        steps = int(360 / step_deg)
        return [destination(lat, lon, i * step_deg, radius_m) for i in range(steps)]
    half_steps = max(1, math.ceil(width / 2 / step_deg))
    start = azimuth - width / 2
    arc = [destination(lat, lon, start + width * i / (2 * half_steps), radius_m) for i in range(2 * half_steps + 1)]
    return [(lat, lon), *arc, (lat, lon)]


def wedge_axis_bearing(polygon: list[tuple[float, float]]) -> float:
    """The bearing from a wedge's site to its arc's middle vertex: the azimuth it was drawn at.

    Accepts the polygon closed (as :func:`sector_wedge` returns it) or open (as Leaflet keeps it).
    """
    site = polygon[0]
    closed = len(polygon) > 2 and tuple(polygon[-1]) == tuple(site)
    arc = polygon[1:-1] if closed else polygon[1:]
    middle = arc[len(arc) // 2]
    return bearing(site[0], site[1], middle[0], middle[1])


def angle_difference(a: float, b: float) -> float:
    """The smallest absolute difference between two bearings, in degrees."""
    return abs((a - b + 180.0) % 360.0 - 180.0)
