"""Per-layout rendering: semantic rows (one per event and perspective) to the exact text columns.

Each ``render_*`` takes a frame of semantic rows (see :func:`csas_graph.synth.generate.build_rows`)
and a :class:`Lookup`, and returns a frame of strings whose columns are the layout's header in
order. Headers follow ``data-formats.md`` examples 1-4, 6 and 8. The ADM sheet adds two columns
the example does not list but ADM-style suffixes allow (``Duration (*Calculated)`` and
``Direction (*Standardised)``): without a duration the same call seen in two parties' records
could not be recognised as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

HEADER_A = (
    "Start Date,Start Time (local),End Date,End Time (local),Calling Number,Called Number,Forwarding Number,"
    "CDR Type,IMSI,IMEI,Ring time (secs),Call Duration (HH:mm:ss),IPv4 address,IPv6 address,"
    "Data Volume Uploaded (KB),Data Volume Downloaded (KB),APN,Country of Origin,Operator,"
    "Start Cell ID or MAC Address,Start Cell Site Name,Start Cell 1st line of Address,Start Cell ID Postcode,"
    "Start Cell Generation,Start Cell Easting,Start Cell Northing,Start Cell Azimuth,End Cell ID or MAC Address,"
    "End Cell Site Name,End Cell 1st line of Address,End Cell ID Postcode,End Cell Generation,End Cell Easting,"
    "End Cell Northing,End Cell Azimuth,Row"
).split(",")
HEADER_B = (
    "Event Type (*Enriched),Start Datetime (*Raw),Originator Comms Address (*Standardised),"
    "Recipient Comms Address (*Standardised),Forwarded To Comms Address (*Standardised),"
    "Originator IMEI (*Decoded),IMSI (*Raw),Start Cell Global Identity (CGI/ECGI/NCGI),Start Cell Postcode (*Raw),"
    "Start Cell Latitude (*Calculated),Start Cell Longitude (*Calculated),Start Cell Azimuth (*Standardised),"
    "End Cell Global Identity (CGI/ECGI/NCGI),End Cell Latitude (*Calculated),End Cell Longitude (*Calculated)"
).split(",") + ["Duration (*Calculated)", "Direction (*Standardised)"]
HEADER_C = (
    "Call Date,Call Time,Call Type,Direction,A Number,B Number,Diverted To,Duration (hh:mm:ss),IMSI,IMEI,"
    "First CGI,First Cell Name,First Cell Easting,First Cell Northing,First Cell Azimuth,Last CGI,Last Cell Name,"
    "Last Cell Easting,Last Cell Northing,Last Cell Azimuth,Roaming Network"
).split(",")
HEADER_D = (
    "Record Type,Event Start Date,Event Start Time (UTC),Event End Date,Event End Time (UTC),Duration (s),MSISDN,"
    "IMSI,IMEISV,APN,Charging ID,Partial Record Seq,RAT,MCC,MNC,LAC/TAC,Cell ID/ECI,eNodeB ID,Sector,Bytes Up,"
    "Bytes Down,Served PDP Address"
).split(",")
HEADER_E = (
    "Item,Conn.Date,Conn.Time(UTC),SeizureTime,ET,Originating Number,Terminating Number,IMEI,IMSI,CT,Feature,"
    "Cell Location"
).split(",")
HEADER_F = ["from", "to", "start", "duration", "cell"]
HEADER_ANPR = (
    "Read ID,VRM,Read Date/Time (UTC),Camera ID,Camera Name,Source ID,Latitude,Longitude,Easting,Northing,"
    "Direction Of Travel,Lane,OCR Confidence,Make,Model,Colour,MMC Record,Hit,VOI List,Plate Image Ref,"
    "Overview Image Ref"
).split(",")
HEADER_CELLS_WGS84 = (
    "CGI,MCC,MNC,LAC,CI,Technology,Site Name,Address,Postcode,Latitude,Longitude,Azimuth,Beamwidth,Valid From,Valid To"
).split(",")
HEADER_CELLS_BNG = (
    "CGI,MCC,MNC,LAC,CI,Technology,Site Name,Address,Postcode,Easting,Northing,Azimuth,Beamwidth,Valid From,Valid To"
).split(",")
HEADER_CAMERAS = "Camera ID,Camera Name,Latitude,Longitude,Easting,Northing".split(",")
HEADER_SUBSCRIBERS = "MSISDN,Subscriber Name,Address,Postcode,Date of Birth,Notes".split(",")

#: role -> column(s) per layout, used by the problem injector to corrupt a field
ROLES: dict[str, dict[str, list[str]]] = {
    "a": {
        "date": ["Start Date"],
        "time": ["Start Time (local)"],
        "a": ["Calling Number"],
        "b": ["Called Number"],
        "dur": ["Call Duration (HH:mm:ss)"],
    },
    "b": {
        "date": [],
        "time": ["Start Datetime (*Raw)"],
        "a": ["Originator Comms Address (*Standardised)"],
        "b": ["Recipient Comms Address (*Standardised)"],
        "dur": ["Duration (*Calculated)"],
    },
    "c": {
        "date": ["Call Date"],
        "time": ["Call Time"],
        "a": ["A Number"],
        "b": ["B Number"],
        "dur": ["Duration (hh:mm:ss)"],
    },
    "e": {
        "date": ["Conn.Date"],
        "time": ["Conn.Time(UTC)"],
        "a": ["Originating Number"],
        "b": ["Terminating Number"],
        "dur": ["ET"],
    },
    "f": {"date": [], "time": ["start"], "a": ["from"], "b": ["to"], "dur": ["duration"]},
}
BAD_TIME = {
    "a": "31/02/2024",
    "b": "31/02/2024 10:00:00",
    "c": "31/02/2024",
    "e": "02/31/2024",
    "f": "2024-02-31 10:00:00",
}
BAD_DURATION = {"a": "00:7x:15", "b": "7x", "c": "00:7x:15", "e": "7x:15", "f": "7x"}


@dataclass
class Lookup:
    """Arrays indexed by phone or cell number, shared by the renderers."""

    e164: np.ndarray  # phone -> E.164 or sentinel text
    kind: np.ndarray  # phone -> mobile/landline/burner/us/sentinel
    cell_cgi: np.ndarray
    cell_name: np.ndarray
    cell_address: np.ndarray
    cell_postcode: np.ndarray
    cell_gen: np.ndarray
    cell_e: np.ndarray
    cell_n: np.ndarray
    cell_lat: np.ndarray
    cell_lon: np.ndarray
    cell_az: np.ndarray  # int
    cell_missing: np.ndarray  # bool: not in any cell list
    cell_mcc: np.ndarray
    cell_mnc: np.ndarray
    cell_lac: np.ndarray
    cell_ci: np.ndarray
    cell_enb: np.ndarray
    cell_sector: np.ndarray
    cell_tech: np.ndarray
    reconfig: dict[int, tuple[int, int]]  # cell -> (when, new azimuth)
    numbers: np.ndarray | None = None  # [style, phone] -> text, built on first use


def _s(x: np.ndarray) -> np.ndarray:
    """Integers as text (object array)."""
    return np.asarray(x).astype(str).astype(object)


@lru_cache(maxsize=1)
def _clock_table() -> np.ndarray:
    """``HH:MM:SS`` for every second of a day (index = seconds)."""
    sec = np.arange(86_400)
    return np.array(
        [f"{h:02d}:{m:02d}:{x:02d}" for h, m, x in zip(sec // 3600, sec // 60 % 60, sec % 60, strict=True)],
        dtype=object,
    )


def hms(d: np.ndarray) -> np.ndarray:
    """Seconds as ``HH:MM:SS`` (below one day, as every generated duration is)."""
    return _clock_table()[np.clip(np.asarray(d, dtype=np.int64), 0, 86_399)]


def mmss(d: np.ndarray) -> np.ndarray:
    """Seconds as ``MM:SS`` (AT&T elapsed time; minutes may exceed 59)."""
    d = np.asarray(d, dtype=np.int64)
    table = np.array([f"{m:02d}:{x:02d}" for m in range(100) for x in range(60)], dtype=object)
    return table[np.clip(d, 0, 5999)]


#: UK summer time in the two case windows: from 2024-03-31 01:00Z to 2024-10-27 01:00Z
_BST = (1_711_846_800, 1_729_990_800)


def wall_clock(t: np.ndarray, local: bool) -> np.ndarray:
    """Epoch seconds shifted to the wall clock (Europe/London when ``local``, else UTC)."""
    t = np.asarray(t, dtype=np.int64)
    if not local:
        return t
    return t + np.where((t >= _BST[0]) & (t < _BST[1]), 3600, 0)


def date_text(wall: np.ndarray, pattern: str) -> np.ndarray:
    """Wall-clock seconds as a date (strftime ``pattern``), formatted once per distinct day."""
    days, inverse = np.unique(np.asarray(wall, dtype=np.int64) // 86_400, return_inverse=True)
    texts = np.array([pd.Timestamp(int(d) * 86_400, unit="s").strftime(pattern) for d in days], dtype=object)
    return texts[inverse.ravel()]


def clock_text(wall: np.ndarray) -> np.ndarray:
    return _clock_table()[np.asarray(wall, dtype=np.int64) % 86_400]


def stamp(
    t: np.ndarray, local: bool, date_pattern: str, dst: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(date text, time text). Rows marked ``gap`` in ``dst`` show the UTC clock instead (a clock
    that did not spring forward), which lands them in the non-existent hour of 31 March."""
    wall = wall_clock(t, local)
    if dst is not None:
        gap = np.asarray(dst) == "gap"
        wall = np.where(gap, np.asarray(t, dtype=np.int64), wall)
    return date_text(wall, date_pattern), clock_text(wall)


def times(t: np.ndarray, local: bool) -> pd.DatetimeIndex:
    idx = pd.to_datetime(np.asarray(t, dtype=np.int64), unit="s", utc=True)
    return idx.tz_convert("Europe/London") if local else idx


def fmt(idx: pd.DatetimeIndex, pattern: str) -> pd.Series:
    return pd.Series(idx.strftime(pattern), dtype=object)


def take(arr: np.ndarray, idx: np.ndarray, blank_missing: np.ndarray | None = None) -> np.ndarray:
    """``arr[idx]`` as text, '' where idx < 0 (or where ``blank_missing`` is set)."""
    ext = np.append(np.asarray(arr).astype(str).astype(object), "")
    idx = np.asarray(idx)
    pos = np.where(idx >= 0, idx, len(arr))
    if blank_missing is not None:
        pos = np.where(blank_missing, len(arr), pos)
    return ext[pos]


def azimuth_at(lk: Lookup, cell: np.ndarray, t: np.ndarray) -> np.ndarray:
    az = lk.cell_az[np.maximum(cell, 0)].copy()
    for c, (when, new) in lk.reconfig.items():
        az[(cell == c) & (t >= when)] = new
    return az


STYLES = ("plus", "digits", "national", "spaced", "intl00", "us")


def _number_table(lk: Lookup) -> np.ndarray:
    """[style, phone] -> text. Sentinels are written as their text; US numbers as +1… except in
    the ``us`` style (10 digits)."""
    table = np.empty((len(STYLES), len(lk.e164)), dtype=object)
    for p, (e, kind) in enumerate(zip(lk.e164.astype(str), lk.kind.astype(str), strict=True)):
        digits = e.lstrip("+")
        forms = {
            "plus": e,
            "digits": digits,
            "national": "0" + e[3:],
            "spaced": "+44 " + e[3:7] + " " + e[7:],
            "intl00": "00" + digits,
            "us": e,
        }
        if kind == "us":
            forms = dict.fromkeys(STYLES, e) | {"us": digits[1:]}
        if kind == "sentinel":
            forms = dict.fromkeys(STYLES, e)
        for k, style in enumerate(STYLES):
            table[k, p] = forms[style]
    return table


def number_text(lk: Lookup, phone: np.ndarray, style: np.ndarray | str) -> np.ndarray:
    """Numbers as a layout writes them. Styles: ``plus`` (+447…), ``digits`` (447…),
    ``national`` (07…), ``spaced`` (+44 7700 900123), ``intl00`` (0044…), ``us`` (AT&T: +44… for
    foreign numbers, 10 digits for US ones)."""
    table = lk.numbers if lk.numbers is not None else _number_table(lk)
    lk.numbers = table
    phone = np.asarray(phone)
    if isinstance(style, str):
        return table[STYLES.index(style), phone]
    style_idx = pd.Index(STYLES).get_indexer(pd.Index(np.asarray(style)))
    return table[style_idx, phone]


def _frame(out: dict[str, Any], header: list[str]) -> pd.DataFrame:
    """Text columns in header order, kept as plain object arrays (no string-dtype inference)."""
    return pd.DataFrame({h: np.asarray(out[h], dtype=object) for h in header}, dtype=object)


def _cell_cols(
    lk: Lookup, cell: np.ndarray, t: np.ndarray, loc: np.ndarray, loc_str: np.ndarray
) -> dict[str, np.ndarray]:
    missing = lk.cell_missing[np.maximum(cell, 0)] | (np.asarray(loc) != "cell")
    cid = np.where(np.asarray(loc) != "cell", loc_str, take(lk.cell_cgi, cell)).astype(object)
    gen = np.where(np.asarray(loc) == "wifi", "WiFi", take(lk.cell_gen, cell)).astype(object)
    return {
        "id": cid,
        "name": take(lk.cell_name, cell, missing),
        "address": take(lk.cell_address, cell, missing),
        "postcode": take(lk.cell_postcode, cell, missing),
        "gen": gen,
        "e": take(lk.cell_e, cell, missing),
        "n": take(lk.cell_n, cell, missing),
        "az": np.where(missing | (cell < 0), "", _s(azimuth_at(lk, cell, t))).astype(object),
        "lat": take(lk.cell_lat, cell, missing),
        "lon": take(lk.cell_lon, cell, missing),
    }


def render_a(r: pd.DataFrame, lk: Lookup, row0: int = 0) -> pd.DataFrame:
    """Example 1: UK raw CSP call data, local times, per-cell E/N/azimuth."""
    t, end = r["t"].to_numpy(), (r["t"] + r["dur"]).to_numpy()
    dst = r["dst"].to_numpy()
    mo = (r["persp"] == r["a"]).to_numpy()
    voice = (r["kind"] == "voice").to_numpy()
    first = _cell_cols(lk, r["first"].to_numpy(), t, r["loc"].to_numpy(), r["loc_str"].to_numpy())
    last = _cell_cols(lk, r["last"].to_numpy(), end, r["loc"].to_numpy(), r["loc_str"].to_numpy())
    n = len(r)
    blank = np.full(n, "", dtype=object)
    start_date, start_time = stamp(t, True, "%d/%m/%Y", dst)
    end_date, end_time = stamp(end, True, "%d/%m/%Y", dst)
    roam = (r["loc"] == "roam").to_numpy()
    out = {
        "Start Date": start_date,
        "Start Time (local)": start_time,
        "End Date": end_date,
        "End Time (local)": end_time,
        "Calling Number": number_text(lk, r["a"].to_numpy(), "plus"),
        "Called Number": number_text(lk, r["b"].to_numpy(), "digits"),
        "Forwarding Number": blank,
        "CDR Type": pd.Series(np.where(voice, "Voice", np.where(mo, "SMS-MO", "SMS-MT")), dtype=object),
        "IMSI": r["imsi"].to_numpy(),
        "IMEI": r["imei"].to_numpy(),
        "Ring time (secs)": pd.Series(np.where(voice, (r["t"].to_numpy() % 17).astype(str), ""), dtype=object),
        "Call Duration (HH:mm:ss)": hms(r["dur"].to_numpy()),
        "IPv4 address": blank,
        "IPv6 address": blank,
        "Data Volume Uploaded (KB)": blank,
        "Data Volume Downloaded (KB)": blank,
        "APN": blank,
        "Country of Origin": pd.Series(np.where(roam, "France", "United Kingdom"), dtype=object),
        "Operator": pd.Series(np.where(roam, "Orange F", ""), dtype=object),
    }
    for end_name, c in (("Start", first), ("End", last)):
        out[f"{end_name} Cell ID or MAC Address"] = c["id"]
        out[f"{end_name} Cell Site Name"] = c["name"]
        out[f"{end_name} Cell 1st line of Address"] = c["address"]
        out[f"{end_name} Cell ID Postcode"] = c["postcode"]
        out[f"{end_name} Cell Generation"] = c["gen"]
        out[f"{end_name} Cell Easting"] = c["e"]
        out[f"{end_name} Cell Northing"] = c["n"]
        out[f"{end_name} Cell Azimuth"] = c["az"]
    out["Row"] = _s(np.arange(row0 + 1, row0 + n + 1))  # the CSP's own row number
    return _frame(out, HEADER_A)


def render_b(r: pd.DataFrame, lk: Lookup) -> pd.DataFrame:
    """Example 2: Home Office ADM-style Telephony sheet (times UTC, lat/lon calculated)."""
    t, end = r["t"].to_numpy(), (r["t"] + r["dur"]).to_numpy()
    first = _cell_cols(lk, r["first"].to_numpy(), t, r["loc"].to_numpy(), r["loc_str"].to_numpy())
    last = _cell_cols(lk, r["last"].to_numpy(), end, r["loc"].to_numpy(), r["loc_str"].to_numpy())
    mo = (r["persp"] == r["a"]).to_numpy()
    n = len(r)
    start_date, start_time = stamp(t, False, "%d/%m/%Y")
    out = {
        "Event Type (*Enriched)": pd.Series(np.where(r["kind"] == "voice", "Voice Call", "SMS"), dtype=object),
        "Start Datetime (*Raw)": start_date + " " + start_time,
        "Originator Comms Address (*Standardised)": number_text(lk, r["a"].to_numpy(), "plus"),
        "Recipient Comms Address (*Standardised)": number_text(lk, r["b"].to_numpy(), "plus"),
        "Forwarded To Comms Address (*Standardised)": pd.Series([""] * n, dtype=object),
        "Originator IMEI (*Decoded)": r["imei"].to_numpy(),
        "IMSI (*Raw)": r["imsi"].to_numpy(),
        "Start Cell Global Identity (CGI/ECGI/NCGI)": first["id"],
        "Start Cell Postcode (*Raw)": first["postcode"],
        "Start Cell Latitude (*Calculated)": first["lat"],
        "Start Cell Longitude (*Calculated)": first["lon"],
        "Start Cell Azimuth (*Standardised)": first["az"],
        "End Cell Global Identity (CGI/ECGI/NCGI)": last["id"],
        "End Cell Latitude (*Calculated)": last["lat"],
        "End Cell Longitude (*Calculated)": last["lon"],
        "Duration (*Calculated)": _s(r["dur"].to_numpy()),
        "Direction (*Standardised)": pd.Series(np.where(mo, "MO", "MT"), dtype=object),
    }
    return _frame(out, HEADER_B)


def render_c(r: pd.DataFrame, lk: Lookup, rng: np.random.Generator) -> pd.DataFrame:
    """Example 4: EE-style voice/SMS, local times, first/last CGI, mixed number formats."""
    t, end = r["t"].to_numpy(), (r["t"] + r["dur"]).to_numpy()
    dst = r["dst"].to_numpy()
    first = _cell_cols(lk, r["first"].to_numpy(), t, r["loc"].to_numpy(), r["loc_str"].to_numpy())
    last = _cell_cols(lk, r["last"].to_numpy(), end, r["loc"].to_numpy(), r["loc_str"].to_numpy())
    mo = (r["persp"] == r["a"]).to_numpy()
    voice = (r["kind"] == "voice").to_numpy()
    styles = np.array(["national", "digits", "spaced", "intl00", "plus"], dtype=object)
    n = len(r)
    sa = styles[rng.integers(0, len(styles), n)]
    sb = styles[rng.integers(0, len(styles), n)]
    roam = (r["loc"] == "roam").to_numpy()
    call_date, call_time = stamp(t, True, "%d/%m/%Y", dst)
    out = {
        "Call Date": call_date,
        "Call Time": call_time,
        "Call Type": pd.Series(
            np.where(voice, np.where(mo, "MOC", "MTC"), np.where(mo, "SMS-MO", "SMS-MT")), dtype=object
        ),
        "Direction": pd.Series(np.where(mo, "MO", "MT"), dtype=object),
        "A Number": number_text(lk, r["a"].to_numpy(), sa),
        "B Number": number_text(lk, r["b"].to_numpy(), sb),
        "Diverted To": pd.Series([""] * n, dtype=object),
        "Duration (hh:mm:ss)": hms(r["dur"].to_numpy()),
        "IMSI": r["imsi"].to_numpy(),
        "IMEI": r["imei"].to_numpy(),
        "First CGI": first["id"],
        "First Cell Name": first["name"],
        "First Cell Easting": first["e"],
        "First Cell Northing": first["n"],
        "First Cell Azimuth": first["az"],
        "Last CGI": last["id"],
        "Last Cell Name": last["name"],
        "Last Cell Easting": last["e"],
        "Last Cell Northing": last["n"],
        "Last Cell Azimuth": last["az"],
        "Roaming Network": pd.Series(np.where(roam, "F ORANGE", ""), dtype=object),
    }
    return _frame(out, HEADER_C)


def render_d(r: pd.DataFrame, lk: Lookup) -> pd.DataFrame:
    """Example 3: Vodafone/O2-style GPRS partial records (UTC), cell as separate components."""
    t, end = r["t"].to_numpy(), (r["t"] + r["dur"]).to_numpy()
    cell = r["first"].to_numpy()
    roam = (r["loc"] == "roam").to_numpy()
    lte = lk.cell_tech[cell] == "LTE"
    rat = np.where(lte, "EUTRAN", np.where(lk.cell_tech[cell] == "UMTS", "UTRAN", "GERAN"))
    st_date, st_time = stamp(t, False, "%d/%m/%Y")
    en_date, en_time = stamp(end, False, "%d/%m/%Y")
    dur = r["dur"].to_numpy()
    out = {
        "Record Type": pd.Series(["PGW"] * len(r), dtype=object),
        "Event Start Date": st_date,
        "Event Start Time (UTC)": st_time,
        "Event End Date": en_date,
        "Event End Time (UTC)": en_time,
        "Duration (s)": _s(dur),
        "MSISDN": number_text(lk, r["persp"].to_numpy(), "digits"),
        "IMSI": r["imsi"].to_numpy(),
        "IMEISV": r["imei"].to_numpy(),
        "APN": pd.Series(["mobile.o2.co.uk"] * len(r), dtype=object),
        "Charging ID": _s(r["charging"].to_numpy()),
        "Partial Record Seq": _s(r["seq"].to_numpy()),
        "RAT": pd.Series(rat, dtype=object),
        "MCC": pd.Series(np.where(roam, "208", lk.cell_mcc[cell]), dtype=object),
        "MNC": pd.Series(np.where(roam, "01", lk.cell_mnc[cell]), dtype=object),
        "LAC/TAC": pd.Series(np.where(roam, "4120", lk.cell_lac[cell].astype(str)), dtype=object),
        "Cell ID/ECI": pd.Series(np.where(roam, "31017", lk.cell_ci[cell].astype(str)), dtype=object),
        "eNodeB ID": pd.Series(np.where(lte & ~roam, lk.cell_enb[cell].astype(str), ""), dtype=object),
        "Sector": pd.Series(np.where(lte & ~roam, lk.cell_sector[cell].astype(str), ""), dtype=object),
        "Bytes Up": _s(dur * 37 % 900_000 + 1200),
        "Bytes Down": _s(dur * 411 % 9_000_000 + 5000),
        "Served PDP Address": "10.44." + _s(r["persp"].to_numpy() % 250) + "." + _s(r["charging"].to_numpy() % 250),
    }
    return _frame(out, HEADER_D)


def render_e(r: pd.DataFrame, lk: Lookup) -> pd.DataFrame:
    """Example 6: AT&T-style, UTC, ET as MM:SS, Item = leg number within a call."""
    t = r["t"].to_numpy()
    conn_date, conn_time = stamp(t, False, "%m/%d/%Y")
    mo = (r["persp"] == r["a"]).to_numpy()
    voice = (r["kind"] == "voice").to_numpy()
    ct = np.where(voice, np.where(mo, "MO", "MT"), np.where(mo, "SMSMO", "SMSMT"))
    out = {
        "Item": _s(r["seq"].to_numpy()),
        "Conn.Date": conn_date,
        "Conn.Time(UTC)": conn_time,
        "SeizureTime": _s(np.where(voice, (t + r["seq"].to_numpy()) % 9, 0)),
        "ET": mmss(r["dur"].to_numpy()),
        "Originating Number": number_text(lk, r["a"].to_numpy(), "us"),
        "Terminating Number": number_text(lk, r["b"].to_numpy(), "us"),
        "IMEI": r["imei"].to_numpy(),
        "IMSI": r["imsi"].to_numpy(),
        "CT": pd.Series(ct, dtype=object),
        "Feature": pd.Series(np.where(r["seq"].to_numpy() > 1, "TRANSIT", ""), dtype=object),
        "Cell Location": take(lk.cell_cgi, r["first"].to_numpy()),
    }
    return _frame(out, HEADER_E)


def render_f(r: pd.DataFrame, lk: Lookup, opaque: np.ndarray) -> pd.DataFrame:
    """A plain CSV with anonymised (opaque) party ids; UTC ISO-like times, seconds."""
    day, clock = stamp(r["t"].to_numpy(), False, "%Y-%m-%d")
    return _frame(
        {
            "from": pd.Series(opaque[r["a"].to_numpy()], dtype=object),
            "to": pd.Series(opaque[r["b"].to_numpy()], dtype=object),
            "start": day + " " + clock,
            "duration": _s(r["dur"].to_numpy()),
            "cell": take(lk.cell_cgi, r["first"].to_numpy()),
        },
        HEADER_F,
    )
