"""Date/time parsing, vectorised: per-file date order, local time to UTC with DST flags.

Dates are read as ``d/m/y``, ``m/d/y`` or ``y-m-d`` (any of ``/ . -`` as separators, 2- or 4-digit
years), optionally followed by ``HH:MM[:SS[.ffffff]]`` and an AM/PM marker, and optionally an explicit
zone (``Z``, ``UTC``, ``GMT``, ``+01:00``). Excel serial day numbers (``45321.5``) are also accepted.
The day/month order is decided once per file (:func:`date_order_evidence`), never per row.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

DATETIME_RE = (
    r"^\s*(?P<p1>\d{1,4})[/.\-](?P<p2>\d{1,2})[/.\-](?P<p3>\d{1,4})"
    r"(?:[ T,]+(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2})(?:[.,](?P<F>\d{1,9}))?)?\s*(?P<AP>[AaPp][Mm])?)?"
    r"\s*(?P<Z>Z|UTC|GMT|[+-]\d{2}:?\d{2})?\s*$"
)
_EXCEL_RE = re.compile(r"^\d{5}(\.\d+)?$")


def _extract(texts: pd.Series, pattern: str) -> pd.DataFrame:
    """Regex groups as a frame of strings (None where absent), using Arrow's RE2 (vectorised)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(texts.astype(object).where(texts.notna(), None).tolist(), type=pa.string())
    struct = pc.extract_regex(arr, pattern)
    names = [struct.type.field(i).name for i in range(struct.type.num_fields)]
    out = {}
    for name in names:
        values = pc.struct_field(struct, name)
        values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
        out[name] = pd.Series(values.to_numpy(zero_copy_only=False), index=texts.index, dtype=object)
    return pd.DataFrame(out, index=texts.index)


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype("float64")


def date_order_evidence(texts: pd.Series) -> str | None:
    """The date order a set of date strings proves, or None when they fit more than one.

    ``ymd`` when the first part has four digits; ``dmy`` when some first part exceeds 12 (it can only
    be a day); ``mdy`` when some second part exceeds 12. Conflicting evidence returns ``"conflict"``.
    """
    if texts.empty:
        return None
    uniques = pd.Series([str(v).strip() for v in pd.unique(texts.to_numpy(dtype=object))], dtype=object)
    uniques = uniques[uniques != ""]
    if uniques.empty:
        return None
    parts = _extract(uniques, r"^\s*(?P<a>\d{1,4})[/.\-](?P<b>\d{1,2})[/.\-](?P<c>\d{1,4})").dropna()
    if parts.empty:
        return None
    first = parts["a"]
    if (first.str.len() == 4).all():
        return "ymd"
    p1 = _num(first)
    p2 = _num(parts["b"])
    dmy = bool((p1 > 12).any())
    mdy = bool((p2 > 12).any())
    if dmy and mdy:
        return "conflict"
    if dmy:
        return "dmy"
    if mdy:
        return "mdy"
    return None


_SHAPE_RE = re.compile(r"^(\d{1,4})([/.\-])(\d{1,2})([/.\-])(\d{2,4})(?:([ T])(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def _format_of(sample: str, order: str) -> str | None:
    """A strptime format for values shaped like ``sample`` in the given order (fast path only)."""
    m = _SHAPE_RE.match(sample.strip())
    if not m:
        return None
    p1, s1, _p2, s2, p3, sep, _h, _mi, sec = m.groups()
    if len(p1) == 4:
        parts = ["%Y", "%m", "%d"]
    else:
        year = "%Y" if len(p3) == 4 else "%y"
        parts = ["%d", "%m", year] if order != "mdy" else ["%m", "%d", year]
        if order == "ymd":
            parts = ["%d", "%m", year]
    fmt = f"{parts[0]}{s1}{parts[1]}{s2}{parts[2]}"
    if sep:
        fmt += f"{sep}%H:%M" + (":%S" if sec is not None else "")
    return fmt


_ISO_SLICES = {
    "%d/%m/%Y %H:%M:%S": (19, lambda t: f"{t[6:10]}-{t[3:5]}-{t[0:2]}T{t[11:19]}"),
    "%m/%d/%Y %H:%M:%S": (19, lambda t: f"{t[6:10]}-{t[0:2]}-{t[3:5]}T{t[11:19]}"),
    "%Y-%m-%d %H:%M:%S": (19, lambda t: f"{t[0:10]}T{t[11:19]}"),
    "%Y-%m-%dT%H:%M:%S": (19, lambda t: t),
    "%d/%m/%Y": (10, lambda t: f"{t[6:10]}-{t[3:5]}-{t[0:2]}"),
    "%m/%d/%Y": (10, lambda t: f"{t[6:10]}-{t[0:2]}-{t[3:5]}"),
    "%Y-%m-%d": (10, lambda t: t),
}


def _iso_fast(values: list[str], fmt: str) -> np.ndarray | None:
    """Fixed-width values rearranged to ISO and parsed by numpy in C; None when any value does not
    fit (then the general path decides, value by value)."""
    spec = _ISO_SLICES.get(fmt)
    if spec is None:
        return None
    width, rearrange = spec
    if any(len(v) != width for v in values):
        return None
    try:
        iso = np.array([rearrange(v) for v in values], dtype="datetime64[s]")
    except ValueError:
        return None
    return iso.astype("datetime64[us]")


def parse_naive(texts: pd.Series, order: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse strings to naive timestamps in the given date order.

    Returns ``(naive, offset_minutes, explicit_utc)``: ``naive`` is NaT where the text does not
    parse; ``offset_minutes`` the explicit UTC offset written in the text (NaN if none); and
    ``explicit_utc`` True where the text itself says Z/UTC/GMT.

    Method: the shape of the first value gives a strptime format that parses the bulk of the file
    in C; values that do not fit it (other shapes, zones, fractions, AM/PM, Excel serials) go
    through the general regex, so a file may mix shapes but never date orders.
    """
    index = texts.index
    texts = texts.fillna("").astype(object)
    present = (texts != "").to_numpy()
    naive = pd.Series(pd.NaT, index=index, dtype="datetime64[us]")
    offset = pd.Series(np.nan, index=index)
    explicit_utc = pd.Series(False, index=index)
    if not present.any():
        return naive, offset, explicit_utc
    first = texts[present].iloc[0]
    fmt = _format_of(first, order)
    todo = present.copy()
    if fmt is not None:
        values = texts[present].tolist()
        fast_iso = _iso_fast(values, fmt)
        if fast_iso is not None:
            naive[present] = fast_iso
        else:
            fast = pd.to_datetime(texts[present], format=fmt, errors="coerce").astype("datetime64[us]")
            naive[present] = fast.to_numpy()
        todo = present & naive.isna().to_numpy()
    if todo.any():
        slow_naive, slow_offset, slow_utc = _parse_general(texts[todo], order)
        naive[todo] = slow_naive.to_numpy()
        offset[todo] = slow_offset.to_numpy()
        explicit_utc[todo] = slow_utc.to_numpy()
    return naive, offset, explicit_utc


def _parse_general(texts: pd.Series, order: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    index = texts.index
    parts = _extract(texts, DATETIME_RE)
    p1 = _num(parts["p1"])
    p2 = _num(parts["p2"])
    p3 = _num(parts["p3"])
    four_first = (parts["p1"].str.len() == 4).fillna(False).astype(bool)
    if order == "ymd":
        year, month, day = p1, p2, p3
    elif order == "mdy":
        year, month, day = p3, p1, p2
    else:
        year, month, day = p3, p2, p1
    # a year-first date is unambiguous whatever the file's order
    year = year.where(~four_first, p1)
    month = month.where(~four_first, p2)
    day = day.where(~four_first, p3)
    year = year.where(year >= 100, year + np.where(year < 70, 2000, 1900))
    hour = _num(parts["H"]).fillna(0)
    ap = parts["AP"].str.upper()
    hour = hour.where(ap.isna() | (hour > 12) | (hour == 0), hour % 12 + np.where(ap == "PM", 12, 0))
    frame = pd.DataFrame(
        {
            "year": year,
            "month": month,
            "day": day,
            "hour": hour,
            "minute": _num(parts["M"]).fillna(0),
            "second": _num(parts["S"]).fillna(0),
        },
        index=index,
    )
    bad = frame[["year", "month", "day"]].isna().any(axis=1) | (frame["hour"] > 23) | (frame["minute"] > 59)
    bad |= frame["second"] > 59
    frame.loc[bad, ["year", "month", "day"]] = np.nan
    naive = pd.to_datetime(frame.astype("float64"), errors="coerce").astype("datetime64[us]")
    fraction = parts["F"]
    if fraction.notna().any():
        micro = _num(fraction.str.slice(0, 6).str.ljust(6, "0")).fillna(0)
        naive = naive + pd.to_timedelta(micro, unit="us")
    # Excel serial day numbers (days since 1899-12-30)
    excel = texts.str.match(_EXCEL_RE.pattern).fillna(False).astype(bool) & naive.isna()
    if excel.any():
        days = pd.to_numeric(texts[excel], errors="coerce")
        naive = naive.copy()
        naive[excel] = pd.Timestamp("1899-12-30") + pd.to_timedelta(days, unit="D").dt.round("s")
    zone = parts["Z"]
    explicit_utc = zone.isin(["Z", "UTC", "GMT"]).fillna(False).astype(bool)
    offset = pd.Series(np.nan, index=index)
    has_offset = zone.str.match(r"^[+-]").fillna(False).astype(bool)
    if has_offset.any():
        z = zone[has_offset].str.replace(":", "", regex=False)
        sign = np.where(z.str[0] == "-", -1, 1)
        offset[has_offset] = sign * (z.str[1:3].astype(int) * 60 + z.str[3:5].astype(int))
    return naive, offset, explicit_utc


def localise(naive: pd.Series, tz: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Local wall-clock times to UTC, flagging DST overlap and gap instead of trusting a default.

    A time in the autumn overlap (e.g. 2024-10-27 01:30 Europe/London occurs twice) is resolved to
    its FIRST occurrence (BST, ``fold=0``) and flagged ``dst_ambiguous``. A time in the spring gap
    (2024-03-31 01:30 never occurred) is shifted forward to the first valid instant (02:00 BST) and
    flagged ``dst_nonexistent``. Returns ``(utc, ambiguous_mask, nonexistent_mask)``.
    """
    index = naive.index
    if tz == "UTC":
        utc = naive.dt.tz_localize("UTC")
        false = pd.Series(False, index=index)
        return utc, false, false
    strict = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    problem = strict.isna() & naive.notna()
    ambiguous = pd.Series(False, index=index)
    nonexistent = pd.Series(False, index=index)
    if problem.any():
        sub = naive[problem]
        first = sub.dt.tz_localize(tz, ambiguous=np.ones(len(sub), dtype=bool), nonexistent="NaT")
        is_amb = first.notna()
        shifted = sub[~is_amb].dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
        fixed = pd.concat([first[is_amb], shifted]).reindex(sub.index)
        strict = strict.copy()
        strict[problem] = fixed
        ambiguous[problem] = is_amb.to_numpy()
        nonexistent[problem] = ~is_amb.to_numpy()
    return strict.dt.tz_convert("UTC"), ambiguous, nonexistent
