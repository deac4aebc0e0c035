"""Low-level reading: file checks, encodings, CSV/XLSX rows with physical line numbers, headers.

Nothing here interprets values. Every failure a user can cause (empty file, binary garbage, wrong
encoding, a 10 MB field, a truncated last line, a zip bomb) becomes an :class:`IngestError` that
names the file and, where it applies, the line.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from csas_graph.errors import IngestError

#: largest single CSV field accepted (a 10 MB field is refused, naming its line)
MAX_FIELD_BYTES = 1 << 20
#: how many leading rows may hold a preamble before the header
MAX_PREAMBLE_ROWS = 64
#: XLSX: a worksheet whose XML and shared strings together expand past this is streamed
#: (:mod:`ingest.xlsx_stream`, flat memory) instead of loaded whole by calamine; this is also the
#: most calamine is given to hold
XLSX_STREAM_THRESHOLD = 64 << 20
#: XLSX: refuse workbooks whose members expand beyond this in all (a full 1,048,576-row sheet is
#: about 1-2 GB), or any member by more than this ratio: both checked from the zip directory
XLSX_MAX_UNCOMPRESSED = 4 << 30
XLSX_MAX_RATIO = 200

_BLOCK = 1 << 20
_CONTROL = bytes(range(0, 9)) + b"\x0b\x0c" + bytes(range(14, 32))


@dataclass
class FileInfo:
    """What one pass over the bytes tells us: identity, format and text encoding."""

    path: Path
    sha256: str
    size: int
    format: str  # 'csv' | 'xlsx'
    encoding: str = "utf-8-sig"
    encoding_fallback: bool = False
    ends_with_newline: bool = True
    odd_quotes: bool = False
    notes: list[str] = field(default_factory=list)


def _line_of_offset(path: Path, offset: int) -> int:
    line = 1
    with path.open("rb") as fh:
        remaining = offset
        while remaining > 0:
            block = fh.read(min(_BLOCK, remaining))
            if not block:
                break
            line += block.count(b"\n")
            remaining -= len(block)
    return line


def scan_file(path: Path) -> FileInfo:
    """Hash the file and decide how to decode it, refusing what cannot be read.

    Method: one streaming pass computes SHA-256 while checking UTF-8 validity (a BOM is allowed),
    NUL bytes and the quote-character parity. Non-UTF-8 text is decoded as cp1252 and every row is
    flagged ``encoding_fallback``; bytes undefined in cp1252 are an error naming the line. A zip
    container is an XLSX workbook. UTF-16 with a BOM is accepted.
    """
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        fh = path.open("rb")
    except OSError as exc:
        raise IngestError(f"{name}: cannot open: {exc.strerror or exc}", file=name) from None
    if size == 0:
        fh.close()
        raise IngestError(f"{name}: the file is empty", file=name)
    digest = hashlib.sha256()
    with fh:
        head = fh.read(_BLOCK)
        if head.startswith(b"PK\x03\x04"):
            digest.update(head)
            for block in iter(lambda: fh.read(_BLOCK), b""):
                digest.update(block)
            return FileInfo(path, digest.hexdigest(), size, "xlsx", encoding="xlsx")
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise IngestError(f"{name}: a legacy .xls workbook: save it as .xlsx or .csv", file=name)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            digest.update(head)
            for block in iter(lambda: fh.read(_BLOCK), b""):
                digest.update(block)
            return FileInfo(path, digest.hexdigest(), size, "csv", encoding="utf-16")
        sample = head[:65536]
        nul = sample.find(b"\x00")
        controls = sum(sample.count(bytes([c])) for c in _CONTROL)
        if nul >= 0 or controls > max(8, len(sample) // 100):
            where = _line_of_offset(path, nul) if nul >= 0 else 1
            raise IngestError(
                f"{name}, line {where}: binary data, not a CSV or XLSX file (or UTF-16 text without a BOM)",
                file=name,
                line=where,
            )
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8_ok = True
        bad_offset = -1
        offset = 0
        quotes = 0
        last = b""
        block = head
        while block:
            digest.update(block)
            quotes += block.count(b'"')
            if b"\x00" in block:
                where = _line_of_offset(path, offset + block.find(b"\x00"))
                raise IngestError(f"{name}, line {where}: binary data (NUL byte)", file=name, line=where)
            if utf8_ok:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    utf8_ok = False
                    bad_offset = offset + exc.start
            last = block[-1:]
            offset += len(block)
            block = fh.read(_BLOCK)
        if utf8_ok:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8_ok = False
                bad_offset = offset - 1
    info = FileInfo(
        path,
        digest.hexdigest(),
        size,
        "csv",
        ends_with_newline=last in (b"\n", b"\r"),
        odd_quotes=quotes % 2 == 1,
    )
    if not utf8_ok:
        bad_line = _line_of_offset(path, bad_offset)
        try:
            with path.open("r", encoding="cp1252", newline="") as text:
                for _ in iter(lambda: text.read(_BLOCK), ""):
                    pass
        except UnicodeDecodeError:
            raise IngestError(
                f"{name}, line {bad_line}: not UTF-8 and not cp1252 text (wrong encoding?)", file=name, line=bad_line
            ) from None
        info.encoding = "cp1252"
        info.encoding_fallback = True
        info.notes.append(f"not valid UTF-8 (first bad byte on line {bad_line}): decoded as cp1252")
    return info


# --- rows ------------------------------------------------------------------------------------------


class RowSource:
    """Rows of one file as ``(line, fields)``; ``line`` is the physical line (sheet row for XLSX)."""

    sheet: str | None = None

    def rows(self) -> Iterator[tuple[int, list[str]]]:  # pragma: no cover - interface
        raise NotImplementedError


class CsvSource(RowSource):
    def __init__(self, info: FileInfo) -> None:
        self.info = info

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        info = self.info
        name = info.path.name
        # the limit is process-global and other libraries raise it on import (followthemoney,
        # scipy), so it is set again for every read rather than once at import time
        csv.field_size_limit(MAX_FIELD_BYTES)
        with info.path.open("r", encoding=info.encoding, errors="strict", newline="") as fh:
            reader = csv.reader(fh)
            previous = 0
            try:
                for fields in reader:
                    line = previous + 1
                    previous = reader.line_num
                    yield line, fields
            except csv.Error as exc:
                line = reader.line_num
                text = str(exc)
                if "field larger than field limit" in text:
                    text = f"a field larger than {MAX_FIELD_BYTES // 1024} KB"
                raise IngestError(f"{name}, line {line}: unreadable CSV: {text}", file=name, line=line) from None
            except UnicodeDecodeError as exc:
                raise IngestError(
                    f"{name}, line {previous + 1}: cannot decode as {info.encoding}: {exc.reason}",
                    file=name,
                    line=previous + 1,
                ) from None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        text = value.isoformat(sep=" ")
        return text
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # repr keeps a spreadsheet float visible as a float (353456789012340.0, 4.4e+11) so that
        # mangled identifiers are detected, never silently turned back into digits
        if value.is_integer() and abs(value) < 1e9:
            return str(int(value))
        return repr(value)
    return str(value)


def check_zip(info: FileInfo) -> None:
    """Refuse a zip bomb before parsing: total uncompressed size and per-member ratio.

    Method: from the zip directory only, nothing is decompressed. The total cap is a ceiling for
    the streamed path; what is held in memory is bounded separately (calamine gets at most
    :data:`XLSX_STREAM_THRESHOLD`; the streaming reader bounds a row, a cell and the shared strings).
    """
    name = info.path.name
    try:
        with zipfile.ZipFile(info.path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(f"{name}: not a readable XLSX workbook: {exc}", file=name) from None
    total = sum(m.file_size for m in members)
    if total > XLSX_MAX_UNCOMPRESSED:
        raise IngestError(
            f"{name}: refused: the workbook expands to {total >> 20} MB (limit {XLSX_MAX_UNCOMPRESSED >> 20} MB;"
            " possible zip bomb)",
            file=name,
        )
    for m in members:
        if m.compress_size and m.file_size > (1 << 20) and m.file_size / m.compress_size > XLSX_MAX_RATIO:
            raise IngestError(
                f"{name}: refused: member {m.filename} expands {m.file_size // m.compress_size}x (possible zip bomb)",
                file=name,
            )
    if not any(m.filename.startswith("xl/") for m in members):
        raise IngestError(f"{name}: a zip file but not an XLSX workbook", file=name)


class XlsxSource(RowSource):
    """The rows of one worksheet: through calamine, or streamed when the sheet is big.

    Both paths give the same ``(sheet row, fields)``: the line is the sheet row (rows before the
    first used one are yielded empty), fields are placed from column A by their cell reference,
    trailing empty fields are dropped. A sheet whose XML plus shared strings expand past
    :data:`XLSX_STREAM_THRESHOLD` is streamed (:mod:`ingest.xlsx_stream`): about 3x slower than
    calamine in CPU (~17,000 rows/s on the ADM sheet), but memory does not grow with the rows
    (docs/benchmarks.md, "XLSX streaming").
    """

    def __init__(self, info: FileInfo, sheet: str | None) -> None:
        self.info = info
        self.sheet = sheet

    @staticmethod
    def sheet_names(info: FileInfo) -> list[str]:
        """The workbook's sheet names in workbook order, from ``xl/workbook.xml`` (no sheet is loaded)."""
        from ingest.xlsx_stream import workbook_parts

        check_zip(info)
        with _zip_of(info) as zf:
            return [s.name for s in workbook_parts(zf, info.path.name).sheets]

    def streamed(self) -> bool:
        """Whether this sheet is read by the streaming reader (its XML is too big for calamine)."""
        from ingest.xlsx_stream import workbook_parts

        check_zip(info := self.info)
        with _zip_of(info) as zf:
            parts = workbook_parts(zf, info.path.name)
            sheet = self._sheet_ref(parts.sheets)
            size = _part_size(zf, sheet.part, info.path.name)
            if parts.shared_strings:
                size += _part_size(zf, parts.shared_strings, info.path.name)
        return size > XLSX_STREAM_THRESHOLD

    def _sheet_ref(self, sheets: list[Any]) -> Any:
        name = self.info.path.name
        if not sheets:
            raise IngestError(f"{name}: not a readable XLSX workbook: it lists no sheet", file=name)
        if self.sheet is None:
            return sheets[0]
        for sheet in sheets:
            if sheet.name == self.sheet:
                return sheet
        names = ", ".join(s.name for s in sheets)
        raise IngestError(f"{name}: no worksheet {self.sheet!r} (sheets: {names})", file=name)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        if self.streamed():
            yield from self._streamed_rows()
        else:
            yield from self._calamine_rows()

    def _calamine_rows(self) -> Iterator[tuple[int, list[str]]]:
        wb = _open_workbook(self.info)
        name = self.info.path.name
        try:
            if self.sheet is not None and self.sheet not in wb.sheet_names:
                raise IngestError(
                    f"{name}: no worksheet {self.sheet!r} (sheets: {', '.join(wb.sheet_names)})", file=name
                )
            ws = wb.get_sheet_by_name(self.sheet) if self.sheet else wb.get_sheet_by_index(0)
            # calamine pads the rows above the first used one but starts each row at the first
            # used column: pad that back so a field's position is its sheet column
            lead = [""] * (ws.start[1] if ws.start else 0)
            for line, values in enumerate(ws.iter_rows(), 1):
                fields = lead + [_xlsx_cell_text(v) for v in values]
                while fields and fields[-1] == "":
                    fields.pop()
                yield line, fields
        except IngestError:
            raise
        except Exception as exc:  # the reader raises many kinds on corrupt XML
            raise IngestError(f"{name}: unreadable XLSX worksheet: {exc}", file=name) from None
        finally:
            wb.close()

    def _streamed_rows(self) -> Iterator[tuple[int, list[str]]]:
        from ingest import xlsx_stream

        info = self.info
        name = info.path.name
        line = 0
        try:
            with _zip_of(info) as zf:
                parts = xlsx_stream.workbook_parts(zf, name)
                sheet = self._sheet_ref(parts.sheets)
                kinds = xlsx_stream.style_kinds(zf, parts.styles, name)
                shared = xlsx_stream.read_shared_strings(zf, parts.shared_strings, name)
                rows = xlsx_stream.iter_sheet_rows(zf, sheet.part, shared, kinds, parts.date1904, name, _xlsx_cell_text)
                for line, fields in rows:
                    yield line, fields
        except IngestError:
            raise
        except Exception as exc:  # zlib, CRC and I/O errors while streaming
            where = f", after row {line}" if line else ""
            raise IngestError(f"{name}{where}: unreadable XLSX worksheet: {exc}", file=name) from None


def _zip_of(info: FileInfo) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(info.path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(f"{info.path.name}: not a readable XLSX workbook: {exc}", file=info.path.name) from None


def _part_size(zf: zipfile.ZipFile, part: str, name: str) -> int:
    try:
        return zf.getinfo(part).file_size
    except KeyError:
        raise IngestError(f"{name}: not a readable XLSX workbook: part {part} is missing", file=name) from None


def _xlsx_cell_text(value: Any) -> str:
    """A worksheet cell as text; an integral number of up to 15 digits reads as its digits.

    Excel keeps 15 significant digits and writes an integral number without a decimal point, so
    such a cell is what a spreadsheet shows as digits (an IMSI typed as a number). Anything longer
    or fractional keeps its float form, so identifiers a spreadsheet mangled are still detected.
    Limitation: calamine gives every number as a float, so a cell written as ``123.0`` in the XML
    also reads as ``123`` (the streaming reader parses numbers as floats too, to agree).
    """
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return _cell_text(value)


def _open_workbook(info: FileInfo) -> Any:
    """The workbook through calamine (Rust; ~12x faster than openpyxl's read-only mode, same values).

    Limitation: calamine holds the whole worksheet's cells and the shared strings in memory while
    it is read, so it is only given sheets under :data:`XLSX_STREAM_THRESHOLD` (bigger ones are
    streamed); the zip-bomb check runs first.
    """
    import python_calamine

    check_zip(info)
    try:
        return python_calamine.CalamineWorkbook.from_path(str(info.path))
    except Exception as exc:
        raise IngestError(f"{info.path.name}: not a readable XLSX workbook: {exc}", file=info.path.name) from None


SUMMARY_RE = re.compile(
    r"^\s*(total\b|totals\b|end of|records?\b|number of|count\b|report\b|summary\b|\*\*\*|grand total|rows?\b)",
    re.IGNORECASE,
)


def is_summary(fields: list[str]) -> bool:
    """A trailing "Total records: N" / "End of report" style row."""
    nonblank = [f for f in fields if f.strip()]
    if not nonblank or len(nonblank) > 3:
        return False
    return bool(SUMMARY_RE.match(nonblank[0]))


def preamble_metadata(rows: list[tuple[int, list[str]]]) -> dict[str, str]:
    """``URN:,,,,IR123456`` style rows before the header, as key -> value."""
    meta: dict[str, str] = {}
    for _line, fields in rows:
        nonblank = [f.strip() for f in fields if f.strip()]
        if not nonblank:
            continue
        key = nonblank[0]
        if ":" in key:
            head, _, tail = key.partition(":")
            value = tail.strip() or (nonblank[-1] if len(nonblank) > 1 else "")
            if head.strip():
                meta[head.strip()] = value
    return meta
