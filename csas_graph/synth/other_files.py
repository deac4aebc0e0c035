"""Cell lists (WGS84 and BNG), the ANPR camera list and reads, and the subscriber list."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from csas_graph.synth import layouts as L
from csas_graph.synth.ids import national

if TYPE_CHECKING:
    from csas_graph.synth.generate import OutFile, World

VALID_FROM = "01/01/2024"
RECONFIG_TEXT = "01/11/2024"
TECH_TEXT = {"LTE": "LTE", "UMTS": "UMTS", "GSM": "GSM"}


def _cell_rows(world: World) -> pd.DataFrame:
    """One row per cell configuration; a re-azimuthed cell has two (before/after)."""
    town = world.town
    cells = pd.concat([town.cells.drop(columns=["neighbour"], errors="ignore"), town.small_cells], ignore_index=True)
    cells["valid_from"] = VALID_FROM
    cells["valid_to"] = ""
    keep = ~cells.index.isin(world.missing_cells)
    rows = cells.loc[keep].copy()
    extra = []
    for cell, _when, _old, new in world.reconfigured:
        rows.loc[cell, "valid_to"] = RECONFIG_TEXT
        after = rows.loc[[cell]].copy()
        after["valid_from"] = RECONFIG_TEXT
        after["valid_to"] = ""
        after["azimuth"] = new
        after.index = [cell + 0.5]
        extra.append(after)
    rows = pd.concat([rows, *extra]).sort_index(kind="stable")
    return rows


def _text(rows: pd.DataFrame, geo: str) -> pd.DataFrame:
    def num(col: str) -> pd.Series:
        return rows[col].map(lambda x: "" if x is None or pd.isna(x) else str(int(x)))

    base = {
        "CGI": rows["cgi"].to_numpy(),
        "MCC": rows["mcc"].to_numpy(),
        "MNC": rows["mnc"].to_numpy(),
        "LAC": rows["lac"].astype(str).to_numpy(),
        "CI": rows["ci"].astype(str).to_numpy(),
        "Technology": rows["tech"].map(TECH_TEXT).to_numpy(),
        "Site Name": rows["site_name"].to_numpy(),
        "Address": rows["address"].to_numpy(),
        "Postcode": rows["postcode"].to_numpy(),
    }
    if geo == "wgs84":
        base["Latitude"] = rows["lat"].map(lambda x: f"{x:.6f}").to_numpy()
        base["Longitude"] = rows["lon"].map(lambda x: f"{x:.6f}").to_numpy()
    else:
        base["Easting"] = rows["easting"].map(lambda x: str(int(x))).to_numpy()
        base["Northing"] = rows["northing"].map(lambda x: str(int(x))).to_numpy()
    base["Azimuth"] = num("azimuth").to_numpy()  # blank = unknown (omni/indoor), 0 = north
    base["Beamwidth"] = num("beamwidth").to_numpy()
    base["Valid From"] = rows["valid_from"].to_numpy()
    base["Valid To"] = rows["valid_to"].to_numpy()
    out = pd.DataFrame(base)
    return out[L.HEADER_CELLS_WGS84 if geo == "wgs84" else L.HEADER_CELLS_BNG]


def cell_files(world: World) -> list[OutFile]:
    """Cells of MNC 10 and 15 as WGS84; MNC 30/030 and the small cells as BNG (BOM + CRLF)."""
    from csas_graph.synth.generate import OutFile

    rows = _cell_rows(world)
    wgs = rows["mnc"].isin(["10", "15"]).to_numpy()
    out = []
    for name, mask, geo, template in (
        ("cells_wgs84.csv", wgs, "wgs84", "cells_wgs84"),
        ("cells_osgb36.csv", ~wgs, "bng", "cells_osgb36"),
    ):
        sub = rows.loc[mask]
        text = _text(sub, geo)
        f = OutFile(name=name, layout="cells", kind="cells", template=template, text=text)
        blank_az = int((text["Azimuth"] == "").sum())
        if blank_az:
            f.flags = {"azimuth_unknown": blank_az}
        if geo == "bng":
            f.bom = f.crlf = True
        out.append(f)
    return out


def anpr_files(world: World, rng: np.random.Generator) -> list[OutFile]:
    """The camera list, and reads with the location inline for even-numbered cameras only."""
    from csas_graph.synth.generate import OutFile

    cams = world.town.cameras
    cam_text = pd.DataFrame(
        {
            "Camera ID": cams["camera_id"],
            "Camera Name": cams["name"],
            "Latitude": cams["lat"].map(lambda x: f"{x:.6f}"),
            "Longitude": cams["lon"].map(lambda x: f"{x:.6f}"),
            "Easting": cams["easting"].map(lambda x: str(int(x))),
            "Northing": cams["northing"].map(lambda x: str(int(x))),
        }
    )[L.HEADER_CAMERAS]
    reads = world.anpr
    n = len(reads)
    c = reads["camera"].to_numpy()
    inline = c % 2 == 0
    vrm = reads["vrm"].to_numpy().astype(str)
    spaced = pd.Series(vrm).str[:4] + " " + pd.Series(vrm).str[4:]
    # direction from the same vehicle's previous read (road cameras are numbered west to east)
    prev = reads.groupby("vrm")["camera"].shift(1).fillna(-1).to_numpy()
    nxt = reads.groupby("vrm")["camera"].shift(-1).fillna(-1).to_numpy()
    step = np.where(prev >= 0, c - prev, nxt - c)
    east = np.where(step > 0, "EB", np.where(step < 0, "WB", "NB"))
    makes = np.array(["FORD", "VAUXHALL", "BMW", "TOYOTA", "VOLKSWAGEN"], dtype=object)
    models = np.array(["FOCUS", "CORSA", "320D", "YARIS", "GOLF"], dtype=object)
    colours = np.array(["BLUE", "SILVER", "BLACK", "WHITE", "RED"], dtype=object)
    h = pd.Series(vrm).map(lambda v: sum(map(ord, v)) % 5).to_numpy()

    def where_inline(values: pd.Series) -> np.ndarray:
        return np.where(inline, values.to_numpy()[c], "")

    text = pd.DataFrame(
        {
            "Read ID": [f"R{i + 1:08d}" for i in range(n)],
            "VRM": np.where(rng.random(n) < 0.3, spaced, vrm),
            "Read Date/Time (UTC)": L.fmt(L.times(reads["t"].to_numpy(), False), "%d/%m/%Y %H:%M:%S").to_numpy(),
            "Camera ID": cams["camera_id"].to_numpy()[c],
            "Camera Name": cams["name"].to_numpy()[c],
            "Source ID": "SYN-NAS",
            "Latitude": where_inline(cam_text["Latitude"]),
            "Longitude": where_inline(cam_text["Longitude"]),
            "Easting": where_inline(cam_text["Easting"]),
            "Northing": where_inline(cam_text["Northing"]),
            "Direction Of Travel": east,
            "Lane": (1 + reads["t"].to_numpy() % 2).astype(str),
            "OCR Confidence": (80 + rng.integers(0, 20, n)).astype(str),
            "Make": makes[h],
            "Model": models[h],
            "Colour": colours[h],
            "MMC Record": "Y",
            "Hit": "N",
            "VOI List": "",
            "Plate Image Ref": [f"P{i + 1:08d}.jpg" for i in range(n)],
            "Overview Image Ref": [f"O{i + 1:08d}.jpg" for i in range(n)],
        }
    )[L.HEADER_ANPR]
    cam_file = OutFile(name="anpr_cameras.csv", layout="anpr", kind="anpr", template="anpr_cameras", text=cam_text)
    reads_file = OutFile(name="anpr_reads.csv", layout="anpr", kind="anpr", template="anpr_reads", text=text)
    return [cam_file, reads_file]


NAMES = (
    "Alex Carter",
    "Sam Patel",
    "Jordan Hughes",
    "Chris Morgan",
    "Taylor Evans",
    "Robin Shah",
    "Jamie Clarke",
    "Morgan Price",
    "Casey Ward",
    "Riley Bennett",
    "Drew Khan",
    "Charlie Lewis",
)


def subscriber_file(world: World) -> OutFile:
    """Subscriber attribution for the covered numbers (burners are unregistered pay-as-you-go)."""
    from csas_graph.synth.generate import OutFile

    ph = world.pop.phones
    sel = ph.index[ph["covered"] & (ph["kind"] == "mobile")].to_numpy()
    text = pd.DataFrame(
        {
            "MSISDN": [national(str(x)) for x in ph["e164"].to_numpy()[sel]],
            "Subscriber Name": [f"{NAMES[i % len(NAMES)]} {i:03d}" for i in sel],
            "Address": [f"{1 + i % 90} {('Elm', 'Oak', 'Ash', 'Birch')[i % 4]} Close" for i in sel],
            "Postcode": [f"E{1 + i % 18} {1 + i % 9}ZZ" for i in sel],
            "Date of Birth": [f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1960 + i % 40}" for i in sel],
            "Notes": ["Synthetic" for _ in sel],
        }
    )[L.HEADER_SUBSCRIBERS]
    return OutFile(name="subscribers.csv", layout="subscribers", kind="subscribers", template="subscribers", text=text)


HEADER_OPENCELLID = "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal"


def opencellid_file(world: World, rng: np.random.Generator) -> OutFile:
    """An OpenCellID-style export of the listed serving cells: crowd-sourced position estimates
    (the site moved by up to ~250 m, ``changeable`` 1), ``net`` written as the export does (an
    integer: ``030`` becomes ``30``), created/updated as Unix seconds. Opt-in (``--layouts``)."""
    from csas_graph.synth.generate import OutFile

    cells = world.town.cells
    keep = ~cells.index.isin(world.missing_cells)
    c = cells.loc[keep]
    n = len(c)
    ang = rng.uniform(0, 2 * np.pi, n)
    dist = rng.uniform(20, 250, n)
    from csas_graph.synth.town import bng_to_wgs84

    lat, lon = bng_to_wgs84(
        c["easting"].to_numpy(float) + dist * np.sin(ang), c["northing"].to_numpy(float) + dist * np.cos(ang)
    )
    radio = c["tech"].map({"LTE": "LTE", "UMTS": "UMTS", "GSM": "GSM"}).to_numpy()
    text = pd.DataFrame(
        {
            "radio": radio,
            "mcc": c["mcc"].to_numpy(),
            "net": c["mnc"].map(lambda m: str(int(m))).to_numpy(),
            "area": c["lac"].astype(str).to_numpy(),
            "cell": c["ci"].astype(str).to_numpy(),
            "unit": rng.integers(0, 504, n).astype(str),
            "lon": [f"{x:.6f}" for x in lon],
            "lat": [f"{x:.6f}" for x in lat],
            "range": rng.integers(300, 3000, n).astype(str),
            "samples": rng.integers(2, 400, n).astype(str),
            "changeable": "1",
            "created": (1_577_836_800 + rng.integers(0, 10**8, n)).astype(str),
            "updated": (1_704_067_200 + rng.integers(0, 2 * 10**7, n)).astype(str),
            "averageSignal": "",
        },
        dtype=object,
    )[HEADER_OPENCELLID.split(",")]
    return OutFile(
        name="cells_opencellid.csv", layout="opencellid", kind="cells", template="cells_opencellid", text=text
    )
