"""A synthetic town: three-sector cell sites, a main road with ANPR cameras, and places.

The town sits around BNG E 530000 N 180000 (inner London) on a jittered grid of sites about
900 m apart. Each site carries three sectors at roughly 0/120/240 degrees with a 65 degree
beamwidth. A point is *served* by the nearest site's sector whose azimuth is closest to the
bearing from the site to the point. This is a drawing convention for test data only: real
serving cells depend on radio coverage, which a sector drawing does not show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pyproj import Transformer

from csas_graph.synth.ids import MCC_UK, cgi

CENTRE_E, CENTRE_N = 530_000.0, 180_000.0
SITE_SPACING_M = 900.0
ROAD_NORTHING = CENTRE_N  # the main road runs east-west through the centre
STREETS = ("High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue", "King Street", "Queens Road")

_BNG_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def bng_to_wgs84(easting: np.ndarray, northing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (WGS84) for BNG eastings/northings (pyproj; Helmert if offline)."""
    lon, lat = _BNG_TO_WGS84.transform(np.asarray(easting, float), np.asarray(northing, float))
    return np.round(lat, 6), np.round(lon, 6)


@dataclass
class Town:
    """Sites, cells (one row per cell configuration) and ANPR cameras of the synthetic town."""

    sites: pd.DataFrame
    #: one row per *serving* cell (index = cell number used by the generator)
    cells: pd.DataFrame
    #: indoor/omni small cells that appear only in the cell list (blank azimuth)
    small_cells: pd.DataFrame
    cameras: pd.DataFrame
    road_cells: np.ndarray
    #: cell number -> other sector of the same site (an "adjacent" cell)
    neighbour: np.ndarray
    reconfigured: dict[int, tuple[int, int, str]] = field(default_factory=dict)  # cell -> (old, new, date)

    def serving_cell(self, easting: np.ndarray, northing: np.ndarray) -> np.ndarray:
        """The cell number serving each point (nearest site, best-facing sector)."""
        e = np.atleast_1d(np.asarray(easting, float))
        n = np.atleast_1d(np.asarray(northing, float))
        se = self.sites["easting"].to_numpy(float)
        sn = self.sites["northing"].to_numpy(float)
        d2 = (e[:, None] - se[None, :]) ** 2 + (n[:, None] - sn[None, :]) ** 2
        site = d2.argmin(axis=1)
        bearing = (np.degrees(np.arctan2(e - se[site], n - sn[site])) + 360.0) % 360.0
        first = site * 3
        az = self.cells["azimuth"].to_numpy(float)
        best = np.zeros(len(e), dtype=np.int64)
        best_diff = np.full(len(e), 999.0)
        for k in range(3):
            diff = np.abs((bearing - az[first + k] + 180.0) % 360.0 - 180.0)
            better = diff < best_diff
            best = np.where(better, first + k, best)
            best_diff = np.where(better, diff, best_diff)
        return best


def _postcode(rng: np.random.Generator) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"E{rng.integers(1, 19)} {rng.integers(1, 10)}{letters[rng.integers(0, 20)]}{letters[rng.integers(0, 20)]}"


def build_town(rng: np.random.Generator, n_sites: int = 45) -> Town:
    """Sites on a jittered grid, three sectors each, cameras along the main road and elsewhere."""
    side = int(np.ceil(np.sqrt(n_sites)))
    gx, gy = np.meshgrid(np.arange(side), np.arange(side))
    gx, gy = gx.ravel()[:n_sites], gy.ravel()[:n_sites]
    e = CENTRE_E + (gx - (side - 1) / 2) * SITE_SPACING_M + rng.uniform(-150, 150, n_sites)
    n = CENTRE_N + (gy - (side - 1) / 2) * SITE_SPACING_M + rng.uniform(-150, 150, n_sites)
    e, n = np.round(e), np.round(n)
    lat, lon = bng_to_wgs84(e, n)
    mnc = rng.choice(np.array(["10", "15", "30"], dtype=object), size=n_sites)
    mnc[n_sites // 2] = "030"  # one operator written with a 3-digit MNC (not the same code as "30")
    tech = rng.choice(np.array(["LTE", "UMTS", "GSM"]), size=n_sites, p=[0.6, 0.25, 0.15])
    sites = pd.DataFrame(
        {
            "site_id": [f"S{i:03d}" for i in range(n_sites)],
            "site_name": [f"SYN-{i:03d} {STREETS[i % len(STREETS)].split()[0].upper()}" for i in range(n_sites)],
            "address": [f"{10 + i} {STREETS[i % len(STREETS)]}" for i in range(n_sites)],
            "postcode": [_postcode(rng) for _ in range(n_sites)],
            "easting": e,
            "northing": n,
            "lat": lat,
            "lon": lon,
            "mnc": mnc,
            "tech": tech,
        }
    )
    rows = []
    for i in range(n_sites):
        base = rng.uniform(-15, 15)
        for k in range(3):
            az = int(round(k * 120 + base + rng.uniform(-10, 10))) % 360
            if i == 0 and k == 0:
                az = 0  # an azimuth of exactly 0 (north), which must not read as "unknown"
            if tech[i] == "LTE":
                lac = 5000 + i // 8
                enb = 10_000 + i
                ci = enb * 256 + (k + 1)
                gen = "4G"
            else:
                lac = 1000 + i // 8
                ci = i * 10 + k + 1
                enb = -1
                gen = "3G" if tech[i] == "UMTS" else "2G"
            rows.append(
                {
                    "cgi": cgi(MCC_UK, str(mnc[i]), lac, ci),
                    "mcc": MCC_UK,
                    "mnc": str(mnc[i]),
                    "lac": lac,
                    "ci": ci,
                    "enb": enb,
                    "sector": k + 1,
                    "site": i,
                    "tech": str(tech[i]),
                    "generation": gen,
                    "azimuth": az,
                    "beamwidth": 65,
                }
            )
    cells = pd.DataFrame(rows)
    for col in ("site_name", "address", "postcode", "easting", "northing", "lat", "lon"):
        cells[col] = sites[col].to_numpy()[cells["site"].to_numpy()]
    neighbour = np.array([c - c % 3 + (c % 3 + 1) % 3 for c in range(len(cells))])

    # indoor / omni small cells: in the cell list only, with a blank azimuth
    small = []
    for j in range(3):
        se, sn = CENTRE_E + rng.uniform(-2000, 2000), CENTRE_N + rng.uniform(-2000, 2000)
        la, lo = bng_to_wgs84(np.array([se]), np.array([sn]))
        small.append(
            {
                "cgi": cgi(MCC_UK, "30", 7000, 900 + j),
                "mcc": MCC_UK,
                "mnc": "30",
                "lac": 7000,
                "ci": 900 + j,
                "enb": -1,
                "sector": 0,
                "site": -1,
                "tech": "UMTS",
                "generation": "3G",
                "azimuth": None,
                "beamwidth": None,
                "site_name": f"SYN-IND-{j} SHOPPING CENTRE",
                "address": f"Unit {j + 1} The Mall",
                "postcode": _postcode(rng),
                "easting": round(se),
                "northing": round(sn),
                "lat": float(la[0]),
                "lon": float(lo[0]),
            }
        )
    small_cells = pd.DataFrame(small)

    # cameras: six along the main road, eight elsewhere (150-400 m from a site)
    span = (side - 1) / 2 * SITE_SPACING_M
    road_e = np.linspace(CENTRE_E - span, CENTRE_E + span, 6)
    road_n = np.full(6, ROAD_NORTHING) + rng.uniform(-40, 40, 6)
    other_sites = rng.choice(n_sites, size=8, replace=False)
    ang = rng.uniform(0, 2 * np.pi, 8)
    dist = rng.uniform(150, 400, 8)
    oth_e = e[other_sites] + dist * np.sin(ang)
    oth_n = n[other_sites] + dist * np.cos(ang)
    cam_e = np.round(np.concatenate([road_e, oth_e]))
    cam_n = np.round(np.concatenate([road_n, oth_n]))
    clat, clon = bng_to_wgs84(cam_e, cam_n)
    n_cam = len(cam_e)
    cameras = pd.DataFrame(
        {
            "camera_id": [f"CAM{i + 1:04d}" for i in range(n_cam)],
            "name": [
                f"A{1200 + i} Main Road" if i < 6 else f"{STREETS[i % len(STREETS)]} jct {i}" for i in range(n_cam)
            ],
            "easting": cam_e,
            "northing": cam_n,
            "lat": clat,
            "lon": clon,
            "on_road": [i < 6 for i in range(n_cam)],
        }
    )
    town = Town(sites, cells, small_cells, cameras, np.array([], dtype=np.int64), neighbour)
    cameras["cell"] = town.serving_cell(cam_e, cam_n)
    town.road_cells = np.unique(cameras.loc[cameras["on_road"], "cell"].to_numpy())
    return town
