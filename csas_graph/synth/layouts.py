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


def _s(x) -> pd.Series:
    return pd.Series(np.asarray(x)).astype(str)


def hms(d: np.ndarray) -> pd.Series:
    d = np.asarray(d, dtype=np.int64)
    return _s(d // 3600).str.zfill(2) + ":" + _s(d % 3600 // 60).str.zfill(2) + ":" + _s(d % 60).str.zfill(2)


def mmss(d: np.ndarray) -> pd.Series:
    d = np.asarray(d, dtype=np.int64)
    return _s(d // 60).str.zfill(2) + ":" + _s(d % 60).str.zfill(2)


def times(t: np.ndarray, local: bool) -> pd.DatetimeIndex:
    idx = pd.to_datetime(np.asarray(t, dtype=np.int64), unit="s", utc=True)
    return idx.tz_convert("Europe/London") if local else idx


def fmt(idx: pd.DatetimeIndex, pattern: str) -> pd.Series:
    return pd.Series(idx.strftime(pattern), dtype=object)


def local_with_gap(t: np.ndarray, dst: np.ndarray, pattern: str) -> pd.Series:
    """Local wall-clock text; rows marked ``gap`` show the UTC clock instead (a clock that did not
    spring forward), which lands them in the non-existent hour 01:00-01:59 of 31 March."""
    out = fmt(times(t, True), pattern)
    gap = np.asarray(dst) == "gap"
    if gap.any():
        out[gap] = fmt(times(np.asarray(t)[gap], False), pattern).to_numpy()
    return out


def take(arr: np.ndarray, idx: np.ndarray, blank_missing: np.ndarray | None = None) -> pd.Series:
    """``arr[idx]`` as text, '' where idx < 0 (or where ``blank_missing`` is set)."""
    idx = np.asarray(idx)
    out = np.where(idx >= 0, arr[np.maximum(idx, 0)].astype(str), "")
    if blank_missing is not None:
        out = np.where(blank_missing, "", out)
    return pd.Series(out, dtype=object)


def azimuth_at(lk: Lookup, cell: np.ndarray, t: np.ndarray) -> np.ndarray:
    az = lk.cell_az[np.maximum(cell, 0)].copy()
    for c, (when, new) in lk.reconfig.items():
        az[(cell == c) & (t >= when)] = new
    return az


def number_text(lk: Lookup, phone: np.ndarray, style: np.ndarray | str) -> pd.Series:
    """Numbers as a layout writes them. Styles: ``plus`` (+447…), ``digits`` (447…),
    ``national`` (07…), ``spaced`` (+44 7700 900123), ``intl00`` (0044…), ``us`` (AT&T: +44… for
    foreign numbers, 10 digits for US ones). Sentinels are written as their text."""
    e = lk.e164[phone].astype(str)
    kind = lk.kind[phone].astype(str)
    style = np.broadcast_to(np.asarray(style, dtype=object), e.shape)
    s = pd.Series(e, dtype=object)
    digits = s.str.lstrip("+")
    nat = "0" + s.str[3:]
    spaced = "+44 " + s.str[3:7] + " " + s.str[7:]
    out = np.select(
        [style == "plus", style == "digits", style == "national", style == "spaced", style == "intl00", style == "us"],
        [s, digits, nat, spaced, "00" + digits, s],
        default=s,
    )
    us = kind == "us"
    out = np.where(us & (style == "us"), digits.str[1:], np.where(us, s, out))
    out = np.where(kind == "sentinel", s, out)
    return pd.Series(out, dtype=object)


def _cell_cols(
    lk: Lookup, cell: np.ndarray, t: np.ndarray, loc: np.ndarray, loc_str: np.ndarray
) -> dict[str, pd.Series]:
    missing = lk.cell_missing[np.maximum(cell, 0)] | (np.asarray(loc) != "cell")
    cid = take(lk.cell_cgi, cell)
    cid = pd.Series(np.where(np.asarray(loc) != "cell", loc_str, cid), dtype=object)
    gen = take(lk.cell_gen, cell)
    gen = pd.Series(np.where(np.asarray(loc) == "wifi", "WiFi", gen), dtype=object)
    return {
        "id": cid,
        "name": take(lk.cell_name, cell, missing),
        "address": take(lk.cell_address, cell, missing),
        "postcode": take(lk.cell_postcode, cell, missing),
        "gen": gen,
        "e": take(lk.cell_e, cell, missing),
        "n": take(lk.cell_n, cell, missing),
        "az": take(azimuth_at(lk, cell, t), np.where(cell >= 0, np.arange(len(cell)), -1), missing),
        "lat": take(lk.cell_lat, cell, missing),
        "lon": take(lk.cell_lon, cell, missing),
    }


def render_a(r: pd.DataFrame, lk: Lookup) -> pd.DataFrame:
    """Example 1: UK raw CSP call data, local times, per-cell E/N/azimuth."""
    t, end = r["t"].to_numpy(), (r["t"] + r["dur"]).to_numpy()
    dst = r["dst"].to_numpy()
    mo = (r["persp"] == r["a"]).to_numpy()
    voice = (r["kind"] == "voice").to_numpy()
    first = _cell_cols(lk, r["first"].to_numpy(), t, r["loc"].to_numpy(), r["loc_str"].to_numpy())
    last = _cell_cols(lk, r["last"].to_numpy(), end, r["loc"].to_numpy(), r["loc_str"].to_numpy())
    n = len(r)
    blank = pd.Series([""] * n, dtype=object)
    roam = (r["loc"] == "roam").to_numpy()
    out = {
        "Start Date": local_with_gap(t, dst, "%d/%m/%Y"),
        "Start Time (local)": local_with_gap(t, dst, "%H:%M:%S"),
        "End Date": local_with_gap(end, dst, "%d/%m/%Y"),
        "End Time (local)": local_with_gap(end, dst, "%H:%M:%S"),
        "Calling Number": number_text(lk, r["a"].to_numpy(), "plus"),
        "Called Number": number_text(lk, r["b"].to_numpy(), "digits"),
        "Forwarding Number": blank,
        "CDR Type": pd.Series(np.where(voice, "Voice", np.where(mo, "SMS-MO", "SMS-MT")), dtype=object),
        "IMSI": r["imsi"].reset_index(drop=True),
        "IMEI": r["imei"].reset_index(drop=True),
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
    out["Row"] = _s(np.arange(1, n + 1))
    return pd.DataFrame(out)[HEADER_A]


def render_b(r: pd.DataFrame, lk: Lookup) -> pd.DataFrame:
    """Example 2: Home Office ADM-style Telephony sheet (times UTC, lat/lon calculated)."""
    t, end = r["t"].to_numpy(), (r["t"] + r["dur"]).to_numpy()
    first = _cell_cols(lk, r["first"].to_numpy(), t, r["loc"].to_numpy(), r["loc_str"].to_numpy())
    last = _cell_cols(lk, r["last"].to_numpy(), end, r["loc"].to_numpy(), r["loc_str"].to_numpy())
    mo = (r["persp"] == r["a"]).to_numpy()
    n = len(r)
    out = {
        "Event Type (*Enriched)": pd.Series(np.where(r["kind"] == "voice", "Voice Call", "SMS"), dtype=object),
        "Start Datetime (*Raw)": fmt(times(t, False), "%d/%m/%Y %H:%M:%S"),
        "Originator Comms Address (*Standardised)": number_text(lk, r["a"].to_numpy(), "plus"),
        "Recipient Comms Address (*Standardised)": number_text(lk, r["b"].to_numpy(), "plus"),
        "Forwarded To Comms Address (*Standardised)": pd.Series([""] * n, dtype=object),
        "Originator IMEI (*Decoded)": r["imei"].reset_index(drop=True),
        "IMSI (*Raw)": r["imsi"].reset_index(drop=True),
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
    return pd.DataFrame(out)[HEADER_B]


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
    out = {
        "Call Date": local_with_gap(t, dst, "%d/%m/%Y"),
        "Call Time": local_with_gap(t, dst, "%H:%M:%S"),
        "Call Type": pd.Series(
            np.where(voice, np.where(mo, "MOC", "MTC"), np.where(mo, "SMS-MO", "SMS-MT")), dtype=object
        ),
        "Direction": pd.Series(np.where(mo, "MO", "MT"), dtype=object),
        "A Number": number_text(lk, r["a"].to_numpy(), sa),
        "B Number": number_text(lk, r["b"].to_numpy(), sb),
        "Diverted To": pd.Series([""] * n, dtype=object),
        "Duration (hh:mm:ss)": hms(r["dur"].to_numpy()),
        "IMSI": r["imsi"].reset_index(drop=True),
        "IMEI": r["imei"].reset_index(drop=True),
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
    return pd.DataFrame(out)[HEADER_C]


def render_d(r: pd.DataFrame, lk: Lookup) -> pd.DataFrame:
    """Example 3: Vodafone/O2-style GPRS partial records (UTC), cell as separate components."""
    t, end = r["t"].to_numpy(), (r["t"] + r["dur"]).to_numpy()
    cell = r["first"].to_numpy()
    roam = (r["loc"] == "roam").to_numpy()
    lte = lk.cell_tech[cell] == "LTE"
    rat = np.where(lte, "EUTRAN", np.where(lk.cell_tech[cell] == "UMTS", "UTRAN", "GERAN"))
    st, en = times(t, False), times(end, False)
    dur = r["dur"].to_numpy()
    out = {
        "Record Type": pd.Series(["PGW"] * len(r), dtype=object),
        "Event Start Date": fmt(st, "%d/%m/%Y"),
        "Event Start Time (UTC)": fmt(st, "%H:%M:%S"),
        "Event End Date": fmt(en, "%d/%m/%Y"),
        "Event End Time (UTC)": fmt(en, "%H:%M:%S"),
        "Duration (s)": _s(dur),
        "MSISDN": number_text(lk, r["persp"].to_numpy(), "digits"),
        "IMSI": r["imsi"].reset_index(drop=True),
        "IMEISV": r["imei"].reset_index(drop=True),
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
    return pd.DataFrame(out)[HEADER_D]


def render_e(r: pd.DataFrame, lk: Lookup) -> pd.DataFrame:
    """Example 6: AT&T-style, UTC, ET as MM:SS, Item = leg number within a call."""
    t = r["t"].to_numpy()
    st = times(t, False)
    mo = (r["persp"] == r["a"]).to_numpy()
    voice = (r["kind"] == "voice").to_numpy()
    ct = np.where(voice, np.where(mo, "MO", "MT"), np.where(mo, "SMSMO", "SMSMT"))
    out = {
        "Item": _s(r["seq"].to_numpy()),
        "Conn.Date": fmt(st, "%m/%d/%Y"),
        "Conn.Time(UTC)": fmt(st, "%H:%M:%S"),
        "SeizureTime": _s(np.where(voice, (t + r["seq"].to_numpy()) % 9, 0)),
        "ET": mmss(r["dur"].to_numpy()),
        "Originating Number": number_text(lk, r["a"].to_numpy(), "us"),
        "Terminating Number": number_text(lk, r["b"].to_numpy(), "us"),
        "IMEI": r["imei"].reset_index(drop=True),
        "IMSI": r["imsi"].reset_index(drop=True),
        "CT": pd.Series(ct, dtype=object),
        "Feature": pd.Series(np.where(r["seq"].to_numpy() > 1, "TRANSIT", ""), dtype=object),
        "Cell Location": take(lk.cell_cgi, r["first"].to_numpy()),
    }
    return pd.DataFrame(out)[HEADER_E]


def render_f(r: pd.DataFrame, lk: Lookup, opaque: np.ndarray) -> pd.DataFrame:
    """A plain CSV with anonymised (opaque) party ids; UTC ISO-like times, seconds."""
    return pd.DataFrame(
        {
            "from": pd.Series(opaque[r["a"].to_numpy()], dtype=object),
            "to": pd.Series(opaque[r["b"].to_numpy()], dtype=object),
            "start": fmt(times(r["t"].to_numpy(), False), "%Y-%m-%d %H:%M:%S"),
            "duration": _s(r["dur"].to_numpy()),
            "cell": take(lk.cell_cgi, r["first"].to_numpy()),
        }
    )[HEADER_F]
