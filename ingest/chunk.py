"""Shared machinery for cleansing one chunk: per-row outcome/reason/flags, cached value maps.

Each row starts ``loaded``; a reject code, once set, is never overwritten (rules run in order of
precedence), and flags are a bit mask per row turned into ``list[str]`` at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pyproj import Transformer

from ingest.reasons import FLAGS, MERGES, REJECTS, Outcome, Reason
from ingest.template import Template

FLAG_BITS: dict[str, int] = {code.value: 1 << i for i, code in enumerate(sorted(FLAGS))}
_MASK_CACHE: dict[int, tuple[str, ...]] = {}


def flags_of(mask: int) -> tuple[str, ...]:
    codes = _MASK_CACHE.get(mask)
    if codes is None:
        codes = tuple(code for code, bit in FLAG_BITS.items() if mask & bit)
        _MASK_CACHE[mask] = codes
    return codes


def mask_of(codes: tuple[str, ...]) -> int:
    out = 0
    for code in codes:
        out |= FLAG_BITS[code]
    return out


@dataclass
class RawChunk:
    """Rows as read: physical line numbers, the fields, and reader-level rejects."""

    lines: list[int]
    fields: list[list[str]]
    #: reader-level reject (summary_row / malformed_row) per row, or None
    pre_reason: list[str | None]
    pre_message: list[str | None]


@dataclass
class FileContext:
    """Everything about a file that holds for all of its chunks."""

    file_name: str
    template: Template
    header: list[str]
    mapping: dict[str, int]
    timezone: str
    date_order: str
    encoding_fallback: bool = False
    target_key: str | None = None
    cameras: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    def column_label(self, name: str) -> str:
        idx = self.mapping.get(name)
        return self.header[idx] if idx is not None and idx < len(self.header) else name


class Rows:
    """Outcome bookkeeping for one chunk of ``n`` rows."""

    def __init__(self, chunk: RawChunk) -> None:
        self.n = len(chunk.lines)
        self.reason = np.array(chunk.pre_reason, dtype=object)
        self.error = np.array(chunk.pre_message, dtype=object)
        self.flags = np.zeros(self.n, dtype=np.int64)
        self.chunk = chunk

    def rejected(self) -> np.ndarray:
        return np.array([r is not None and r in REJECTS for r in self.reason], dtype=bool)

    def alive(self) -> np.ndarray:
        """Rows not (yet) rejected."""
        return np.array([r is None for r in self.reason], dtype=bool)

    def reject(self, mask: np.ndarray | pd.Series, code: Reason, message: Callable[[int], str] | str) -> None:
        mask = np.asarray(mask, dtype=bool) & np.array([r is None for r in self.reason], dtype=bool)
        for i in np.flatnonzero(mask):
            self.reason[i] = code.value
            self.error[i] = message(int(i)) if callable(message) else message

    def merge(self, mask: np.ndarray, code: Reason) -> None:
        mask = np.asarray(mask, dtype=bool) & np.array([r is None for r in self.reason], dtype=bool)
        self.reason[mask] = code.value

    def flag(self, mask: np.ndarray | pd.Series, code: Reason) -> None:
        self.flags[np.asarray(mask, dtype=bool)] |= FLAG_BITS[code.value]

    def flag_masks(self, masks: np.ndarray) -> None:
        self.flags |= masks

    def outcome_columns(self) -> dict[str, Any]:
        outcome = np.full(self.n, Outcome.LOADED.value, dtype=object)
        for i, r in enumerate(self.reason):
            if r is None:
                continue
            if r in REJECTS:
                outcome[i] = Outcome.REJECTED.value
            elif r in MERGES:
                outcome[i] = Outcome.MERGED.value
        error = [e if o == Outcome.REJECTED.value else None for e, o in zip(self.error, outcome, strict=True)]
        # a rejected row carries only its reason: flags describe values that were loaded
        self.flags[outcome == Outcome.REJECTED.value] = 0
        return {
            "row": np.asarray(self.chunk.lines, dtype=np.int64),
            "outcome": outcome,
            "reason": list(self.reason),
            "flags": [list(flags_of(int(m))) for m in self.flags],
            "error": error,
        }


def column(ctx: FileContext, chunk: RawChunk, name: str) -> pd.Series:
    """The raw strings of a canonical field ('' when the template does not map it)."""
    idx = ctx.mapping.get(name)
    n = len(chunk.fields)
    if idx is None:
        return pd.Series([""] * n, dtype=object)
    return pd.Series([f[idx].strip() if idx < len(f) else "" for f in chunk.fields], dtype=object)


def has(ctx: FileContext, name: str) -> bool:
    return name in ctx.mapping


def cached_map(series: pd.Series, fn: Callable[[str], Any]) -> list[Any]:
    """Apply ``fn`` once per distinct value and spread the answers back over the rows."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    answers = [fn(u) for u in uniques]
    return [answers[c] for c in codes]


_TRANSFORMER: Transformer | None = None


def bng_transformer() -> Transformer:
    global _TRANSFORMER
    if _TRANSFORMER is None:
        _TRANSFORMER = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
        _TRANSFORMER.transform(651409.903, 313177.270)  # settles which operation PROJ picked
    return _TRANSFORMER


_DESCRIPTION: str | None = None


def transform_description() -> str:
    """The PROJ operation actually used for BNG -> WGS84 (Helmert offline, OSTN15 with the grid)."""
    global _DESCRIPTION
    if _DESCRIPTION is None:
        t = bng_transformer()
        try:
            op = t.get_last_used_operation()
            text, accuracy = op.description, op.accuracy
        except Exception:  # pyproj without the call, or PROJ refusing: fall back to the pipeline name
            text, accuracy = t.description, t.accuracy
        _DESCRIPTION = f"EPSG:27700 -> EPSG:4326: {text}" + (
            f" (accuracy {accuracy} m)" if accuracy and accuracy > 0 else ""
        )
    return _DESCRIPTION


#: the British National Grid envelope, metres
BNG_E = (0.0, 700_000.0)
BNG_N = (0.0, 1_300_000.0)
#: a generous WGS84 envelope around Great Britain and Ireland
GB_LAT = (49.0, 61.5)
GB_LON = (-11.0, 2.5)


def to_float(series: pd.Series) -> pd.Series:
    cleaned = series.astype(str).str.replace(",", "", regex=False).str.strip()
    return pd.to_numeric(cleaned.where(cleaned != "", None), errors="coerce").astype("float64")


def bng_to_wgs84(easting: pd.Series, northing: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BNG (EPSG:27700) to WGS84 lat/lon with pyproj; returns lat, lon and an out-of-range mask.

    Values outside the BNG envelope are not converted (NaN) and reported out of range. Offline,
    pyproj uses the Helmert "OSGB36 to WGS 84" transformation (about 2 m), not OSTN15: the transform
    used is recorded (:func:`transform_description`).
    """
    e = easting.to_numpy(dtype="float64")
    nth = northing.to_numpy(dtype="float64")
    present = ~np.isnan(e) & ~np.isnan(nth)
    in_range = present & (e >= BNG_E[0]) & (e <= BNG_E[1]) & (nth >= BNG_N[0]) & (nth <= BNG_N[1])
    lat = np.full(len(e), np.nan)
    lon = np.full(len(e), np.nan)
    if in_range.any():
        x, y = bng_transformer().transform(e[in_range], nth[in_range])
        lon[in_range] = x
        lat[in_range] = y
    return lat, lon, present & ~in_range


def objectify(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Text columns as Python objects with None for missing (never NaN): the loader passes them on."""
    for name in columns:
        if name in frame.columns:
            values = frame[name].astype(object)
            frame[name] = values.where(values.notna(), None)
    return frame
