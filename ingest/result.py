"""What a read returns: the cleansed frame and the per-file reconciliation report.

The loader (``csas_graph.importer``) codes against these classes, so their fields are a contract:
add, never rename. Every input data row appears exactly once in the frame, with its ``outcome``
(``loaded`` / ``merged`` / ``rejected``) and the invariant ``rows_read == loaded + merged +
rejected`` is checked whenever a report is finished, reclassified or rebuilt from JSON.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csas_graph.errors import ProgrammingError
from ingest.reasons import MERGES, REJECTS, Outcome

#: a rejected row's raw text is kept up to this many characters in the report
RAW_TEXT_LIMIT = 2000


@dataclass
class ReconciliationReport:
    """Per-file accounting: rows read = loaded + merged + rejected, with counts per code.

    ``reasons`` counts reject and merge codes (one per non-loaded row); ``flags`` counts flag codes
    (any number per row). ``rejected_rows`` lists every reject with its physical line number, the
    reason code, a message naming the field and value, and the raw line.
    """

    file_name: str
    sha256: str
    size: int
    kind: str
    template_id: str
    template_version: str
    rows_read: int = 0
    loaded: int = 0
    merged: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    rejected_rows: list[dict[str, Any]] = field(default_factory=list)
    #: text encoding actually used to decode the file (``utf-8``, ``cp1252`` …; ``xlsx`` for workbooks)
    encoding: str = "utf-8"
    #: key/value metadata found in a preamble (``URN``, ``Target identity`` …)
    metadata: dict[str, str] = field(default_factory=dict)
    #: physical line of the header row (sheet row for XLSX)
    header_line: int = 0
    #: date order used for the whole file (``dmy``, ``mdy``, ``ymd``) and how it was decided
    date_order: str | None = None
    date_order_source: str | None = None
    #: notes for the analyst (DST resolution policy, transform used, …)
    notes: list[str] = field(default_factory=list)
    #: the time window the loaded events cover (UTC ISO), to check against the request window
    first_event_utc: str | None = None
    last_event_utc: str | None = None

    def check(self) -> None:
        """Raise :class:`ProgrammingError` unless every row is accounted for exactly once."""
        if self.rows_read != self.loaded + self.merged + self.rejected:
            raise ProgrammingError(
                f"{self.file_name}: reconciliation broken: rows read {self.rows_read} != loaded {self.loaded}"
                f" + merged {self.merged} + rejected {self.rejected}"
            )
        if sum(self.reasons.values()) != self.merged + self.rejected:
            raise ProgrammingError(f"{self.file_name}: reason counts do not add up to merged + rejected rows")

    def reclassify(self, n: int, reason: str) -> None:
        """Turn ``n`` loaded rows into merged ones (the loader found them already in the graph)."""
        if n < 0 or n > self.loaded:
            raise ProgrammingError(f"cannot reclassify {n} of {self.loaded} loaded rows")
        if reason not in MERGES:
            raise ProgrammingError(f"{reason!r} is not a merge reason")
        if n == 0:
            return
        self.loaded -= n
        self.merged += n
        self.reasons[reason] = self.reasons.get(reason, 0) + n
        self.check()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReconciliationReport:
        known = set(cls.__dataclass_fields__)
        report = cls(**{k: v for k, v in data.items() if k in known})
        report.check()
        return report

    # --- accumulation (used by the readers) ------------------------------------------------
    def add_frame(self, frame: pd.DataFrame, raw_lines: Callable[[int], str] | None = None) -> None:
        """Count one cleansed chunk into the report."""
        n = len(frame)
        self.rows_read += n
        outcomes = frame["outcome"].to_numpy()
        self.loaded += int((outcomes == Outcome.LOADED.value).sum())
        self.merged += int((outcomes == Outcome.MERGED.value).sum())
        self.rejected += int((outcomes == Outcome.REJECTED.value).sum())
        reasons = Counter(r for r in frame["reason"].tolist() if r)
        for code, count in reasons.items():
            self.reasons[code] = self.reasons.get(code, 0) + count
        flag_counts: Counter[str] = Counter()
        for flags in frame["flags"].tolist():
            if flags:
                flag_counts.update(flags)
        for code, count in flag_counts.items():
            self.flags[code] = self.flags.get(code, 0) + count
        for pos in np.flatnonzero(outcomes == Outcome.REJECTED.value):
            record: Any = frame.iloc[int(pos)]
            row = int(record["row"])
            reason = record["reason"]
            if reason not in REJECTS:
                raise ProgrammingError(f"row {row}: rejected with non-reject reason {reason!r}")
            self.rejected_rows.append(
                {
                    "row": row,
                    "reason": reason,
                    "message": record["error"],
                    "raw": raw_lines(int(pos)) if raw_lines else None,
                }
            )


def raw_text(fields: list[str]) -> str:
    """The row re-serialised as one CSV line, cut to :data:`RAW_TEXT_LIMIT` characters."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(fields)
    text = buf.getvalue()
    return text if len(text) <= RAW_TEXT_LIMIT else text[:RAW_TEXT_LIMIT] + "…"


@dataclass
class ReadResult:
    """A whole file read into memory: the notebook API (:func:`ingest.read`)."""

    kind: str
    frame: pd.DataFrame
    report: ReconciliationReport
    template_id: str
    template_version: str
    sha256: str
    file_name: str
    size: int


@dataclass
class ReadChunk:
    """One chunk of a streamed read: the frame has one row per input data row of the chunk."""

    kind: str
    frame: pd.DataFrame
    #: 0-based chunk ordinal
    index: int


@dataclass
class ReadStream:
    """A streamed read. Iterate it (or ``.chunks()``) once; ``.report`` is final afterwards.

    ``session_updates`` maps a data-session ``event_id`` to ``(end_utc, duration_s)`` for sessions
    whose later partial records arrived in a chunk after the one that held the session's first row:
    the loader applies them after the last chunk. (:func:`ingest.read` applies them itself.)
    """

    kind: str
    template_id: str
    template_version: str
    sha256: str
    file_name: str
    size: int
    report: ReconciliationReport
    _chunks: Iterator[ReadChunk] | None = None
    session_updates: dict[str, tuple[pd.Timestamp, int]] = field(default_factory=dict)
    finished: bool = False

    def chunks(self) -> Iterator[ReadChunk]:
        if self._chunks is None:
            raise ProgrammingError("a ReadStream can be iterated only once")
        chunks, self._chunks = self._chunks, None
        yield from chunks

    def __iter__(self) -> Iterator[ReadChunk]:
        return self.chunks()
