"""The notebook and loader API: ``read(path)`` and ``read_chunks(path)``.

A read scans the bytes (SHA-256, encoding, garbage checks), finds the header past any preamble,
picks the template (given, or detected by scoring the header against every built-in template),
decides the date order once for the whole file, and cleanses the rows chunk by chunk. Memory
stays flat: only one chunk of rows is held, plus compact duplicate state.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from csas_graph.errors import IngestError, TemplateError
from ingest.cdr import CdrState, cleanse_cdr
from ingest.chunk import FileContext, RawChunk, paused_gc, resumed_gc, transform_description
from ingest.normalise import normalise_number
from ingest.reasons import Reason
from ingest.result import ReadChunk, ReadResult, ReadStream, ReconciliationReport, raw_text
from ingest.source import (
    MAX_PREAMBLE_ROWS,
    CsvSource,
    FileInfo,
    RowSource,
    XlsxSource,
    is_summary,
    preamble_metadata,
    scan_file,
)
from ingest.template import (
    HeaderMatch,
    Template,
    builtin_templates,
    get_template,
    load_template_file,
    match_header,
    norm_header,
    skeleton_yaml,
)
from ingest.timeparse import date_order_evidence


class LayoutError(TemplateError, IngestError):
    """No template fits the file (or the given one does not): both a template and an import error."""

    title = "Unrecognised layout"


#: a detected template must recognise at least this share of the header's columns
MIN_DETECTION_SCORE = 0.6

#: canonical fields whose values decide the file's date order, per kind
DATE_FIELDS = {
    "cdr": ("start", "start_date"),
    "cells": ("valid_from", "valid_to"),
    "anpr": ("t", "date"),
    "subscribers": (),
}


def read(
    path: str | Path,
    *,
    template: str | None = None,
    template_file: Path | None = None,
    kind: str | None = None,
    cameras: str | Path | None = None,
) -> ReadResult:
    """Read and cleanse a whole file into one DataFrame, with its reconciliation report.

    Parameters
    ----------
    path: the CSV or XLSX file.
    template: a built-in template id; detected from the header when neither this nor
        ``template_file`` is given.
    template_file: a user template (YAML, see ``docs/templates.md``).
    kind: restrict detection to ``cdr``, ``cells``, ``anpr`` or ``subscribers`` templates.
    cameras: a camera list giving locations to ANPR reads that carry none.

    Returns
    -------
    ReadResult: the frame has one row per input data row (see :class:`ingest.result.ReadResult`
    for the columns); ``report.rows_read == loaded + merged + rejected`` always holds.

    Limitations
    -----------
    No database is involved, so duplicates are found within this file only: the loader finds
    overlaps with earlier deliveries and resolves cells against the cell lists. The whole frame is
    held in memory: use :func:`read_chunks` for large files.
    """
    stream = read_chunks(path, template=template, template_file=template_file, kind=kind, cameras=cameras)
    frames = [chunk.frame for chunk in stream]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if stream.session_updates and not frame.empty:
        for eid, (end, duration) in stream.session_updates.items():
            mask = (frame["event_id"] == eid) & (frame["outcome"] == "loaded")
            frame.loc[mask, "end_utc"] = end
            frame.loc[mask, "duration_s"] = duration
    return ReadResult(
        kind=stream.kind,
        frame=frame,
        report=stream.report,
        template_id=stream.template_id,
        template_version=stream.template_version,
        sha256=stream.sha256,
        file_name=stream.file_name,
        size=stream.size,
    )


def read_chunks(
    path: str | Path,
    *,
    template: str | None = None,
    template_file: Path | None = None,
    kind: str | None = None,
    cameras: str | Path | None = None,
    chunk_rows: int = 100_000,
) -> ReadStream:
    """Stream a file as cleansed chunks. Iterate the returned :class:`ReadStream` once; its
    ``report`` is complete (and checked) when the iteration ends.

    The template, header and date order are settled before this returns, so a wrong template or an
    unreadable file raises here, before any chunk is produced.
    """
    path = Path(path)
    info = scan_file(path)
    candidates = _candidates(template, template_file, kind)
    source, head, rest, header_idx, match = _locate_header(info, candidates, explicit=template or template_file)
    tmpl = match.template
    header_line, header = head[header_idx]
    meta = preamble_metadata(head[:header_idx])
    report = ReconciliationReport(
        file_name=path.name,
        sha256=info.sha256,
        size=info.size,
        kind=tmpl.kind,
        template_id=tmpl.id,
        template_version=tmpl.version,
        encoding=info.encoding,
        metadata=meta,
        header_line=header_line,
        notes=list(info.notes),
    )
    ctx = FileContext(
        file_name=path.name,
        template=tmpl,
        header=header,
        mapping=match.mapping,
        timezone=_timezone(tmpl, header, match.mapping),
        date_order=tmpl.time.date_order,
        encoding_fallback=info.encoding_fallback,
    )
    ctx.target_key = _target(meta, tmpl)
    if cameras is not None:
        from ingest.other import read_cameras

        ctx.cameras = read_cameras(Path(cameras))
    data_rows = itertools.chain(head[header_idx + 1 :], rest)
    chunks = _raw_chunks(info, data_rows, header, chunk_rows)
    first = next(chunks, None)
    order, how = _date_order(ctx, info, source, header_line, first)
    ctx.date_order = order
    report.date_order, report.date_order_source = order, how
    if ctx.timezone != "UTC":
        report.notes.append(
            f"times read as {ctx.timezone} local time and converted to UTC; a time in the autumn DST overlap is"
            " taken as its first occurrence (BST, fold=0) and flagged dst_ambiguous; a time in the spring gap is"
            " shifted forward to the first valid instant and flagged dst_nonexistent"
        )
    if any(f.endswith(("easting", "northing")) for f in ctx.mapping) or tmpl.crs == "EPSG:27700":
        report.notes.append(f"BNG eastings/northings converted with pyproj: {transform_description()}")
    stream = ReadStream(
        kind=tmpl.kind,
        template_id=tmpl.id,
        template_version=tmpl.version,
        sha256=info.sha256,
        file_name=path.name,
        size=info.size,
        report=report,
    )
    # hand the first chunk over without keeping a reference to it (memory stays one chunk deep)
    # a header without rows still yields one (empty) chunk, so the frame has the contract's columns
    all_chunks = _prepended([first] if first is not None else [RawChunk([], [], [], [])], chunks)
    del first
    stream._chunks = _cleansed(ctx, all_chunks, report, stream)
    return stream


# --- helpers -------------------------------------------------------------------------------------


def _candidates(template: str | None, template_file: Path | None, kind: str | None) -> list[Template]:
    if template_file is not None:
        return [load_template_file(Path(template_file))]
    if template is not None:
        return [get_template(template)]
    templates = [t for t in builtin_templates().values() if kind is None or t.kind == kind]
    if not templates:
        raise TemplateError(f"no built-in template for kind {kind!r}")
    return templates


def _sources(info: FileInfo, candidates: list[Template]) -> list[RowSource]:
    if info.format == "csv":
        return [CsvSource(info)]
    names = XlsxSource.sheet_names(info)
    wanted = [t.sheet for t in candidates if t.sheet]
    ordered = [n for n in names if n in wanted] + [n for n in names if n not in wanted]
    return [XlsxSource(info, n) for n in ordered]


def _locate_header(
    info: FileInfo, candidates: list[Template], explicit: object
) -> tuple[RowSource, list[tuple[int, list[str]]], Iterator[tuple[int, list[str]]], int, HeaderMatch]:
    """Find the header row and the template that fits it, or explain why none does."""
    name = info.path.name
    best_overall: list[tuple[float, int, HeaderMatch, list[str]]] = []
    for source in _sources(info, candidates):
        rows_iter = source.rows()
        head = list(itertools.islice(rows_iter, MAX_PREAMBLE_ROWS))
        if not any(any(f.strip() for f in fields) for _, fields in head):
            continue
        found: list[tuple[int, HeaderMatch]] = []
        for idx, (_line, fields) in enumerate(head):
            if sum(1 for f in fields if f.strip()) < 2 and len(candidates) > 1:
                continue
            for t in candidates:
                if source.sheet is not None and t.sheet is not None and t.sheet != source.sheet and not explicit:
                    continue
                m = match_header(t, fields)
                best_overall.append((m.score, -len(m.missing), m, fields))
                if m.usable:
                    found.append((idx, m))
        if not found:
            continue
        if explicit:
            idx, m = found[0]
            return source, head, rows_iter, idx, m
        top = max(m.score for _, m in found)
        idx = min(i for i, m in found if m.score == top)
        at_row = sorted((m for i, m in found if i == idx), key=lambda m: (-m.score, -m.template.priority))
        best = at_row[0]
        tied = [
            m for m in at_row[1:] if abs(m.score - best.score) < 1e-9 and m.template.priority == best.template.priority
        ]
        if best.score >= MIN_DETECTION_SCORE and not tied:
            return source, head, rows_iter, idx, best
        header = head[idx][1]
        reason = (
            f"templates {', '.join(repr(m.template.id) for m in [best, *tied])} fit equally well (score"
            f" {best.score:.2f})"
            if tied
            else f"best template {best.template.id!r} recognises only {best.score:.0%} of the columns"
        )
        skeleton = _write_skeleton(info, header, best.template.kind, best.template)
        raise LayoutError(
            f"{name}, line {head[idx][0]}: cannot choose a template: {reason}. Pass --template or"
            f" --template-file; a suggested template was written to {skeleton}",
            file=name,
            line=head[idx][0],
            skeleton=str(skeleton),
        )
    if not best_overall:
        raise IngestError(f"{name}: no rows found (empty sheet or only blank lines)", file=name)
    best_overall.sort(key=lambda t: (t[0], t[1]), reverse=True)
    seen: set[str] = set()
    described = []
    for score, _neg, m, _fields in best_overall:
        if m.template.id in seen:
            continue
        seen.add(m.template.id)
        described.append(f"{m.template.id} ({score:.0%} of columns; unmapped: {', '.join(m.missing) or 'none'})")
        if len(described) == 3:
            break
    header = max(best_overall, key=lambda t: (t[0], sum(1 for f in t[3] if f.strip())))[3]
    best_match = best_overall[0][2]
    # a weak best guess says little about the kind: call data is what arrives most often
    kinds = {t.template.kind for _, _, t, _ in best_overall}
    kind = best_match.template.kind if best_match.score >= 0.5 or len(kinds) == 1 else "cdr"
    skeleton = _write_skeleton(info, header, kind, best_match.template if kind == best_match.template.kind else None)
    what = "the given template does not fit" if explicit else "no template fits"
    raise LayoutError(
        f"{name}: {what}: no header row with every required field among the first {MAX_PREAMBLE_ROWS} rows."
        f" Best candidates: {'; '.join(described)}. A suggested template was written to {skeleton}",
        file=name,
        skeleton=str(skeleton),
    )


def _write_skeleton(info: FileInfo, header: list[str], kind: str, best: Template | None) -> Path:
    text = skeleton_yaml(header, kind, best)
    target = info.path.with_name(info.path.name + ".template.yaml")
    try:
        target.write_text(text, encoding="utf-8")
        return target
    except OSError:
        fd, name = tempfile.mkstemp(prefix=info.path.stem + ".", suffix=".template.yaml")
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        return Path(name)


def _timezone(template: Template, header: list[str], mapping: dict[str, int]) -> str:
    rule = template.time
    if not rule.timezone_from_header:
        return rule.timezone
    for name in ("start_time", "start", "start_date", "t", "time"):
        idx = mapping.get(name)
        if idx is None:
            continue
        text = norm_header(header[idx])
        if "utc" in text or "gmt" in text:
            return "UTC"
        if "local" in text or "bst" in text:
            return rule.local_timezone
    return rule.timezone


def _target(meta: dict[str, str], template: Template) -> str | None:
    for key, value in meta.items():
        if "target" in key.lower() and value:
            party = normalise_number(value, template.numbers.region, template.numbers.identifiers)
            return party.key
    return None


def _raw_chunks(
    info: FileInfo, rows: Iterator[tuple[int, list[str]]], header: list[str], chunk_rows: int
) -> Iterator[RawChunk]:
    """Group data rows into chunks, typing wrong-width rows and repeated headers, and refusing a
    truncated last line."""
    name = info.path.name
    ncols = len(header)
    lines: list[int] = []
    fields_list: list[list[str]] = []
    reasons: list[str | None] = []
    messages: list[str | None] = []
    previous: tuple[int, list[str]] | None = None

    def take(line: int, fields: list[str], last: bool) -> None:
        if not any(fields):
            if not any(f.strip() for f in fields):
                return
        reason = message = None
        if fields == header:
            reason, message = Reason.MALFORMED_ROW.value, "the header row repeated (pages of an export?)"
        elif len(fields) != ncols:
            if len(fields) > ncols and not any(f.strip() for f in fields[ncols:]):
                fields = fields[:ncols]
            elif (
                last
                and info.format == "csv"
                and (info.odd_quotes or (not info.ends_with_newline and len(fields) < ncols))
            ):
                raise IngestError(
                    f"{name}, line {line}: the last line is truncated ({len(fields)} of {ncols} fields"
                    + (", unclosed quote" if info.odd_quotes else "")
                    + ")",
                    file=name,
                    line=line,
                )
            elif is_summary(fields):
                reason, message = Reason.SUMMARY_ROW.value, "summary row, not a record"
            elif len(fields) < ncols and info.format == "xlsx":
                fields = fields + [""] * (ncols - len(fields))
            else:
                reason = Reason.MALFORMED_ROW.value
                message = f"{len(fields)} fields where the header has {ncols}"
            if len(fields) != ncols:
                fields = (fields + [""] * ncols)[:ncols]
        elif last and info.format == "csv" and info.odd_quotes:
            raise IngestError(f"{name}, line {line}: the last line is truncated (unclosed quote)", file=name, line=line)
        lines.append(line)
        fields_list.append(fields)
        reasons.append(reason)
        messages.append(message)

    # the cyclic garbage collector is paused while a chunk is built (millions of small acyclic
    # objects would otherwise trigger collections that dominate the cost); never across a yield
    with paused_gc():
        for item in rows:
            if previous is not None:
                fields = previous[1]
                if len(fields) == ncols and fields[0] and fields != header:
                    lines.append(previous[0])  # the common case: a full-width row
                    fields_list.append(fields)
                    reasons.append(None)
                    messages.append(None)
                else:
                    take(previous[0], fields, False)
                if len(lines) >= chunk_rows:
                    chunk = RawChunk(lines, fields_list, reasons, messages)
                    lines, fields_list, reasons, messages = [], [], [], []
                    with resumed_gc():
                        yield chunk
                    del chunk  # the next chunk is built without this one in memory
            previous = item
        if previous is not None:
            take(previous[0], previous[1], True)
    if lines:
        yield RawChunk(lines, fields_list, reasons, messages)


def _date_order(
    ctx: FileContext, info: FileInfo, source: RowSource, header_line: int, first: RawChunk | None
) -> tuple[str, str]:
    """Decide dd/mm vs mm/dd once per file: any day above 12 settles it, else the template default."""
    fields = [f for f in DATE_FIELDS[ctx.template.kind] if f in ctx.mapping]
    default = ctx.template.time.date_order
    if not fields or first is None:
        return default, "template default"
    idxs = [ctx.mapping[f] for f in fields]

    def evidence(values: list[str]) -> str | None:
        return date_order_evidence(pd.Series(values, dtype=object))

    found = evidence([r[i] for r in first.fields for i in idxs if i < len(r)])
    if found is None and len(first.fields) > 0:
        # the first chunk is ambiguous: look through the rest of the file, keeping only the dates
        batch: list[str] = []
        with paused_gc():
            for line, row in source.rows():
                if line <= header_line:
                    continue
                batch.extend(row[i] for i in idxs if i < len(row))
                if len(batch) >= 500_000:
                    found = evidence(batch)
                    batch = []
                    if found is not None:
                        break
        if found is None and batch:
            found = evidence(batch)
    if found == "conflict":
        ctx.notes.append("dates contradict each other (days above 12 in both positions)")
        return default, "conflicting evidence: template default used; rows that do not fit are rejected"
    if found is None:
        return default, "ambiguous throughout the file: template default"
    return found, "inferred from the file (a day above 12)" if found != "ymd" else "year first"


_CAMERA_COLUMNS = {
    "camera_id": ("camera id", "camera", "camera_id", "id"),
    "name": ("camera name", "name", "camera_name"),
    "lat": ("latitude", "lat"),
    "lon": ("longitude", "lon", "long", "lng"),
    "easting": ("easting",),
    "northing": ("northing",),
}


def read_camera_rows(path: Path) -> pd.DataFrame:
    """A camera list as a frame indexed by camera id with ``lat``, ``lon`` (WGS84) and ``name``."""
    from ingest.chunk import bng_to_wgs84, to_float

    info = scan_file(path)
    rows = list(CsvSource(info).rows()) if info.format == "csv" else list(XlsxSource(info, None).rows())
    rows = [(line, f) for line, f in rows if any(x.strip() for x in f)]
    if not rows:
        raise IngestError(f"{path.name}: the camera list is empty", file=path.name)
    header = [norm_header(h) for h in rows[0][1]]
    idx: dict[str, int] = {}
    for name, synonyms in _CAMERA_COLUMNS.items():
        for synonym in synonyms:
            if synonym in header:
                idx[name] = header.index(synonym)
                break
    if "camera_id" not in idx:
        raise IngestError(f"{path.name}, line {rows[0][0]}: the camera list has no Camera ID column", file=path.name)

    def col(name: str) -> pd.Series:
        i = idx.get(name)
        return pd.Series([f[i].strip() if i is not None and i < len(f) else "" for _, f in rows[1:]], dtype=object)

    lat = to_float(col("lat")).to_numpy(copy=True)
    lon = to_float(col("lon")).to_numpy(copy=True)
    need = np.isnan(lat)
    if need.any() and "easting" in idx:
        c_lat, c_lon, _ = bng_to_wgs84(to_float(col("easting"))[need], to_float(col("northing"))[need])
        lat[need], lon[need] = c_lat, c_lon
    frame = pd.DataFrame({"camera_id": col("camera_id"), "name": col("name"), "lat": lat, "lon": lon})
    frame = frame[frame["camera_id"] != ""].drop_duplicates("camera_id")
    return frame.set_index("camera_id")


def _prepended(box: list[RawChunk], rest: Iterator[RawChunk]) -> Iterator[RawChunk]:
    while box:
        yield box.pop()
    yield from rest


def _extend_window(report: ReconciliationReport, frame: pd.DataFrame) -> None:
    column = "start_utc" if "start_utc" in frame.columns else "t_utc" if "t_utc" in frame.columns else None
    if column is None or frame.empty:
        return
    times = frame.loc[frame["outcome"] == "loaded", column].dropna()
    if times.empty:
        return
    first, last = times.min().isoformat(), times.max().isoformat()
    if report.first_event_utc is None or first < report.first_event_utc:
        report.first_event_utc = first
    if report.last_event_utc is None or last > report.last_event_utc:
        report.last_event_utc = last


def _raw_of(fields: list[list[str]]) -> Callable[[int], str]:
    return lambda pos: raw_text(fields[pos])


def _cleansed(
    ctx: FileContext, chunks: Iterator[RawChunk], report: ReconciliationReport, stream: ReadStream
) -> Iterator[ReadChunk]:
    kind = ctx.template.kind
    if kind == "cdr":
        state = CdrState()
    else:
        from ingest.other import OtherState

        other_state = OtherState()
    for index, chunk in enumerate(chunks):
        try:
            with paused_gc():
                if kind == "cdr":
                    frame = cleanse_cdr(ctx, chunk, state)
                else:
                    from ingest.other import cleanse_other

                    frame = cleanse_other(ctx, chunk, other_state)
        except (ValueError, TypeError, OverflowError, KeyError, IndexError) as exc:
            span = f"{chunk.lines[0]}-{chunk.lines[-1]}" if chunk.lines else "-"
            raise IngestError(
                f"{ctx.file_name}, lines {span}: cannot cleanse: {type(exc).__name__}: {exc}",
                file=ctx.file_name,
                line=chunk.lines[0] if chunk.lines else None,
            ) from exc
        if ctx.encoding_fallback:
            # every loaded or merged row was decoded as cp1252: say so on the row
            frame["flags"] = [
                [*flags, Reason.ENCODING_FALLBACK.value] if outcome != "rejected" else flags
                for flags, outcome in zip(frame["flags"], frame["outcome"], strict=True)
            ]
        report.add_frame(frame, _raw_of(chunk.fields))
        _extend_window(report, frame)
        out = ReadChunk(kind=kind, frame=frame, index=index)
        del frame, chunk  # only the consumer holds the chunk from here on
        yield out
        del out
    report.notes.extend(n for n in ctx.notes if n not in report.notes)
    if report.first_event_utc and kind in ("cdr", "anpr"):
        report.notes.append(
            f"events cover {report.first_event_utc} to {report.last_event_utc} (UTC); a request window defined in"
            " UTC days does not match UK local days at its edges: check for coverage gaps there"
        )
    if kind == "cdr":
        stream.session_updates = dict(state.session_updates)
    report.check()
    stream.finished = True


__all__ = ["read", "read_chunks", "np"]
