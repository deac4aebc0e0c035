"""Shared machinery for cleansing one chunk: per-row outcome/reason/flags, cached value maps.

Each row starts ``loaded``; a reject code, once set, is never overwritten (rules run in order of
precedence), and flags are a bit mask per row turned into ``list[str]`` at the end.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pyproj import Transformer

from ingest.reasons import FLAGS, Outcome, Reason
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
    #: the mapped columns as object Series (views of one 2-D array), built on first use
    _stripped: dict[int, pd.Series] = field(default_factory=dict)


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
    #: once-per-file observations already made (notes are not repeated per chunk)
    flags_seen: set[str] = field(default_factory=set)

    def column_label(self, name: str) -> str:
        idx = self.mapping.get(name)
        return self.header[idx] if idx is not None and idx < len(self.header) else name


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for a block (reference counting still frees everything:
    the structures built here hold no cycles)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def resumed_gc() -> Iterator[None]:
    """Inside :func:`paused_gc`, let the collector run again for a block (e.g. around a yield)."""
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was:
            gc.disable()


class Rows:
    """Outcome bookkeeping for one chunk of ``n`` rows."""

    def __init__(self, chunk: RawChunk) -> None:
        self.n = len(chunk.lines)
        self.reason = np.array(chunk.pre_reason, dtype=object)
        self.error = np.array(chunk.pre_message, dtype=object)
        self.flags = np.zeros(self.n, dtype=np.int64)
        #: True where a reason (reject or merge) is set
        self.decided = np.array([r is not None for r in chunk.pre_reason], dtype=bool)
        self.is_reject = self.decided.copy()
        self.chunk = chunk

    def rejected(self) -> np.ndarray:
        return self.is_reject.copy()

    def alive(self) -> np.ndarray:
        """Rows with no reason yet (neither rejected nor merged)."""
        return ~self.decided

    def reject(self, mask: np.ndarray | pd.Series, code: Reason, message: Callable[[int], str] | str) -> None:
        mask = np.asarray(mask, dtype=bool) & ~self.decided
        if not mask.any():
            return
        self.reason[mask] = code.value
        self.decided |= mask
        self.is_reject |= mask
        if callable(message):
            for i in np.flatnonzero(mask):
                self.error[i] = message(int(i))
        else:
            self.error[mask] = message

    def merge_at(self, i: int, code: Reason) -> None:
        """Mark row ``i`` as another source of an event already loaded."""
        self.reason[i] = code.value
        self.decided[i] = True

    def flag(self, mask: np.ndarray | pd.Series, code: Reason) -> None:
        self.flags[np.asarray(mask, dtype=bool)] |= FLAG_BITS[code.value]

    def flag_masks(self, masks: np.ndarray) -> None:
        self.flags |= masks

    def outcome_columns(self) -> dict[str, Any]:
        outcome = np.full(self.n, Outcome.LOADED.value, dtype=object)
        outcome[self.decided & ~self.is_reject] = Outcome.MERGED.value
        outcome[self.is_reject] = Outcome.REJECTED.value
        error = self.error.copy()
        error[~self.is_reject] = None
        # a rejected row carries only its reason: flags describe values that were loaded
        self.flags[self.is_reject] = 0
        codes, uniques = pd.factorize(self.flags)
        lists = [flags_of(int(m)) for m in uniques]
        return {
            "row": np.asarray(self.chunk.lines, dtype=np.int64),
            "outcome": outcome,
            "reason": self.reason,
            "flags": [list(lists[c]) for c in codes],  # one list per row: safe to mutate
            "error": error,
        }


def column(ctx: FileContext, chunk: RawChunk, name: str) -> pd.Series:
    """The raw strings of a canonical field, stripped ('' when the template does not map it)."""
    idx = ctx.mapping.get(name)
    n = len(chunk.fields)
    if idx is None:
        return pd.Series([""] * n, dtype=object)
    if not chunk._stripped:
        # one C-level conversion of the whole chunk to a 2-D object array; columns are views of it.
        # Values are not stripped here: every parser strips, once per distinct value.
        if chunk.fields:
            matrix = np.array(chunk.fields, dtype=object)
            if matrix.ndim != 2:  # cannot happen (rows are padded to the header width): be safe
                matrix = np.array([list(f) for f in chunk.fields], dtype=object).reshape(len(chunk.fields), -1)
            for i in sorted(set(ctx.mapping.values())):
                chunk._stripped[i] = pd.Series(matrix[:, i], dtype=object, copy=False)
        else:
            for i in sorted(set(ctx.mapping.values())):
                chunk._stripped[i] = pd.Series([], dtype=object)
    return chunk._stripped[idx].copy(deep=False)


def has(ctx: FileContext, name: str) -> bool:
    return name in ctx.mapping


class Mapped(Sequence[Any]):
    """Answers computed once per distinct value, spread over the rows by code (no per-row work)."""

    def __init__(self, codes: np.ndarray, answers: list[Any]) -> None:
        self.codes = codes
        self.answers = answers

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i: Any) -> Any:
        return self.answers[self.codes[i]]

    def attr(self, fn: Callable[[Any], Any], dtype: Any = object) -> np.ndarray:
        """``fn(answer)`` for every row, as an array."""
        values = np.empty(len(self.answers), dtype=dtype)
        for i, answer in enumerate(self.answers):
            values[i] = fn(answer)
        return values[self.codes] if len(self.codes) else np.empty(0, dtype=dtype)

    def masks(self, fn: Callable[[Any], tuple[str, ...]] = lambda a: a.flags) -> np.ndarray:
        return self.attr(lambda a: mask_of(fn(a)), dtype=np.int64)


def cached_map(series: pd.Series, fn: Callable[[Any], Any]) -> Mapped:
    """Apply ``fn`` once per distinct value and spread the answers back over the rows."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    return Mapped(np.asarray(codes), [fn(u) for u in uniques])


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


def _float_of(text: Any) -> float:
    try:
        return float(str(text).replace(",", "")) if text != "" else np.nan
    except ValueError:
        return np.nan


def to_float(series: pd.Series) -> pd.Series:
    """Numbers from text ('' and junk -> NaN; thousands separators allowed), once per distinct value."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    values = np.array([_float_of(u) for u in uniques], dtype="float64")
    return pd.Series(values[codes] if len(codes) else np.empty(0), index=series.index, dtype="float64")


def unswap_latlon(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Repair lat/lon written the wrong way round (a GB latitude in the longitude column and vice
    versa), in place; returns the mask of repaired rows (flag them ``coordinate_out_of_range``)."""
    swapped = ~np.isnan(lat) & (lon >= GB_LAT[0]) & (lon <= GB_LAT[1]) & (lat >= GB_LON[0]) & (lat <= GB_LON[1])
    if swapped.any():
        lat[swapped], lon[swapped] = lon[swapped].copy(), lat[swapped].copy()
    return swapped


_GRID_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"  # the OS grid alphabet has no I


def gridref_to_en(ref: str) -> tuple[float, float] | None:
    """An OS letter grid reference (``TQ3225075840``, ``TQ 32250 75840``) to BNG easting/northing.

    Method: the two letters select a 100 km square (first letter a 500 km square from SV); the
    digits, split in half, are the easting and northing within it at the precision written (the
    south-west corner of the square they denote). None for anything else.
    """
    text = ref.replace(" ", "").upper()
    if len(text) < 2 or not text[2:].isdigit() or len(text[2:]) % 2 or len(text[2:]) > 10:
        return None
    try:
        l1, l2 = _GRID_LETTERS.index(text[0]), _GRID_LETTERS.index(text[1])
    except ValueError:
        return None
    e100 = ((l1 - 2) % 5) * 5 + (l2 % 5)
    n100 = (19 - (l1 // 5) * 5) - (l2 // 5)
    digits = text[2:]
    half = len(digits) // 2
    scale = 10 ** (5 - half) if half else 100000
    e = e100 * 100000 + (int(digits[:half]) * scale if half else 0)
    n = n100 * 100000 + (int(digits[half:]) * scale if half else 0)
    if not (0 <= e <= 700000 and 0 <= n <= 1300000):
        return None
    return float(e), float(n)


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
        # cells repeat: transform each distinct (E, N) once
        codes, pairs = pd.factorize(e[in_range] + 1j * nth[in_range])
        x, y = bng_transformer().transform(pairs.real, pairs.imag)
        lon[in_range] = np.asarray(x)[codes]
        lat[in_range] = np.asarray(y)[codes]
    return lat, lon, present & ~in_range


def objectify(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Text columns as Python objects with None for missing (never NaN): the loader passes them on."""
    for name in columns:
        if name in frame.columns and frame[name].dtype != object:
            values = frame[name].astype(object)
            frame[name] = values.where(values.notna(), None)
    return frame


def frame_of(columns: dict[str, Any], n: int) -> pd.DataFrame:
    """A frame whose object arrays stay object (pandas would otherwise infer Arrow strings, then
    NaN for None), built without per-column type inference."""
    out: dict[str, Any] = {}
    for name, values in columns.items():
        if isinstance(values, np.ndarray) and values.dtype == object:
            out[name] = pd.Series(values, dtype=object, copy=False)
        elif isinstance(values, list):
            out[name] = pd.Series(values, dtype=object)
        elif isinstance(values, str) or values is None:
            out[name] = pd.Series([values] * n, dtype=object)
        else:
            out[name] = values
    return pd.DataFrame(out)
