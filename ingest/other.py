"""Cleansing of cell site lists, ANPR reads, subscriber lists and camera lists.

Cells: a CGI (or MCC/MNC/LAC/CI columns) is parsed like a CDR cell; the location is WGS84
lat/lon when given, else BNG eastings/northings converted with pyproj (the CRS and transform are
recorded per row). ``valid_from``/``valid_to`` are dates (NaT = open), so an event resolves to
the configuration valid on its date. The same cell configuration twice is ``exact_duplicate``.

ANPR: the VRM is upper-cased without spaces; the camera location comes inline (lat/lon,
easting/northing, or a ``(lon, -lat)`` GPS string with the spurious minus on latitude repaired)
or from a camera list. Subscribers: the number is normalised like a CDR party.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csas_graph.errors import IngestError
from ingest.chunk import (
    GB_LAT,
    GB_LON,
    FileContext,
    RawChunk,
    Rows,
    bng_to_wgs84,
    cached_map,
    column,
    frame_of,
    gridref_to_en,
    has,
    mask_of,
    objectify,
    to_float,
    transform_description,
    unswap_latlon,
)
from ingest.normalise import CellId, cell_from_parts, normalise_number, parse_cell
from ingest.reasons import Reason
from ingest.source import is_summary
from ingest.timeparse import localise, parse_naive


@dataclass
class OtherState:
    seen: set[str] = field(default_factory=set)


def _uncomma(values: pd.Series) -> np.ndarray:
    """Text with the ``_COMMA_`` escape some exports use for commas inside fields, restored."""
    out = values.to_numpy(dtype=object, copy=True)
    for i in np.flatnonzero(values.str.contains("_COMMA_", regex=False).fillna(False).to_numpy(dtype=bool)):
        out[i] = out[i].replace("_COMMA_", ",")
    return out


def cleanse_other(ctx: FileContext, chunk: RawChunk, state: OtherState) -> pd.DataFrame:
    kind = ctx.template.kind
    if kind == "cells":
        return cleanse_cells(ctx, chunk, state)
    if kind == "anpr":
        return cleanse_anpr(ctx, chunk, state)
    return cleanse_subscribers(ctx, chunk, state)


def _summary(rows: Rows, chunk: RawChunk, blank: np.ndarray) -> None:
    if blank.any():
        summary = np.zeros(rows.n, dtype=bool)
        for i in (int(x) for x in np.flatnonzero(blank)):
            summary[i] = is_summary(chunk.fields[i])
        rows.reject(summary, Reason.SUMMARY_ROW, "summary row, not a record")


def _dedupe(rows: Rows, keys: list[str | None], state: OtherState) -> None:
    alive = rows.alive()
    for i, key in enumerate(keys):
        if key is None or not alive[i]:
            continue
        if key in state.seen:
            rows.merge_at(i, Reason.EXACT_DUPLICATE)
        else:
            state.seen.add(key)


def _dates(ctx: FileContext, chunk: RawChunk, name: str) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """(dates as tz-naive midnight timestamps, unparseable-but-present mask, raw text)."""
    raw = column(ctx, chunk, name)
    naive, _, _ = parse_naive(raw.astype(str), ctx.date_order)
    bad = (raw != "").to_numpy() & naive.isna().to_numpy()
    return naive.dt.normalize(), bad, raw


# --- cells ---------------------------------------------------------------------------------------


def _opencellid_tech(value: str) -> str:
    return {"GSM": "2G", "UMTS": "3G", "LTE": "4G", "NR": "5G", "CDMA": "CDMA"}.get(value.strip().upper(), value)


def cleanse_cells(ctx: FileContext, chunk: RawChunk, state: OtherState) -> pd.DataFrame:
    rows = Rows(chunk)
    n = rows.n
    template = ctx.template
    home = tuple(template.cells.home_mcc)
    label = ctx.column_label
    opencellid = template.location_source == "opencellid"

    if has(ctx, "cgi"):
        cgi_raw = column(ctx, chunk, "cgi")
        parsed: Any = cached_map(cgi_raw, lambda v: parse_cell(v, home, template.cells.mnc_digits))
    else:
        cgi_raw = pd.Series([""] * n, dtype=object)
        parsed = [CellId(None, None)] * n
    comps = [column(ctx, chunk, f) for f in ("mcc", "mnc", "lac", "ci", "enb_id")]
    if opencellid:
        comps[1] = comps[1].map(lambda v: v.zfill(2) if v.isdigit() else v)
    if any(has(ctx, f) for f in ("mcc", "ci")):
        sector = column(ctx, chunk, "sector") if not opencellid else pd.Series([""] * n, dtype=object)
        keyed = pd.Series(list(zip(*[c.tolist() for c in comps], sector.tolist(), strict=True)), dtype=object)
        from_parts: Any = cached_map(keyed, lambda t: cell_from_parts(*t, home_mccs=home))  # type: ignore[misc]
        parsed = [p if p.cgi else q for p, q in zip(parsed, from_parts, strict=True)]
    cgi = np.array([p.cgi for p in parsed], dtype=object)
    blank = np.array([c is None for c in cgi], dtype=bool)
    _summary(rows, chunk, blank)
    rows.reject(blank, Reason.MISSING_REQUIRED, f"{label('cgi') if has(ctx, 'cgi') else label('ci')} is blank")
    rows.flag_masks(np.array([mask_of(p.flags) for p in parsed], dtype=np.int64))

    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    crs = np.full(n, None, dtype=object)
    transform = np.full(n, None, dtype=object)
    easting = np.full(n, np.nan)
    northing = np.full(n, np.nan)
    if has(ctx, "lat") and has(ctx, "lon"):
        lat = to_float(column(ctx, chunk, "lat")).to_numpy(copy=True)
        lon = to_float(column(ctx, chunk, "lon")).to_numpy(copy=True)
        crs[~np.isnan(lat)] = "EPSG:4326"
    if has(ctx, "lat") and has(ctx, "lon"):
        rows.flag(unswap_latlon(lat, lon), Reason.COORDINATE_OUT_OF_RANGE)
    if has(ctx, "easting") and has(ctx, "northing"):
        easting = to_float(column(ctx, chunk, "easting")).to_numpy(copy=True)
        northing = to_float(column(ctx, chunk, "northing")).to_numpy(copy=True)
    if has(ctx, "grid_ref"):
        refs = cached_map(column(ctx, chunk, "grid_ref"), lambda v: gridref_to_en(v) or (np.nan, np.nan))
        from_ref = np.isnan(easting)
        easting[from_ref] = refs.attr(lambda t: t[0], dtype="float64")[from_ref]
        northing[from_ref] = refs.attr(lambda t: t[1], dtype="float64")[from_ref]
    if not np.isnan(easting).all():
        need = np.isnan(lat) & ~np.isnan(easting)
        if need.any():
            c_lat, c_lon, bad = bng_to_wgs84(pd.Series(easting[need]), pd.Series(northing[need]))
            lat[need], lon[need] = c_lat, c_lon
            crs[need] = "EPSG:27700"
            transform[need] = transform_description()
            out_of_range = np.zeros(n, dtype=bool)
            out_of_range[need] = bad
            rows.flag(out_of_range, Reason.COORDINATE_OUT_OF_RANGE)
    wgs = crs == "EPSG:4326"
    bad_wgs = wgs & ((lat < GB_LAT[0]) | (lat > GB_LAT[1]) | (lon < GB_LON[0]) | (lon > GB_LON[1]))
    # outside GB is legitimate for roaming cells: flag, keep the coordinates unless impossible
    roaming = np.array([Reason.ROAMING.value in p.flags for p in parsed], dtype=bool)
    rows.flag(bad_wgs & ~roaming, Reason.COORDINATE_OUT_OF_RANGE)
    impossible = wgs & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
    lat[impossible] = np.nan
    lon[impossible] = np.nan

    azimuth = np.full(n, np.nan)
    if has(ctx, "azimuth"):
        azimuth = to_float(column(ctx, chunk, "azimuth")).to_numpy(copy=True)
        azimuth[(azimuth < 0) | (azimuth > 360)] = np.nan
        rows.flag(np.isnan(azimuth), Reason.AZIMUTH_UNKNOWN)
    beamwidth = (
        to_float(column(ctx, chunk, "beamwidth")).to_numpy(copy=True) if has(ctx, "beamwidth") else np.full(n, np.nan)
    )

    valid_from, bad_from, from_raw = _dates(ctx, chunk, "valid_from")
    valid_to, bad_to, to_raw = _dates(ctx, chunk, "valid_to")
    rows.reject(bad_from, Reason.BAD_TIMESTAMP, lambda i: f"{label('valid_from')} {from_raw.iat[i]!r} is not a date")
    rows.reject(bad_to, Reason.BAD_TIMESTAMP, lambda i: f"{label('valid_to')} {to_raw.iat[i]!r} is not a date")
    if opencellid and has(ctx, "created"):
        valid_from = pd.Series(pd.NaT, index=range(n), dtype="datetime64[us]")

    technology = column(ctx, chunk, "technology")
    if opencellid:
        technology = technology.map(_opencellid_tech)
    vf_iso = valid_from.dt.strftime("%Y-%m-%d").fillna("")
    keys = [None if c is None else f"{c}@{d}" for c, d in zip(cgi, vf_iso.tolist(), strict=True)]
    _dedupe(rows, keys, state)

    out = rows.outcome_columns()
    frame = frame_of(
        {
            **out,
            "cgi": cgi,
            "cell_kind": np.array([p.kind for p in parsed], dtype=object),
            "cgi_raw": cgi_raw.to_numpy(dtype=object),
            "mcc": np.array([p.mcc for p in parsed], dtype=object),
            "mnc": np.array([p.mnc for p in parsed], dtype=object),
            "lac": pd.array([p.lac for p in parsed], dtype="Int64"),
            "ci": pd.array([p.ci for p in parsed], dtype="Int64"),
            "lat": lat,
            "lon": lon,
            "easting": easting,
            "northing": northing,
            "crs_source": crs,
            "transform": transform,
            "azimuth": azimuth,
            "beamwidth": beamwidth,
            "technology": technology.to_numpy(dtype=object),
            "site_name": _uncomma(column(ctx, chunk, "site_name")),
            "address": _uncomma(column(ctx, chunk, "address")),
            "postcode": column(ctx, chunk, "postcode").to_numpy(dtype=object),
            "valid_from": valid_from.dt.date.to_numpy(),
            "valid_to": valid_to.dt.date.to_numpy(),
            "location_source": template.location_source,
        },
        rows.n,
    )
    for name in ("valid_from", "valid_to"):
        frame[name] = pd.to_datetime(frame[name], errors="coerce")
    for name in ("technology", "site_name", "address", "postcode", "cgi_raw"):
        frame[name] = frame[name].where(frame[name] != "", None)
    if opencellid:
        frame["range_m"] = to_float(column(ctx, chunk, "range_m")).to_numpy()
        frame["samples"] = pd.to_numeric(column(ctx, chunk, "samples"), errors="coerce").astype("Int64")
        frame["changeable"] = column(ctx, chunk, "changeable").to_numpy(dtype=object)
    return objectify(frame, _TEXT_CELLS)


_TEXT_CELLS = [
    "outcome",
    "reason",
    "error",
    "cgi",
    "cell_kind",
    "cgi_raw",
    "mcc",
    "mnc",
    "crs_source",
    "transform",
    "technology",
    "site_name",
    "address",
    "postcode",
    "location_source",
]


# --- ANPR ----------------------------------------------------------------------------------------

_GPS_RE = r"^\s*\(?\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\)?\s*$"
_VRM_RE = re.compile(r"[^A-Z0-9]")


def read_cameras(path: Path) -> pd.DataFrame:
    """A camera list (Camera ID, Camera Name, Latitude/Longitude or Easting/Northing) by camera id."""
    from ingest.reader import read_camera_rows

    return read_camera_rows(path)


def _gps(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(lon, -lat)`` strings: the first number is longitude, the second latitude with a spurious
    minus (a UK latitude is never negative). Returns lat, lon, and a repaired-sign mask."""
    parts = series.astype(str).str.extract(_GPS_RE)
    a = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype="float64")
    b = pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype="float64")
    # whichever value lies in the GB latitude band (by magnitude) is the latitude
    b_is_lat = (np.abs(b) >= GB_LAT[0]) & (np.abs(b) <= GB_LAT[1])
    lat = np.where(b_is_lat, np.abs(b), np.abs(a))
    lon = np.where(b_is_lat, a, b)
    repaired = np.where(b_is_lat, b < 0, a < 0)
    return lat, lon, repaired


def cleanse_anpr(ctx: FileContext, chunk: RawChunk, state: OtherState) -> pd.DataFrame:
    """ANPR reads, or (a template without a VRM column) a camera list: ``record_type`` says which."""
    rows = Rows(chunk)
    n = rows.n
    label = ctx.column_label
    camera_list = not has(ctx, "vrm")
    vrm_raw = column(ctx, chunk, "vrm")
    vrm = vrm_raw.str.upper().map(lambda v: _VRM_RE.sub("", v))
    camera = column(ctx, chunk, "camera_id")
    blank = ((camera if camera_list else vrm) == "").to_numpy()
    _summary(rows, chunk, blank)
    if not camera_list:
        rows.reject(blank, Reason.MISSING_REQUIRED, f"{label('vrm')} is blank")
    rows.reject((camera == "").to_numpy(), Reason.MISSING_REQUIRED, f"{label('camera_id')} is blank")

    if camera_list:
        t_raw = pd.Series([""] * n, dtype=object)
    elif has(ctx, "t"):
        t_raw = column(ctx, chunk, "t")
    else:
        t_raw = (column(ctx, chunk, "date") + " " + column(ctx, chunk, "time")).str.strip()
    t_blank = (t_raw == "").to_numpy() & (not camera_list)
    rows.reject(t_blank, Reason.MISSING_REQUIRED, "read time is blank")
    naive, offset, explicit_utc = parse_naive(t_raw.astype(str), ctx.date_order)
    utc, amb, gap = localise(naive, ctx.timezone)
    if offset.notna().any():
        utc = utc - pd.to_timedelta(offset.fillna(0), unit="m")
    rows.reject(
        naive.isna().to_numpy() & (not camera_list),
        Reason.BAD_TIMESTAMP,
        lambda i: f"read time {t_raw.iat[i]!r} is not a date/time",
    )
    rows.flag(amb, Reason.DST_AMBIGUOUS)
    rows.flag(gap, Reason.DST_NONEXISTENT)
    if ctx.timezone != "UTC":
        rows.flag(naive.notna().to_numpy(), Reason.TIME_LOCAL_CONVERTED)

    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    if has(ctx, "lat") and has(ctx, "lon"):
        lat = to_float(column(ctx, chunk, "lat")).to_numpy(copy=True)
        lon = to_float(column(ctx, chunk, "lon")).to_numpy(copy=True)
        rows.flag(unswap_latlon(lat, lon), Reason.COORDINATE_OUT_OF_RANGE)
    if has(ctx, "easting") and has(ctx, "northing"):
        need = np.isnan(lat)
        if need.any():
            e = to_float(column(ctx, chunk, "easting"))[need]
            nn = to_float(column(ctx, chunk, "northing"))[need]
            c_lat, c_lon, bad = bng_to_wgs84(e, nn)
            lat[need], lon[need] = c_lat, c_lon
    if has(ctx, "gps"):
        need = np.isnan(lat)
        if need.any():
            g_lat, g_lon, repaired = _gps(column(ctx, chunk, "gps")[need])
            lat[need], lon[need] = g_lat, g_lon
            fixed = np.zeros(n, dtype=bool)
            fixed[need] = repaired
            rows.flag(fixed, Reason.COORDINATE_OUT_OF_RANGE)
    name = _uncomma(column(ctx, chunk, "camera_name"))
    if ctx.cameras is not None:
        cams: dict[Any, Any] = ctx.cameras.to_dict("index")
        ids: list[str] = camera.tolist()
        known = np.array([c in cams for c in ids], dtype=bool)
        for i in (int(x) for x in np.flatnonzero(np.isnan(lat) & known)):
            lat[i], lon[i] = cams[ids[i]]["lat"], cams[ids[i]]["lon"]
        for i in (int(x) for x in np.flatnonzero(known & (name == ""))):
            name[i] = cams[ids[i]]["name"]
    t_iso = utc.dt.tz_convert(None).to_numpy(dtype="datetime64[s]").astype(str)
    eids: list[str | None] = []
    for i in range(n):
        if camera_list:
            eids.append(None)
        elif rows.reason[i] is None:
            text = f"anpr|{vrm.iat[i]}|{camera.iat[i]}|{t_iso[i]}Z"
            eids.append(hashlib.sha256(text.encode()).hexdigest()[:24])
        else:
            eids.append(None)
    _dedupe(
        rows,
        [f"camera|{c}" if rows.reason[i] is None else None for i, c in enumerate(camera)] if camera_list else eids,
        state,
    )
    confidence = to_float(column(ctx, chunk, "confidence")).to_numpy()
    out = rows.outcome_columns()
    frame = frame_of(
        {
            **out,
            "event_id": np.array(
                [e if r is None or r != "rejected" else None for e, r in zip(eids, out["outcome"], strict=True)],
                dtype=object,
            ),
            "vrm": vrm.to_numpy(dtype=object),
            "vrm_raw": vrm_raw.to_numpy(dtype=object),
            "camera_id": camera.to_numpy(dtype=object),
            "camera_lat": lat,
            "camera_lon": lon,
            "camera_name": name,
            "t_utc": utc.array,
            "t_raw": t_raw.to_numpy(dtype=object),
            "direction": column(ctx, chunk, "direction").to_numpy(dtype=object),
            "confidence": confidence,
            "lane": column(ctx, chunk, "lane").to_numpy(dtype=object),
            "make": column(ctx, chunk, "make").to_numpy(dtype=object),
            "model": column(ctx, chunk, "model").to_numpy(dtype=object),
            "colour": column(ctx, chunk, "colour").to_numpy(dtype=object),
            "read_id": column(ctx, chunk, "read_id").to_numpy(dtype=object),
            "tz_source": ctx.timezone,
            "record_type": "camera" if camera_list else "read",
        },
        rows.n,
    )
    frame.loc[frame["outcome"] == "rejected", "event_id"] = None
    text_cols = ["outcome", "reason", "error", "event_id", "vrm", "vrm_raw", "camera_id", "camera_name", "t_raw"]
    text_cols += ["direction", "lane", "make", "model", "colour", "read_id", "tz_source", "record_type"]
    for col in ("camera_name", "direction", "lane", "make", "model", "colour", "read_id", "vrm"):
        frame[col] = frame[col].where(frame[col] != "", None)
    return objectify(frame, text_cols)


# --- subscribers ---------------------------------------------------------------------------------


def cleanse_subscribers(ctx: FileContext, chunk: RawChunk, state: OtherState) -> pd.DataFrame:
    rows = Rows(chunk)
    label = ctx.column_label
    region = ctx.template.numbers.region
    identifiers = ctx.template.numbers.identifiers
    raw = column(ctx, chunk, "number")
    parties = cached_map(raw, lambda v: normalise_number(v, region, identifiers))
    blank = (raw == "").to_numpy()
    _summary(rows, chunk, blank)
    rows.reject(blank, Reason.MISSING_REQUIRED, f"{label('number')} is blank")
    bad = np.array([p.reject is not None for p in parties], dtype=bool)
    mangled = bad & np.array([p.reject == Reason.MANGLED_IDENTIFIER.value for p in parties], dtype=bool)
    rows.reject(mangled, Reason.MANGLED_IDENTIFIER, lambda i: f"{label('number')} {parties[i].message}")
    rows.reject(bad, Reason.BAD_NUMBER, lambda i: f"{label('number')} {parties[i].message}")
    rows.flag_masks(np.array([mask_of(p.flags) for p in parties], dtype=np.int64))
    name = column(ctx, chunk, "name")
    address = column(ctx, chunk, "address")
    keys = [
        None if p.key is None else f"{p.key}|{nm}|{ad}"
        for p, nm, ad in zip(parties, name.tolist(), address.tolist(), strict=True)
    ]
    _dedupe(rows, keys, state)
    out = rows.outcome_columns()
    frame = frame_of(
        {
            **out,
            "number_key": np.array([p.key for p in parties], dtype=object),
            "number_kind": np.array([p.kind for p in parties], dtype=object),
            "number_raw": raw.to_numpy(dtype=object),
            "name": _uncomma(name),
            "address": _uncomma(address),
            "postcode": column(ctx, chunk, "postcode").to_numpy(dtype=object),
            "date_of_birth": column(ctx, chunk, "date_of_birth").to_numpy(dtype=object),
            "notes": column(ctx, chunk, "notes").to_numpy(dtype=object),
        },
        rows.n,
    )
    frame.loc[frame["outcome"] == "rejected", ["number_key", "number_kind"]] = None
    cols = ["outcome", "reason", "error", "number_key", "number_kind", "number_raw", "name", "address", "postcode"]
    cols += ["date_of_birth", "notes"]
    for col in ("name", "address", "postcode", "date_of_birth", "notes"):
        frame[col] = frame[col].where(frame[col] != "", None)
    return objectify(frame, cols)


__all__ = ["IngestError", "cleanse_other", "read_cameras"]
