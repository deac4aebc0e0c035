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
_PARTS_RE = re.compile(r"^\s*(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})")


def date_order_evidence(texts: pd.Series) -> str | None:
    """The date order a set of date strings proves, or None when they fit more than one.

    ``ymd`` when the first part has four digits; ``dmy`` when some first part exceeds 12 (it can only
    be a day); ``mdy`` when some second part exceeds 12. Conflicting evidence returns ``"conflict"``.
    """
    sample = texts[texts.astype(bool)] if len(texts) else texts
    if sample.empty:
        return None
    parts = sample.str.extract(_PARTS_RE.pattern)
    parts = parts.dropna()
    if parts.empty:
        return None
    first = parts[0]
    if (first.str.len() == 4).all():
        return "ymd"
    p1 = pd.to_numeric(first, errors="coerce")
    p2 = pd.to_numeric(parts[1], errors="coerce")
    dmy = bool((p1 > 12).any())
    mdy = bool((p2 > 12).any())
    if dmy and mdy:
        return "conflict"
    if dmy:
        return "dmy"
    if mdy:
        return "mdy"
    return None


def parse_naive(texts: pd.Series, order: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse strings to naive timestamps in the given date order.

    Returns ``(naive, offset_minutes, explicit_utc)``: ``naive`` is NaT where the text does not
    parse; ``offset_minutes`` the explicit UTC offset written in the text (NaN if none); and
    ``explicit_utc`` True where the text itself says Z/UTC/GMT.
    """
    index = texts.index
    parts = texts.str.extract(DATETIME_RE)
    p1 = pd.to_numeric(parts["p1"], errors="coerce")
    p2 = pd.to_numeric(parts["p2"], errors="coerce")
    p3 = pd.to_numeric(parts["p3"], errors="coerce")
    four_first = parts["p1"].str.len() == 4
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
    hour = pd.to_numeric(parts["H"], errors="coerce").fillna(0)
    ap = parts["AP"].str.upper()
    hour = hour.where(ap.isna() | (hour > 12) | (hour == 0), hour % 12 + np.where(ap == "PM", 12, 0))
    frame = pd.DataFrame(
        {
            "year": year,
            "month": month,
            "day": day,
            "hour": hour,
            "minute": pd.to_numeric(parts["M"], errors="coerce").fillna(0),
            "second": pd.to_numeric(parts["S"], errors="coerce").fillna(0),
        },
        index=index,
    )
    bad = frame[["year", "month", "day"]].isna().any(axis=1) | (frame["hour"] > 23) | (frame["minute"] > 59)
    bad |= frame["second"] > 59
    frame.loc[bad, ["year", "month", "day"]] = np.nan
    naive = pd.to_datetime(frame.astype("float64"), errors="coerce")
    fraction = parts["F"]
    if fraction.notna().any():
        micro = pd.to_numeric(fraction.str.slice(0, 6).str.ljust(6, "0"), errors="coerce").fillna(0)
        naive = naive + pd.to_timedelta(micro, unit="us")
    # Excel serial day numbers (days since 1899-12-30)
    excel = texts.str.match(_EXCEL_RE.pattern) & naive.isna()
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
