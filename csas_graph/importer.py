"""Import cleansed source files into a case's graph, with provenance, idempotently and atomically.

Method
------
1. The file is copied byte for byte into the case's evidence store and hashed
   (:mod:`csas_graph.evidence_store`). A ``SourceFile`` with that SHA-256 that is ``complete``
   makes the import a no-op ("already imported").
2. Any partial load left in the case by an import that died (status ``loading``, its process
   gone) is rolled back first: its ``"<sha256>:<row>"`` sources are stripped, events left with no
   source and nodes left with no relationship that it created are deleted, and so is its
   ``SourceFile``.
3. A ``SourceFile`` is written with status ``loading``; the file is read in chunks through
   :func:`ingest.read_chunks` (parse + cleanse, in a reader thread), and each chunk is written in
   batches of ``ingest_batch_size`` source rows, one transaction per batch, by a writer thread (so
   this process prepares batch N+1 while the server writes batch N): distinct nodes are MERGEd on
   their case keys, events are CREATEd when their ``event_id`` is new and otherwise get the row's
   source appended (an overlapping delivery: ``overlap_duplicate``, or ``mirrored_duplicate`` when
   it is the other party's record of the event). Calls are looked up before they are created;
   sightings are created without a look-up until the constraint reports one already in the case,
   after which that file's batches look them up first.
4. Pairing edges (Number-SIM-Handset, first/last seen, counts) are written together with the
   ``SourceFile`` status ``complete`` in one final transaction: a file is complete with all its
   events and pairings, or it is ``loading`` and will be rolled back.

Cells resolve at load time against the cell lists already in the case: an event's CGI resolves to
the configuration whose ``[valid_from, valid_to)`` contains the event's UTC date. A CGI no list
describes becomes an unresolved ``Cell {key: cgi, resolved: false}`` (with the CDR's inline
location when it gave one, marked ``location_source: 'cdr'``) and the row is flagged
``unresolved_cell``; its event is loaded anyway. Hence the import order of :func:`import_files`:
cell lists first.

Limitations
-----------
- A file killed mid-load leaves its committed batches in the graph, marked by a ``loading``
  ``SourceFile``, until the next import into that case (or :func:`recover_case`) rolls them back.
  Readers that must never see a partial load should call :func:`recover_case` first.
- Events loaded before a cell list arrived stay on their unresolved cells.
- Validity is compared by date: a configuration valid from day D covers the whole of D (UTC).
- Pairing ``events`` counts rows that brought a new observation (a new event, or the other
  party's record of a call); a repeated delivery of the same record adds nothing.
"""

from __future__ import annotations

import bisect
import functools
import json
import math
import os
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import psutil
from neo4j.exceptions import ConstraintError
from neo4j.spatial import WGS84Point

import cypher
from csas_graph import __version__
from csas_graph.cases import ensure_case, validate_case_id
from csas_graph.errors import Conflict, CsasError, IngestError, NotFound
from csas_graph.evidence_store import (
    EvidenceCopy,
    discard_evidence,
    store_evidence,
    write_rejected_rows,
)
from csas_graph.evidence_store import (
    rejected_rows_path as _rejected_rows_path,
)
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings, get_settings

Progress = Callable[[int, int | None], None]
PostImportHook = Callable[[GraphStore, str], None]

#: called with (store, case_id) after each file lands; e.g. the analyses' precomputation
POST_IMPORT_HOOKS: list[PostImportHook] = []

#: the order in which :func:`import_files` loads kinds of file: cells before the events on them
KIND_ORDER = {"cells": 0, "anpr": 1, "subscribers": 2, "cdr": 3}
#: a loading file whose heartbeat is older than this is treated as dead even if its pid exists
STALE_AFTER_S = 15 * 60
#: how often a running import marks its SourceFile alive (well within STALE_AFTER_S)
HEARTBEAT_EVERY_S = 10.0
ROAMING_HOME_MCC = "234"
UNKNOWN_CELL = "UNKNOWN"
#: rejected rows kept inside the stored report (the CSV beside the evidence copy has them all)
REPORT_REJECTED_ROWS = 1000


def rejected_rows_path(settings: Settings, case_id: str, sha256: str) -> Path:
    """The CSV (row, reason, message, raw) of a file's rejected rows, beside its evidence copy."""
    return _rejected_rows_path(settings, case_id, sha256)


@dataclass
class ImportOutcome:
    """What an import did: the stored reconciliation report and the ``SourceFile``."""

    case_id: str
    file_name: str
    sha256: str
    already_imported: bool
    report: dict[str, Any]
    source_file: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "file_name": self.file_name,
            "sha256": self.sha256,
            "already_imported": self.already_imported,
            "report": self.report,
            "source_file": _jsonable(self.source_file),
        }


# =============================================================================== public API
def import_file(
    store: GraphStore,
    case_id: str,
    path: str | Path,
    *,
    template: str | None = None,
    template_file: str | Path | None = None,
    user: str = "cli",
    settings: Settings | None = None,
    progress: Progress | None = None,
    run_hooks: bool = True,
) -> ImportOutcome:
    """Import one file into a case (created if missing); see the module docstring for the method.

    Returns the stored reconciliation report; re-importing a file already complete in the case
    changes nothing and returns ``already_imported=True``. Raises :class:`IngestError` naming the
    file when it cannot be read; the case is then left exactly as it was.
    """
    settings = settings or get_settings()
    path = Path(path)
    validate_case_id(case_id)
    _migrate(store)
    ensure_case(store, case_id, created_by=user)
    copy = store_evidence(settings, case_id, path)
    state = _file_state(store, case_id, copy.sha256)
    if _recover(store, case_id, state["loading"]):
        state = _file_state(store, case_id, copy.sha256)  # a dead load of this very file is gone now
    existing = state["existing"]
    if existing is not None:
        if existing.get("status") == "complete":
            return ImportOutcome(
                case_id, path.name, copy.sha256, True, json.loads(existing.get("report") or "{}"), existing
            )
        raise Conflict(
            f"{path.name}: already being imported into case {case_id} (pid {existing.get('loader_pid')})",
            file=str(path),
        )
    try:
        source = open_source(path, template=template, template_file=template_file, settings=settings)
    except BaseException:
        discard_evidence(copy)
        raise
    begun = False
    loader: _Loader | None = None
    try:
        _begin(store, case_id, path, copy, source, user)
        begun = True
        loader = _loader_for(source.kind, store, case_id, copy.sha256, settings)
        if isinstance(loader, _CdrLoader):
            loader.cells = CellResolver((c["cgi"], c["key"], c["valid_from"], c["valid_to"]) for c in state["cells"])
        done = 0
        if progress:
            progress(0, source.total_rows)
        last_beat = time.monotonic()
        for chunk in prefetched(source.chunks()):
            loader.load(chunk)
            done += len(chunk)
            if time.monotonic() - last_beat >= HEARTBEAT_EVERY_S:  # a round trip per chunk is costly for small files
                last_beat = time.monotonic()
                store.write(
                    cypher.load("ingest/source_file_heartbeat"), case_id=case_id, sha256=copy.sha256, rows_done=done
                )
            if progress:
                progress(done, source.total_rows)
            release_free_memory()
        loader.update_sessions(source.session_updates())  # after every batch landed
        loader.flush()
        report = source.final_report()
        if report.get("sha256") not in (None, copy.sha256):
            raise IngestError(f"{path}: the file changed while it was being imported", file=str(path))
        report = loader.finish_report(report)
        rejected_csv = write_rejected_rows(settings, case_id, copy.sha256, report.get("rejected_rows", []))
        report = cap_rejected_rows(report, rejected_csv)
        stored = _finalise(store, case_id, copy, source, loader, report)
    except BaseException:
        if loader is not None:
            loader.abort()  # no batch may land after the rollback
        rolled_back = not begun
        if begun:
            try:
                rollback_file(store, case_id, copy.sha256)
                rolled_back = True
            except CsasError:
                pass  # the database is gone too: the next import into the case rolls the file back
        if rolled_back:
            discard_evidence(copy)
        raise
    if run_hooks:
        run_post_import_hooks(store, case_id)
    return ImportOutcome(case_id, path.name, copy.sha256, False, report, stored)


def run_post_import_hooks(store: GraphStore, case_id: str, outcomes: Sequence[ImportOutcome] | None = None) -> None:
    """Run the post-import hooks (derived summaries) for a case.

    Called once per file by :func:`import_file`, or once after a batch of files by callers that
    pass ``run_hooks=False`` (the hooks refresh whatever changed since they last ran, so one run
    after many files gives the same summaries as one run per file, at a fraction of the cost).
    With ``outcomes`` given, nothing runs unless at least one file actually landed.
    """
    if outcomes is not None and all(o.already_imported for o in outcomes):
        return
    for hook in POST_IMPORT_HOOKS:
        hook(store, case_id)


def import_files(
    store: GraphStore,
    case_id: str,
    paths: Sequence[str | Path],
    *,
    template: str | None = None,
    template_file: str | Path | None = None,
    user: str = "cli",
    settings: Settings | None = None,
    progress: Callable[[Path, int, int | None], None] | None = None,
) -> list[ImportOutcome]:
    """Import several files in a sensible order: cell lists, ANPR, subscribers, then CDRs.

    The kind of each file is found by the reader's layout detection; files of one kind keep the
    order given. ``progress(path, done, total)`` reports per file. Outcomes come back in the
    order the files were imported.
    """
    settings = settings or get_settings()
    ordered = order_files([Path(p) for p in paths], template=template, template_file=template_file)
    outcomes: list[ImportOutcome] = []
    try:
        for path in ordered:
            file_progress: Progress | None = None
            if progress is not None:
                file_progress = (lambda p: lambda done, total: progress(p, done, total))(path)
            outcomes.append(
                import_file(
                    store,
                    case_id,
                    path,
                    template=template,
                    template_file=template_file,
                    user=user,
                    settings=settings,
                    progress=file_progress,
                    run_hooks=False,
                )
            )
    finally:
        # once for the whole batch, also for the files that landed before one failed
        run_post_import_hooks(store, case_id, outcomes)
    return outcomes


def order_files(
    paths: Sequence[Path], *, template: str | None = None, template_file: str | Path | None = None
) -> list[Path]:
    """``paths`` sorted by kind (cells, anpr, subscribers, cdr), stable within a kind."""
    if len(paths) < 2:
        return list(paths)  # nothing to order: do not read the file twice

    def rank(item: tuple[int, Path]) -> tuple[int, int]:
        index, path = item
        return KIND_ORDER.get(sniff_kind(path, template=template, template_file=template_file), 3), index

    return [p for _, p in sorted(enumerate(paths), key=rank)]


def get_report(store: GraphStore, case_id: str, sha256: str) -> dict[str, Any]:
    """The reconciliation report stored with a file of a case."""
    found = _source_file(store, case_id, sha256)
    if found is None:
        raise NotFound(f"no file {sha256} in case {case_id}", case_id=case_id)
    return dict(json.loads(found.get("report") or "{}"))


def list_sources(store: GraphStore, case_id: str) -> list[dict[str, Any]]:
    """The case's source files (``SourceFile`` properties, report left out), in import order."""
    rows = store.read(cypher.load("ingest/source_files_list"), case_id=case_id)
    return [{k: v for k, v in r["source_file"].items() if k != "report"} for r in rows]


def recover_case(store: GraphStore, case_id: str) -> list[str]:
    """Roll back every partial load in the case whose import is no longer running.

    Returns the SHA-256 of each file rolled back. A load whose process still runs on this
    machine (and has written a heartbeat recently) is left alone.
    """
    loading = [row["source_file"] for row in store.read(cypher.load("ingest/source_files_loading"), case_id=case_id)]
    return _recover(store, case_id, loading)


def _recover(store: GraphStore, case_id: str, loading: Iterable[dict[str, Any]]) -> list[str]:
    rolled = []
    for source_file in loading:
        if _loader_alive(source_file):
            continue
        rollback_file(store, case_id, source_file["sha256"])
        rolled.append(source_file["sha256"])
    return rolled


def rollback_file(store: GraphStore, case_id: str, sha256: str) -> None:
    """Remove every trace of one file's load from a case (used for partial loads only).

    Its ``"<sha256>:<row>"`` sources are removed from every event and attribution, those left
    with none are deleted, then the nodes it created that nothing refers to, then its
    ``SourceFile``. Pairing edges are written only when a file completes, so a partial load
    has none to undo.
    """
    _auto_commit(store, "ingest/rollback_sources", case_id=case_id, prefix=f"{sha256}:")
    _auto_commit(store, "ingest/rollback_nodes", case_id=case_id, sha256=sha256)
    store.write(cypher.load("ingest/rollback_source_file"), case_id=case_id, sha256=sha256)


def event_counts(store: GraphStore, case_id: str) -> dict[str, int]:
    """How many events and nodes a case holds (CALLED, SEEN_AT, READ_AT, numbers, cells, files)."""
    return dict(store.read(cypher.load("ingest/event_counts"), case_id=case_id)[0])


# ============================================================================ reading files
@dataclass
class FileSource:
    """A file opened through the ingest reader: its kind, chunks and (after them) its report."""

    kind: str
    file_name: str
    template_id: str | None
    template_version: str | None
    total_rows: int | None
    _chunks: Callable[[], Iterator[pd.DataFrame]]
    _report: Callable[[], Any]
    report_object: Any = None
    #: data-session event_id -> (end_utc, duration_s) to apply after the last chunk
    _session_updates: Callable[[], dict[str, Any]] = field(default=dict)

    def session_updates(self) -> dict[str, Any]:
        return dict(self._session_updates() or {})

    def chunks(self) -> Iterator[pd.DataFrame]:
        return self._chunks()

    def final_report(self) -> dict[str, Any]:
        """The reader's reconciliation report as a plain dict (after every chunk was read)."""
        self.report_object = self._report()
        return report_dict(self.report_object)


def report_dict(report: Any) -> dict[str, Any]:
    if isinstance(report, dict):
        return json.loads(json.dumps(report, default=str))
    return json.loads(json.dumps(report.as_dict(), default=str))


def open_source(
    path: Path,
    *,
    template: str | None = None,
    template_file: str | Path | None = None,
    settings: Settings | None = None,
) -> FileSource:
    """Open a file through :func:`ingest.read_chunks` (or :func:`ingest.read` if there is none).

    Reader failures that are not already :class:`CsasError` become :class:`IngestError` naming
    the file, so a garbage file never surfaces as a traceback.
    """
    import ingest

    settings = settings or get_settings()
    kwargs: dict[str, Any] = {"template": template, "template_file": template_file}
    try:
        if hasattr(ingest, "read_chunks"):
            stream = _call_read_chunks(ingest.read_chunks, path, kwargs, settings.ingest_chunk_rows)
            return _source_from_stream(path, stream)
        if hasattr(ingest, "read"):
            result = ingest.read(path, **kwargs)
            return _source_from_result(path, result, settings.ingest_chunk_rows)
    except CsasError:
        raise
    except Exception as err:  # noqa: BLE001 - any reader failure is this file's problem
        raise IngestError(f"{path.name}: cannot be read: {err}", file=str(path)) from err
    raise IngestError(f"{path.name}: no ingest reader is installed", file=str(path))


def sniff_kind(path: Path, *, template: str | None = None, template_file: str | Path | None = None) -> str:
    """The kind of file (cdr, cells, anpr, subscribers) as the reader's detection sees it."""
    try:
        return open_source(Path(path), template=template, template_file=template_file).kind
    except CsasError:
        return "cdr"


def _call_read_chunks(read_chunks: Callable[..., Any], path: Path, kwargs: dict[str, Any], chunk_rows: int) -> Any:
    try:
        return read_chunks(path, chunk_rows=chunk_rows, **kwargs)
    except TypeError as err:
        if "chunk_rows" not in str(err):
            raise
        return read_chunks(path, **kwargs)


def _source_from_stream(path: Path, stream: Any) -> FileSource:
    def chunks() -> Iterator[pd.DataFrame]:
        try:
            iterable = stream.chunks() if callable(getattr(stream, "chunks", None)) else stream
            for chunk in iterable:
                frame = getattr(chunk, "frame", chunk)
                yield frame
        except CsasError:
            raise
        except Exception as err:  # noqa: BLE001
            raise IngestError(f"{path.name}: cannot be read: {err}", file=str(path)) from err

    def report() -> Any:
        rep = getattr(stream, "report", None)
        return rep() if callable(rep) else rep

    return FileSource(
        kind=str(stream.kind),
        file_name=path.name,
        template_id=getattr(stream, "template_id", None),
        template_version=_str_or_none(getattr(stream, "template_version", None)),
        total_rows=getattr(stream, "total_rows", None),
        _chunks=chunks,
        _report=report,
        _session_updates=lambda: getattr(stream, "session_updates", None) or {},
    )


def _source_from_result(path: Path, result: Any, chunk_rows: int) -> FileSource:
    frame: pd.DataFrame = result.frame

    def chunks() -> Iterator[pd.DataFrame]:
        for start in range(0, len(frame), chunk_rows):
            yield frame.iloc[start : start + chunk_rows]

    return FileSource(
        kind=str(result.kind),
        file_name=path.name,
        template_id=getattr(result, "template_id", None),
        template_version=_str_or_none(getattr(result, "template_version", None)),
        total_rows=len(frame),
        _chunks=chunks,
        _report=lambda: result.report,
    )


def source_from_frames(
    kind: str,
    file_name: str,
    frames: Sequence[pd.DataFrame],
    report: Any,
    *,
    template_id: str | None = "test",
    template_version: str | None = "1",
) -> FileSource:
    """A :class:`FileSource` over ready-made frames (for tests and the benchmark's peer)."""
    return FileSource(
        kind=kind,
        file_name=file_name,
        template_id=template_id,
        template_version=template_version,
        total_rows=sum(len(f) for f in frames),
        _chunks=lambda: iter(frames),
        _report=lambda: report,
    )


def release_free_memory() -> None:
    """Give the C heap's free pages back to the system between chunks (glibc only; else nothing).

    Why: a chunk's pandas and numpy buffers are freed after it is written, but glibc keeps freed
    heap memory for reuse, so a long file's resident size crept up chunk after chunk (a 817k-row
    GPRS file by ~50 MB more without this). ``malloc_trim`` costs well under a millisecond.
    """
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _glibc() -> Any:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_LIBC = _glibc()


def prefetched(chunks: Iterator[pd.DataFrame], depth: int = 1) -> Iterator[pd.DataFrame]:
    """Read the next chunk in a thread while the current one is written.

    Parsing is CPU work in this process and writing mostly waits on the server, so the two
    overlap; at most ``depth`` chunks wait in memory, which keeps memory flat. A reader error
    is re-raised in the caller at the point the failing chunk would have arrived.
    """
    import queue
    import threading

    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        q.put(("chunk", chunk), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(("end", None))
        except BaseException as err:  # noqa: BLE001 - handed to the consumer
            q.put(("error", err))

    thread = threading.Thread(target=produce, name="csas-import-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join(timeout=5)


# ================================================================================= loaders
@dataclass
class _Pairing:
    first: datetime
    last: datetime
    events: int = 0

    def see(self, t: datetime) -> None:
        self.first = min(self.first, t)
        self.last = max(self.last, t)
        self.events += 1


class _Loader:
    """Writes one file's chunks; collects what the final report and transaction need."""

    kind = ""

    def __init__(self, store: GraphStore, case_id: str, sha256: str, settings: Settings) -> None:
        self.store = store
        self.case_id = case_id
        self.sha256 = sha256
        self.batch_size = settings.ingest_batch_size
        #: row number -> reason for loaded rows that turned out to be in the case already
        self.reclassified: dict[int, str] = {}
        #: flag code -> rows, flags found at load time (unresolved cells)
        self.extra_flags: dict[str, int] = {}
        self.pairings: dict[str, dict[tuple[str, str], _Pairing]] = {
            "used_sim": {},
            "in_handset": {},
            "used_handset": {},
        }
        self._known: dict[str, set[str]] = {}

    # ----------------------------------------------------------------------------- helpers
    def source(self, row: int) -> str:
        return f"{self.sha256}:{row}"

    def new_keys(self, label: str, keys: Iterable[str]) -> list[str]:
        """Keys not yet MERGEd by this import (each node is MERGEd once per file)."""
        known = self._known.setdefault(label, set())
        fresh = [k for k in dict.fromkeys(keys) if k not in known]
        known.update(fresh)
        return fresh

    def batches(self, rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        for start in range(0, len(rows), self.batch_size):
            yield rows[start : start + self.batch_size]

    def load(self, frame: pd.DataFrame) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def flush(self) -> None:
        """Wait until every write this loader started has landed (loaders that write in a thread)."""

    def abort(self) -> None:
        """Stop writing before a rollback (loaders that write in a thread)."""

    def update_sessions(self, updates: dict[str, Any]) -> None:
        """Apply the reader's late session ends (GPRS partials that came in a later chunk)."""
        self.flush()
        rows = [
            {"event_id": event_id, "end": _utc(end), "duration_s": _num(duration)}
            for event_id, (end, duration) in updates.items()
        ]
        for batch in self.batches(rows):
            self.store.write(cypher.load("ingest/update_sessions"), case_id=self.case_id, rows=batch)

    def finalise_params(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for name, pairs in self.pairings.items():
            out[name] = [
                {"a": a, "b": b, "first": p.first, "last": p.last, "events": p.events} for (a, b), p in pairs.items()
            ]
        return out

    def finish_report(self, report: dict[str, Any]) -> dict[str, Any]:
        """The reader's report with load-time reclassifications and flags applied."""
        return apply_load_findings(report, self.reclassified, self.extra_flags)


class _CdrLoader(_Loader):
    kind = "cdr"

    def __init__(self, store: GraphStore, case_id: str, sha256: str, settings: Settings) -> None:
        super().__init__(store, case_id, sha256, settings)
        #: set by import_file from the file-state read; read here only when used on its own
        self._cells: CellResolver | None = None
        self._unresolved: dict[str, dict[str, Any]] = {}
        self._writer: BatchWriter | None = None
        #: CREATE sightings without reading first until one turns out to exist already
        self.optimistic = True

    def load(self, frame: pd.DataFrame) -> None:
        """Build and submit the chunk one batch of rows at a time, so the server starts on the first
        batch while the rest is built; the merged (duplicate) calls of the whole chunk go last, after
        every new call of the chunk, as before a duplicate's upsert its original must exist."""
        accepted = _accepted(frame)
        seen_ids: set[str] = set()
        merged: list[dict[str, Any]] = []
        merged_rows: dict[int, dict[str, Any]] = {}
        for start in range(0, len(accepted), self.batch_size):
            records = frame_records(accepted.iloc[start : start + self.batch_size])
            slice_merged, rows = self.build(records, seen_ids)
            merged.extend(slice_merged)
            merged_rows.update((c["row"], rows[c["row"]]) for c in slice_merged)
        if merged:
            part: dict[str, list[dict[str, Any]]] = {"calls": [], "merged": merged, "sightings": []}
            self.writer.submit(functools.partial(self.write_part, None, part, merged_rows))

    def build(
        self, records: list[dict[str, Any]], seen_ids: set[str]
    ) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
        """Build one batch's nodes, new calls and sightings and submit them; returns its merged calls."""
        calls: list[dict[str, Any]] = []
        sightings: list[dict[str, Any]] = []
        numbers: dict[str, dict[str, Any]] = {}
        handsets: dict[str, dict[str, Any]] = {}
        sims: dict[str, dict[str, Any]] = {}
        cells: dict[str, dict[str, Any]] = {}
        merged_calls: list[dict[str, Any]] = []
        rows_by_number: dict[int, dict[str, Any]] = {}
        for rec in records:
            row = int(rec["row"])
            rows_by_number[row] = rec
            flags = list(rec.get("flags") or [])
            _add_number(numbers, rec.get("a_key"), rec.get("a_kind"), rec.get("a_raw"))
            _add_number(numbers, rec.get("b_key"), rec.get("b_kind"), rec.get("b_raw"))
            party = cdr_party(rec)
            start = _utc(rec.get("start_utc"))
            end = _utc(rec.get("end_utc")) or start
            imei = _device_id(rec.get("imei"), flags)
            imsi = _device_id(rec.get("imsi"), flags)
            if imei:
                handsets.setdefault(imei, {"key": imei, "props": handset_props(imei, flags)})
            if imsi:
                sims.setdefault(imsi, {"key": imsi, "props": {"mcc": imsi[:3]}})
            cell_keys: dict[str, str | None] = {}
            unresolved = False
            for role, t in (("first", start), ("last", end)):
                key, props = self.resolve_cell(rec, role, t)
                cell_keys[role] = key
                if key is not None and props is not None:
                    cells.setdefault(key, {"key": key, "props": props})
                    # a foreign network's cell is flagged roaming, not missing from a UK cell list
                    unresolved = unresolved or (props.get("kind") == "cell" and not props.get("roaming"))
            if unresolved:
                flags.append("unresolved_cell")
                self.extra_flags["unresolved_cell"] = self.extra_flags.get("unresolved_cell", 0) + 1
            rec["_flags"] = flags
            source = self.source(row)
            event_type = rec.get("event_type") or "other"
            is_call = rec.get("b_key") is not None and event_type != "data"
            if is_call:
                call = {
                    "row": row,
                    "event_id": rec["event_id"],
                    "a_key": rec["a_key"],
                    "b_key": rec["b_key"],
                    "source": source,
                    "props": _drop_none(
                        {
                            "case_id": self.case_id,
                            "event_id": rec["event_id"],
                            "type": event_type,
                            "start": start,
                            "end": end,
                            "duration_s": _num(rec.get("duration_s")),
                            "direction": rec.get("direction"),
                            "first_cell": cell_keys["first"],
                            "last_cell": cell_keys["last"],
                            "imei": imei,
                            "imsi": imsi,
                            "target": party,
                            "start_raw": _str_or_none(rec.get("start_raw")),
                            "tz_source": rec.get("tz_source"),
                            "time_basis": rec.get("time_basis"),
                            "charging_id": _str_or_none(rec.get("charging_id")),
                            "flags": flags,
                            "sources": [source],
                            "src_sha256": self.sha256,
                            "src_row": row,
                        }
                    ),
                }
                if rec["outcome"] == "loaded" and rec["event_id"] not in seen_ids:
                    seen_ids.add(rec["event_id"])
                    calls.append(call)
                else:
                    merged_calls.append(call)
            for role, t in (("first", start), ("last", end)):
                key = cell_keys[role]
                if key is None or party is None or t is None:
                    continue
                if role == "last" and key == cell_keys["first"] and t == start:
                    continue  # one sighting when the call neither moved nor took time
                sightings.append(
                    {
                        "row": row,
                        "event_id": rec["event_id"],
                        "role": role,
                        "party": party,
                        "cell": key,
                        "source": source,
                        "props": _drop_none(
                            {
                                "case_id": self.case_id,
                                "event_id": rec["event_id"],
                                "role": role,
                                "party": party,
                                "t": t,
                                "end": end,
                                "duration_s": _num(rec.get("duration_s")),
                                "type": event_type,
                                "imei": imei,
                                "time_basis": rec.get("time_basis") or "at_or_before",
                                "flags": flags,
                                "sources": [source],
                                "src_sha256": self.sha256,
                                "src_row": row,
                            }
                        ),
                    }
                )
        node_params = {
            "numbers": [numbers[k] for k in self.new_keys("Number", numbers)],
            "handsets": [handsets[k] for k in self.new_keys("Handset", handsets)],
            "sims": [sims[k] for k in self.new_keys("SIM", sims)],
            "cells": [cells[k] for k in self.new_keys("Cell", cells)],
        }
        for job in self.batch_jobs(node_params, calls, [], sightings, rows_by_number):
            self.writer.submit(job)
        return merged_calls, rows_by_number

    def resolve_cell(
        self, rec: dict[str, Any], role: str, t: datetime | None
    ) -> tuple[str | None, dict[str, Any] | None]:
        """The Cell key of a row's first/last cell, and props when it must be MERGEd here."""
        cgi = _str_or_none(rec.get(f"{role}_cgi"))
        if cgi is None:
            if rec.get("event_type") == "data" and role == "first" and rec.get("last_cgi") is None:
                return UNKNOWN_CELL, {"cgi": None, "kind": "unknown", "resolved": False}
            return None, None
        if (rec.get(f"{role}_cell_kind") or "cell") == "wifi":
            return cgi, {"cgi": cgi, "kind": "wifi", "resolved": False, "raw": rec.get(f"{role}_cell_raw")}
        key = self.cells.resolve(cgi, t)
        if key is not None:
            return key, None
        known = self._unresolved.get(cgi)
        if known is not None:
            return cgi, known  # the first row that named an unlisted cell describes it
        props: dict[str, Any] = {
            "cgi": cgi,
            "kind": "cell",
            "resolved": False,
            "roaming": is_roaming(cgi),
            "raw": _str_or_none(rec.get(f"{role}_cell_raw")),
        }
        lat, lon = _num(rec.get(f"{role}_lat")), _num(rec.get(f"{role}_lon"))
        if lat is not None and lon is not None:
            props["location"] = WGS84Point((lon, lat))
            props["location_source"] = "cdr"
        azimuth = _num(rec.get(f"{role}_azimuth"))
        if azimuth is not None:
            props["azimuth"] = azimuth
            props["azimuth_source"] = "cdr"
        self._unresolved[cgi] = _drop_none(props)
        return cgi, self._unresolved[cgi]

    @property
    def cells(self) -> CellResolver:
        if self._cells is None:
            self._cells = CellResolver.from_store(self.store, self.case_id)
        return self._cells

    @cells.setter
    def cells(self, resolver: CellResolver) -> None:
        self._cells = resolver

    @property
    def writer(self) -> BatchWriter:
        if self._writer is None:
            self._writer = BatchWriter(self.store)
        return self._writer

    def flush(self) -> None:
        """Wait until every submitted batch is written (re-raising a batch's error)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def abort(self) -> None:
        """Stop writing: drop queued batches and wait for the one in flight (before a rollback)."""
        if self._writer is not None:
            self._writer.abort()
            self._writer = None

    def batch_jobs(
        self,
        nodes: dict[str, list[dict[str, Any]]],
        calls: list[dict[str, Any]],
        merged: list[dict[str, Any]],
        sightings: list[dict[str, Any]],
        rows: dict[int, dict[str, Any]],
    ) -> Iterator[Callable[[], None]]:
        """One write job per ``batch_size`` source rows: its new nodes, calls and sightings in one transaction.

        Jobs run in order in the writer thread; each finishes by recording what the server found
        (reclassified rows, pairings), so ``rows`` of a chunk live only until its jobs ran.
        """
        size = self.batch_size
        order = sorted(rows)
        bounds = [order[i] for i in range(0, len(order), size)][1:]
        parts: list[dict[str, list[dict[str, Any]]]] = [
            {"calls": [], "merged": [], "sightings": []} for _ in range(len(bounds) + 1)
        ]
        for name, items in (("calls", calls), ("sightings", sightings)):
            for item in items:
                parts[bisect.bisect_right(bounds, item["row"])][name].append(item)
        parts[-1]["merged"] = merged  # after every new call of the chunk, as a duplicate may come first
        longest = max((len(v) for v in nodes.values()), default=0)
        for start in range(size, longest, size):  # a huge first chunk never makes one huge transaction
            extra = {k: v[start : start + size] for k, v in nodes.items()}
            yield functools.partial(self.write_nodes, extra)
        first_nodes = {k: v[:size] for k, v in nodes.items()}
        for i, part in enumerate(parts):
            if not any(part.values()) and i > 0:
                continue
            job_rows = {r: rows[r] for name in part for r in (x["row"] for x in part[name])}
            yield functools.partial(self.write_part, first_nodes if i == 0 else None, part, job_rows)

    def write_nodes(self, nodes: dict[str, list[dict[str, Any]]]) -> None:
        self.writer.run([self.merge_nodes_statement(nodes)])

    def merge_nodes_statement(self, nodes: dict[str, list[dict[str, Any]]]) -> Statement:
        return Statement(cypher.load("ingest/merge_nodes"), {"case_id": self.case_id, "sha256": self.sha256, **nodes})

    def write_part(
        self,
        nodes: dict[str, list[dict[str, Any]]] | None,
        part: dict[str, list[dict[str, Any]]],
        rows: dict[int, dict[str, Any]],
    ) -> None:
        """Write one batch in one transaction, then record what it found (runs in the writer thread).

        Calls are checked against the case first (mirrored and overlapping deliveries are common);
        sightings are CREATEd without a read unless this file already met one that exists
        (overlap deliveries): a sighting in the case makes the constraint refuse the whole
        transaction, which then runs again with the read.
        """
        wired_calls = wire_times(part["calls"])
        wired_merged = [wire_times(w) for w in waves(part["merged"], lambda c: c["event_id"])]
        sighting_waves = [wire_times(w) for w in waves(part["sightings"], _sighting_key)]
        call_props = {c["row"]: c["props"] for c in part["calls"]}

        def work(tx: Any) -> tuple[list[dict[str, Any]], set[tuple[int, str]]]:
            if nodes and any(nodes.values()):
                _run(tx, self.merge_nodes_statement(nodes))
            call_hits = self.create_new(tx, "calls", wired_calls, ("row", "event_id"), lambda r: r["row"])
            for wave in wired_merged:
                _run(tx, Statement(cypher.load("ingest/upsert_calls"), {"case_id": self.case_id, "rows": wave}))
            # an overlap (same party's record again) has its sightings in the case already
            again_rows = {
                h["row"]
                for h in call_hits
                if not is_mirror(call_props[h["row"]], h.get("existing_target"), h.get("existing_direction"))
            }
            sighting_hits: set[tuple[int, str]] = set()
            for n, wave in enumerate(sighting_waves):
                check = n > 0 or not self.optimistic
                if not check and again_rows:
                    known = [s for s in wave if s["row"] in again_rows]
                    wave = [s for s in wave if s["row"] not in again_rows]
                    if known:
                        found = self.create_new(tx, "sightings", known, ("row", "event_id", "role", "party"), _row_role)
                        sighting_hits |= {(h["row"], h["role"]) for h in found}
                found = self.create_new(
                    tx, "sightings", wave, ("row", "event_id", "role", "party"), _row_role, check=check
                )
                sighting_hits |= {(h["row"], h["role"]) for h in found}
            return call_hits, sighting_hits

        try:
            call_hits, sighting_hits = self.writer.transact(work)
        except ConstraintError:
            if not self.optimistic:
                raise
            self.optimistic = False  # this file meets events already in the case: read before creating
            call_hits, sighting_hits = self.writer.transact(work)
        self.record_found(part, rows, call_hits, sighting_hits)

    def create_new(
        self,
        tx: Any,
        what: str,
        batch: list[dict[str, Any]],
        slim_keys: tuple[str, ...],
        key: Callable[[dict[str, Any]], Any],
        *,
        check: bool = True,
    ) -> list[dict[str, Any]]:
        """Create the batch's events that are not in the case yet; append sources to those that are.

        With ``check``, a read of the existing ones first, then a plain ``CREATE`` with a literal
        property map: the planner needs no ``Eager`` for it (about 1.3x faster than one upsert
        query). Without it, the ``CREATE`` alone: the (case_id, event_id, ...) constraint refuses
        the transaction should any exist. Returns the rows found already in the case.
        """
        if not batch:
            return []
        found: list[dict[str, Any]] = []
        if check:
            slim = [{k: r[k] for k in slim_keys} for r in batch]
            found = _run(tx, Statement(cypher.load(f"ingest/existing_{what}"), {"case_id": self.case_id, "rows": slim}))
        seen = {key(h) for h in found}
        fresh = [r for r in batch if key(r) not in seen] if seen else batch
        if fresh:
            listed = [_ROW_LISTS[what](r) for r in fresh]
            _run(tx, Statement(cypher.load(f"ingest/create_{what}"), {"case_id": self.case_id, "rows": listed}))
        if seen:
            again = [r for r in batch if key(r) in seen]
            _run(tx, Statement(cypher.load(f"ingest/upsert_{what}"), {"case_id": self.case_id, "rows": again}))
        return found

    def record_found(
        self,
        part: dict[str, list[dict[str, Any]]],
        rows: dict[int, dict[str, Any]],
        call_hits: list[dict[str, Any]],
        sighting_hits: set[tuple[int, str]],
    ) -> None:
        """Reclassify rows found in the case, and count the pairings of rows that brought something new."""
        new_rows: set[int] = set()
        hits = {h["row"]: h for h in call_hits}
        for call in part["calls"]:
            hit = hits.get(call["row"])
            if hit is None:
                new_rows.add(call["row"])
                continue
            mirrored = is_mirror(call["props"], hit.get("existing_target"), hit.get("existing_direction"))
            self.reclassified[call["row"]] = "mirrored_duplicate" if mirrored else "overlap_duplicate"
            if mirrored:
                new_rows.add(call["row"])
        for call in part["merged"]:
            if rows[call["row"]].get("reason") == "mirrored_duplicate":
                new_rows.add(call["row"])
        for s in part["sightings"]:
            rec = rows[s["row"]]
            if rec.get("b_key") is not None and rec.get("event_type") != "data":
                continue  # calls are reclassified by their CALLED edge
            if (s["row"], s["role"]) not in sighting_hits:
                new_rows.add(s["row"])
            elif rec["outcome"] == "loaded" and s["role"] == "first":
                self.reclassified[s["row"]] = "overlap_duplicate"
        for row in sorted(new_rows):
            self.see_pairing(rows[row])

    def see_pairing(self, rec: dict[str, Any]) -> None:
        flags = rec.get("_flags") or []
        t = _utc(rec.get("start_utc"))
        party = cdr_party(rec)
        if t is None or party is None:
            return
        imei, imsi = _device_id(rec.get("imei"), flags), _device_id(rec.get("imsi"), flags)
        for name, a, b in (("used_sim", party, imsi), ("in_handset", imsi, imei), ("used_handset", party, imei)):
            if a and b:
                found = self.pairings[name].get((a, b))
                if found is None:
                    self.pairings[name][(a, b)] = _Pairing(t, t, 1)
                else:
                    found.see(t)


class _CellsLoader(_Loader):
    kind = "cells"

    def load(self, frame: pd.DataFrame) -> None:
        rows = []
        for rec in frame_records(_accepted(frame)):
            cgi = _str_or_none(rec.get("cgi"))
            if cgi is None:
                continue
            valid_from, valid_to = _validity(rec.get("valid_from")), _validity(rec.get("valid_to"))
            lat, lon = _num(rec.get("lat")), _num(rec.get("lon"))
            props = {
                "cgi": cgi,
                "kind": "cell",
                "resolved": True,
                "location": WGS84Point((lon, lat)) if lat is not None and lon is not None else None,
                "easting": _num(rec.get("easting")),
                "northing": _num(rec.get("northing")),
                "crs_source": rec.get("crs_source"),
                "transform": rec.get("transform"),
                "azimuth": _num(rec.get("azimuth")),
                "beamwidth": _num(rec.get("beamwidth")),
                "technology": rec.get("technology"),
                "site_name": rec.get("site_name"),
                "address": rec.get("address"),
                "postcode": rec.get("postcode"),
                "valid_from": valid_from,
                "valid_to": valid_to,
                "location_source": rec.get("location_source") or "cell_list",
                "roaming": is_roaming(cgi),
                "sources": [self.source(int(rec["row"]))],
            }
            rows.append({"key": cell_config_key(cgi, valid_from), "props": _drop_none(props)})
        for batch in self.batches(rows):
            self.store.write(
                cypher.load("ingest/merge_cell_configs"), case_id=self.case_id, sha256=self.sha256, rows=batch
            )


class _AnprLoader(_Loader):
    kind = "anpr"

    def load(self, frame: pd.DataFrame) -> None:
        vehicles: dict[str, dict[str, Any]] = {}
        cameras: dict[str, dict[str, Any]] = {}
        reads: list[dict[str, Any]] = []
        merged: list[dict[str, Any]] = []
        seen: set[str] = set()
        for rec in frame_records(_accepted(frame)):
            row, vrm, camera = int(rec["row"]), _str_or_none(rec.get("vrm")), _str_or_none(rec.get("camera_id"))
            if camera is None:
                continue
            lat, lon = _num(rec.get("camera_lat")), _num(rec.get("camera_lon"))
            is_camera_list = rec.get("record_type") == "camera" or vrm is None
            cameras.setdefault(
                camera,
                {
                    "key": camera,
                    "props": _drop_none(
                        {
                            "name": _str_or_none(rec.get("camera_name")),
                            "location": WGS84Point((lon, lat)) if lat is not None and lon is not None else None,
                            "direction": _str_or_none(rec.get("direction")) if is_camera_list else None,
                            "src_row": row,
                        }
                    ),
                },
            )
            if is_camera_list or vrm is None:
                continue  # a camera list row: the Camera node is its load
            vehicles.setdefault(vrm, {"key": vrm})
            source = self.source(row)
            read = {
                "row": row,
                "event_id": rec["event_id"],
                "vrm": vrm,
                "camera_id": camera,
                "source": source,
                "props": _drop_none(
                    {
                        "case_id": self.case_id,
                        "event_id": rec["event_id"],
                        "t": _utc(rec.get("t_utc")),
                        "t_raw": _str_or_none(rec.get("t_raw")),
                        "direction": rec.get("direction"),
                        "confidence": _num(rec.get("confidence")),
                        "flags": list(rec.get("flags") or []),
                        "sources": [source],
                        "src_sha256": self.sha256,
                        "src_row": row,
                    }
                ),
            }
            if rec["outcome"] == "loaded" and rec["event_id"] not in seen:
                seen.add(rec["event_id"])
                reads.append(read)
            else:
                merged.append(read)
        self.store.write(
            cypher.load("ingest/merge_anpr_nodes"),
            case_id=self.case_id,
            sha256=self.sha256,
            vehicles=[vehicles[k] for k in self.new_keys("Vehicle", vehicles)],
            cameras=[cameras[k] for k in self.new_keys("Camera", cameras)],
        )
        query = cypher.load("ingest/upsert_reads")
        for batch in self.batches(reads):
            for hit in self.store.write(query, case_id=self.case_id, rows=wire_times(batch)):
                self.reclassified[hit["row"]] = "overlap_duplicate"
        for wave in waves(merged, lambda r: r["event_id"]):
            for batch in self.batches(wave):
                self.store.write(query, case_id=self.case_id, rows=wire_times(batch))


class _SubscribersLoader(_Loader):
    kind = "subscribers"

    def load(self, frame: pd.DataFrame) -> None:
        rows = []
        loaded: dict[int, bool] = {}
        for rec in frame_records(_accepted(frame)):
            loaded[int(rec["row"])] = rec.get("outcome") == "loaded"
            number, name = _str_or_none(rec.get("number_key")), _str_or_none(rec.get("name"))
            if number is None or name is None:
                continue
            address = _str_or_none(rec.get("address"))
            rows.append(
                {
                    "row": int(rec["row"]),
                    "number_key": number,
                    "number_props": {"kind": _number_kind(number)},
                    "person_key": person_key(name, address),
                    "person_props": _drop_none({"name": name, "address": address}),
                    "source": self.source(int(rec["row"])),
                }
            )
        query = cypher.load("ingest/upsert_attributions")
        batches = [b for wave in waves(rows, lambda r: (r["number_key"], r["person_key"])) for b in self.batches(wave)]
        for batch in batches:
            for hit in self.store.write(query, case_id=self.case_id, sha256=self.sha256, rows=batch):
                if loaded.get(int(hit["row"])):
                    self.reclassified[int(hit["row"])] = "overlap_duplicate"


_LOADERS: dict[str, type[_Loader]] = {
    "cdr": _CdrLoader,
    "cells": _CellsLoader,
    "anpr": _AnprLoader,
    "subscribers": _SubscribersLoader,
}


def is_mirror(props: dict[str, Any], existing_target: str | None, existing_direction: str | None) -> bool:
    """Whether a row repeats an event from the other party's records (rather than the same record).

    The other party's record has the other party as its target; failing targets, it records
    the opposite direction.
    """
    target = props.get("target")
    if existing_target is not None and target is not None:
        return bool(existing_target != target)
    direction = props.get("direction")
    return existing_direction is not None and direction is not None and existing_direction != direction


def _sighting_key(s: dict[str, Any]) -> tuple[str, str, str]:
    return s["event_id"], s["role"], s["party"]


def _row_role(s: dict[str, Any]) -> tuple[int, str]:
    return s["row"], s["role"]


#: the order of a call's properties in a ``create_calls`` row, after event_id, a_key, b_key
CALL_FIELDS = (
    "type",
    "start",
    "end",
    "duration_s",
    "direction",
    "target",
    "first_cell",
    "last_cell",
    "imei",
    "imsi",
    "start_raw",
    "tz_source",
    "time_basis",
    "charging_id",
    "flags",
    "sources",
    "src_sha256",
    "src_row",
)
#: the order of a sighting's properties in a ``create_sightings`` row, after event_id, role, party, cell
SIGHTING_FIELDS = ("t", "end", "duration_s", "type", "imei", "time_basis", "flags", "sources", "src_sha256", "src_row")


def call_row(c: dict[str, Any]) -> list[Any]:
    """A (wired) call as the list ``create_calls`` unwinds: fewer bytes than a map, no keys to unpack."""
    props = c["props"]
    return [c["event_id"], c["a_key"], c["b_key"], *[props.get(k) for k in CALL_FIELDS]]


def sighting_row(s: dict[str, Any]) -> list[Any]:
    """A (wired) sighting as the list ``create_sightings`` unwinds."""
    props = s["props"]
    return [s["event_id"], s["role"], s["party"], s["cell"], *[props.get(k) for k in SIGHTING_FIELDS]]


_ROW_LISTS: dict[str, Callable[[dict[str, Any]], list[Any]]] = {"calls": call_row, "sightings": sighting_row}


@dataclass
class Statement:
    """One query of a transaction and its parameters (checked against the query's header)."""

    query: cypher.CypherQuery
    params: dict[str, Any]

    def __post_init__(self) -> None:
        if frozenset(self.params) != self.query.params:
            from csas_graph.errors import ProgrammingError

            raise ProgrammingError(
                f"cypher/{self.query.name}.cypher declares {sorted(self.query.params)}"
                f" but was given {sorted(self.params)}"
            )


def _run(tx: Any, statement: Statement) -> list[dict[str, Any]]:
    return [record.data() for record in tx.run(statement.query.text, statement.params)]


class BatchWriter:
    """Runs a file's write jobs one after another in a thread, in the order submitted.

    Preparing a batch is Python work in this process and writing it is mostly the server's, so
    the next batch is prepared while the previous one is written (on two cores: one each). At
    most ``depth`` jobs wait, which keeps memory flat. The first error stops the writing: later
    jobs are dropped and the error is raised by the next :meth:`submit` or by :meth:`close`.
    """

    def __init__(self, store: GraphStore, depth: int = 2) -> None:
        import queue
        import threading

        self.store = store
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._dropping = False
        self._thread = threading.Thread(target=self._work, name="csas-import-writer", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            if self._error is not None or self._dropping:
                continue
            try:
                job()
            except BaseException as err:  # noqa: BLE001 - handed to the submitting thread
                self._error = err

    def submit(self, job: Callable[[], None]) -> None:
        if self._error is not None:
            raise self._error
        self._jobs.put(job)

    def close(self) -> None:
        """Wait for every job; re-raise the first error."""
        self._jobs.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        """Drop the waiting jobs and wait for the running one (its transaction commits or not)."""
        self._dropping = True
        self._jobs.put(None)
        self._thread.join()

    def transact(self, work: Callable[[Any], Any]) -> Any:
        """``work(tx)`` in one managed write transaction (retried by the driver on transient errors)."""
        store = self.store
        with store.session() as session:
            return store._guard(lambda: session.execute_write(work))

    def run(self, statements: Sequence[Statement]) -> list[list[dict[str, Any]]]:
        """Several statements in one transaction."""
        return list(self.transact(lambda tx: [_run(tx, st) for st in statements]))


def _loader_for(kind: str, store: GraphStore, case_id: str, sha256: str, settings: Settings) -> _Loader:
    try:
        cls = _LOADERS[kind]
    except KeyError:
        raise IngestError(f"unknown kind of file {kind!r}") from None
    return cls(store, case_id, sha256, settings)


# ============================================================================= cell lookup
class CellResolver:
    """Resolves a CGI at a time to the cell-list configuration valid then (``[from, to)``, by date)."""

    def __init__(self, configs: Iterable[tuple[str, str, Any, Any]]) -> None:
        self.by_cgi: dict[str, list[tuple[date | None, date | None, str]]] = {}
        for cgi, key, valid_from, valid_to in configs:
            self.by_cgi.setdefault(cgi, []).append((_as_date(valid_from), _as_date(valid_to), key))
        for spans in self.by_cgi.values():
            spans.sort(key=lambda s: s[0] or date.min)
        self._cache: dict[tuple[str, date], str | None] = {}

    @classmethod
    def from_store(cls, store: GraphStore, case_id: str) -> CellResolver:
        rows = store.read(cypher.load("ingest/cell_configs"), case_id=case_id)
        return cls((r["cgi"], r["key"], r["valid_from"], r["valid_to"]) for r in rows if r["cgi"])

    def resolve(self, cgi: str, t: datetime | None) -> str | None:
        spans = self.by_cgi.get(cgi)
        if not spans:
            return None
        if t is None:
            return spans[-1][2] if len(spans) == 1 else None
        day = t.astimezone(UTC).date()
        if (cgi, day) in self._cache:
            return self._cache[(cgi, day)]
        found = None
        for valid_from, valid_to, key in spans:
            if (valid_from is None or valid_from <= day) and (valid_to is None or day < valid_to):
                found = key  # the latest configuration starting on or before the day wins
        self._cache[(cgi, day)] = found
        return found


def cell_config_key(cgi: str, valid_from: Any) -> str:
    """``<cgi>@<valid_from ISO date>``; ``<cgi>@-`` for a configuration with no start date."""
    return f"{cgi}@{valid_from.isoformat() if valid_from is not None else '-'}"


def is_roaming(cgi: str) -> bool:
    mcc = cgi.split("-", 1)[0]
    return mcc.isdigit() and mcc != ROAMING_HOME_MCC


# ========================================================================= report handling
def apply_load_findings(
    report: dict[str, Any], reclassified: dict[int, str], extra_flags: dict[str, int]
) -> dict[str, Any]:
    """Move rows found already in the case from ``loaded`` to ``merged`` and add load-time flags.

    Keeps the invariant rows_read = loaded + merged + rejected.
    """
    out = dict(report)
    reasons = dict(out.get("reasons") or {})
    flags = dict(out.get("flags") or {})
    for reason in reclassified.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    moved = len(reclassified)
    out["loaded"] = int(out.get("loaded", 0)) - moved
    out["merged"] = int(out.get("merged", 0)) + moved
    for code, n in extra_flags.items():
        flags[code] = flags.get(code, 0) + n
    out["reasons"] = reasons
    out["flags"] = flags
    if reclassified:
        listed = sorted(reclassified.items())[:REPORT_REJECTED_ROWS]
        out["reclassified_rows"] = [{"row": r, "reason": reason} for r, reason in listed]
        if len(reclassified) > len(listed):
            out["reclassified_rows_truncated"] = True
    return out


def cap_rejected_rows(report: dict[str, Any], csv_path: Path) -> dict[str, Any]:
    """Keep the first :data:`REPORT_REJECTED_ROWS` rejected rows in the stored report; all are in the CSV."""
    out = dict(report)
    rows = list(out.get("rejected_rows") or [])
    out["rejected_rows_file"] = str(csv_path)
    if len(rows) > REPORT_REJECTED_ROWS:
        out["rejected_rows"] = rows[:REPORT_REJECTED_ROWS]
        out["rejected_rows_truncated"] = True
    return out


def _finalise(
    store: GraphStore, case_id: str, copy: EvidenceCopy, source: FileSource, loader: _Loader, report: dict[str, Any]
) -> dict[str, Any]:
    props = {
        "rows_read": int(report.get("rows_read", 0)),
        "rows_loaded": int(report.get("loaded", 0)),
        "rows_merged": int(report.get("merged", 0)),
        "rows_rejected": int(report.get("rejected", 0)),
        "report": json.dumps(report, sort_keys=True, default=str),
        "template_id": report.get("template_id") or source.template_id,
        "template_version": _str_or_none(report.get("template_version") or source.template_version),
    }
    rows = store.write(
        cypher.load("ingest/finalise"),
        case_id=case_id,
        sha256=copy.sha256,
        props=_drop_none(props),
        **loader.finalise_params(),
    )
    return dict(rows[0]["source_file"])


def _begin(store: GraphStore, case_id: str, path: Path, copy: EvidenceCopy, source: FileSource, user: str) -> None:
    me = psutil.Process()
    props = {
        "file_name": path.name,
        "size": copy.size,
        "kind": source.kind,
        "template_id": source.template_id,
        "template_version": source.template_version,
        "software_version": __version__,
        "imported_by": user,
        "imported_at": datetime.now(UTC),
        "evidence_path": str(copy.path),
        "loader_host": socket.gethostname(),
        "loader_pid": os.getpid(),
        "loader_started": me.create_time(),
    }
    store.write(cypher.load("ingest/source_file_begin"), case_id=case_id, sha256=copy.sha256, props=_drop_none(props))


def _file_state(store: GraphStore, case_id: str, sha256: str) -> dict[str, Any]:
    """Loads left 'loading', this file's SourceFile (or None) and the cell configurations, in one read."""
    row = store.read(cypher.load("ingest/file_state"), case_id=case_id, sha256=sha256)[0]
    existing = row["existing"]
    return {
        "loading": list(row["loading"]),
        "existing": dict(existing) if existing is not None else None,
        "cells": list(row["cells"]),
    }


def _source_file(store: GraphStore, case_id: str, sha256: str) -> dict[str, Any] | None:
    rows = store.read(cypher.load("ingest/source_file_get"), case_id=case_id, sha256=sha256)
    return dict(rows[0]["source_file"]) if rows else None


def _loader_alive(source_file: dict[str, Any]) -> bool:
    """Whether the process loading a file still runs (same host, same pid and start time)."""
    heartbeat = source_file.get("heartbeat")
    if heartbeat is not None and hasattr(heartbeat, "to_native"):
        age = (datetime.now(UTC) - heartbeat.to_native()).total_seconds()
        if age > STALE_AFTER_S:
            return False
    if source_file.get("loader_host") != socket.gethostname():
        return True  # another machine's import: we cannot tell, so leave it
    pid = source_file.get("loader_pid")
    if pid is None or not psutil.pid_exists(int(pid)):
        return False
    try:
        started = psutil.Process(int(pid)).create_time()
    except psutil.Error:
        return False
    return abs(started - float(source_file.get("loader_started") or 0)) < 1.0


def _auto_commit(store: GraphStore, name: str, **params: Any) -> None:
    """Run a ``CALL … IN TRANSACTIONS`` statement, which needs an auto-commit transaction."""
    query = cypher.load(name)
    if frozenset(params) != query.params:
        from csas_graph.errors import ProgrammingError

        raise ProgrammingError(f"cypher/{name}.cypher declares {sorted(query.params)} but was given {sorted(params)}")
    with store.session() as session:
        store._guard(lambda: session.run(query.text, params).consume())


_MIGRATED: set[int] = set()


def _migrate(store: GraphStore) -> None:
    """Apply pending schema migrations once per store per process (imports rely on the constraints)."""
    if id(store) in _MIGRATED:
        return
    from csas_graph.migrations import migrate

    migrate(store)
    _MIGRATED.add(id(store))


# ======================================================================= row conversion
def frame_records(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Rows as dicts, column by column: NaN/NaT/NA become None and timestamps ``datetime``.

    Converting whole columns keeps the per-row Python work to one ``zip``.
    """
    if frame.empty:
        return []
    names = [c for c in (columns or frame.columns) if c in frame.columns]
    values = [_column_values(frame[name]) for name in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def _column_values(series: pd.Series) -> list[Any]:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return [None if pd.isna(v) else v for v in series.dt.to_pydatetime()]
    if series.dtype.kind in "iub":
        return series.tolist()
    as_object = series.astype(object)
    mask = _is_missing(as_object)
    if mask.any():
        as_object = as_object.where(~mask, None)
    return [v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in as_object.tolist()]


def _is_missing(series: pd.Series) -> pd.Series:
    # element-wise on an object column: a list of flags is a value, not a missing value
    return series.isna()


def waves(rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]) -> list[list[dict[str, Any]]]:
    """Split rows so that no wave holds two rows with the same key (the n-th occurrence goes to wave n).

    One ``UNWIND`` must never hold two rows for the same event: both would miss the existing
    relationship and both would create it.
    """
    out: list[list[dict[str, Any]]] = []
    seen: dict[Any, int] = {}
    for row in rows:
        k = key(row)
        n = seen.get(k, 0)
        seen[k] = n + 1
        if n == len(out):
            out.append([])
        out[n].append(row)
    return out


def _accepted(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that become (or merge into) events: everything not rejected."""
    if "outcome" not in frame.columns:
        return frame.iloc[0:0]
    return frame[frame["outcome"] != "rejected"]


def cdr_party(rec: dict[str, Any]) -> str | None:
    """The number whose record this row is (its cells and device are that party's).

    The reader's ``target`` when it gives one; otherwise the originator of an outgoing event
    and the recipient of an incoming one.
    """
    target = _str_or_none(rec.get("target"))
    if target is not None and target in (rec.get("a_key"), rec.get("b_key")):
        return target
    direction = (rec.get("direction") or "").upper()
    if direction in {"MT", "IN", "INCOMING"} and rec.get("b_key") is not None:
        return str(rec["b_key"])
    return _str_or_none(rec.get("a_key"))


def handset_props(imei: str, flags: Sequence[str]) -> dict[str, Any]:
    return {"tac": imei[:8], "luhn_ok": luhn_ok(imei) if len(imei) == 15 else None, "placeholder": False}


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def person_key(name: str, address: str | None) -> str:
    """A person as a subscriber list names them: normalised name and address."""
    return " ".join(name.upper().split()) + "|" + " ".join((address or "").upper().split())


def _add_number(numbers: dict[str, dict[str, Any]], key: Any, kind: Any, raw: Any) -> None:
    if key is None or key in numbers:
        return
    numbers[key] = {"key": key, "props": _drop_none({"kind": kind or _number_kind(key), "raw": _str_or_none(raw)})}


def _number_kind(key: str) -> str:
    if key.startswith("+"):
        return "e164"
    prefix = key.split(":", 1)[0].lower()
    return {"short": "short_code", "alpha": "alphanumeric"}.get(prefix, prefix)


def _device_id(value: Any, flags: Sequence[str]) -> str | None:
    """An IMEI/IMSI fit to link events, or None (placeholders and mangled values never link)."""
    text = _str_or_none(value)
    if text is None or "imei_placeholder" in flags and len(set(text)) <= 1:
        return None
    if not text.isdigit() or len(set(text)) <= 1:
        return None
    return text


def wire_times(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Event rows with the ``datetime`` values of their ``props`` as epoch milliseconds.

    The driver packs a Python ``datetime`` through pure-Python temporal code (about 0.3 ms
    each, 40% of an import's time); an integer packs in native code, and the Cypher turns it
    back into a UTC ``datetime`` with ``datetime({epochMillis: …})``.
    """
    return [{**row, "props": {k: _epoch_ms(v) for k, v in row["props"].items()}} for row in rows]


def _epoch_ms(value: Any) -> Any:
    return round(value.timestamp() * 1000) if isinstance(value, datetime) else value


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _validity(value: Any) -> date | None:
    """A cell configuration's validity bound as a date (a datetime is cut to its UTC date)."""
    return _as_date(value)


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        return datetime.fromisoformat(value.strip()[:10]).date()
    return None


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _str_or_none(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    text = str(value).strip()
    return text or None


def _drop_none(props: dict[str, Any]) -> dict[str, Any]:
    """Properties worth storing: no nulls (Neo4j stores none) and no empty flag lists."""
    return {k: v for k, v in props.items() if v is not None and v != []}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "iso_format"):
        return value.iso_format()
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


__all__ = [
    "POST_IMPORT_HOOKS",
    "run_post_import_hooks",
    "CellResolver",
    "FileSource",
    "ImportOutcome",
    "event_counts",
    "get_report",
    "import_file",
    "import_files",
    "list_sources",
    "recover_case",
    "rejected_rows_path",
    "rollback_file",
    "source_from_frames",
]
