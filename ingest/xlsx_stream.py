"""A memory-flat XLSX worksheet reader for sheets too big to load whole.

calamine (the fast path, :func:`ingest.source._open_workbook`) holds a whole worksheet in memory.
A genuine ADM "Telephony" workbook of 630k rows expands to over 600 MB of sheet XML, and Excel
allows 1,048,576 rows. This module streams the worksheet part out of the zip instead and parses it
with the C expat parser (``xml.etree.ElementTree.XMLPullParser``), dropping each ``<row>`` once it
has been turned into text, so memory stays flat whatever the number of rows.

It yields exactly what the calamine path yields for the same sheet, ``(sheet row, fields)`` with
the same cell text (tests/test_ingest_xlsx_stream.py holds the two paths to that):

* rows are numbered by their ``r`` attribute (the sheet row), rows with no cell before the last
  used row are yielded empty, trailing empty fields are dropped; columns are placed by the cell
  reference (``r="C5"``) from column A, so a skipped cell stays an empty field;
* shared strings (``t="s"``), inline strings, formula strings, booleans (``TRUE``/``FALSE``),
  errors (empty, as calamine gives them), ISO dates (``t="d"``) and numbers; a number whose cell
  style is a date or duration format (``xl/styles.xml``) becomes the same date, time, datetime or
  duration calamine gives, 1900 and 1904 date systems alike;
* text is trimmed of XML white space unless ``xml:space="preserve"``, and ``_xHHHH_`` escapes are
  decoded, as calamine does.

Limitations: the shared-string table is held in memory (UTF-8 in one buffer plus an 8-byte offset
per string, so about the size of its text; capped at :data:`MAX_SHARED_TEXT`); rows must appear in
ascending order (Excel always writes them so); a single row may not exceed :data:`MAX_ROW_XML` of
XML nor a cell :data:`MAX_CELL_CHARS` characters; white space written as a character reference at
the very edge of an unpreserved ``<t>`` (``&#10;x``) is trimmed here but kept by calamine.
"""

from __future__ import annotations

import gc
import posixpath
import re
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import IO, Any, cast
from xml.etree import ElementTree as ET

from csas_graph.errors import IngestError

#: largest single cell or shared string accepted, in characters
MAX_CELL_CHARS = 1 << 20
#: largest XML a single ``<row>`` (or shared string) may take before it is refused
MAX_ROW_XML = 64 << 20
#: most shared-string text held in memory (UTF-8 bytes)
MAX_SHARED_TEXT = 1 << 30
#: the small parts (workbook, relationships, styles) are parsed whole; refuse them past this size
MAX_SMALL_PART = 64 << 20
#: Excel's sheet limits: rows and columns beyond them are refused rather than padded out
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384

_CHUNK = 1 << 20
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_XML_WS = " \t\r\n"
_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# what Rust's f64 parser accepts (Python's float() also takes spaces and underscores)
_NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity|nan)", re.I)
_EPOCH = datetime(1899, 12, 30)
_MS_PER_DAY = 86_400_000
_DAYS_1900_TO_1904 = 1462
# built-in number formats that are dates/times (14-22, 45, 47) or a duration (46)
_BUILTIN_KINDS = {**dict.fromkeys((*range(14, 23), 45, 47), "datetime"), 46: "timedelta"}


@dataclass
class SheetRef:
    """One sheet of the workbook: its name and its part inside the zip."""

    name: str
    part: str
    kind: str  # 'worksheet' | 'chartsheet' | 'dialogsheet' | 'macrosheet' | ...


@dataclass
class WorkbookParts:
    """Where a workbook keeps its sheets, shared strings and styles, and its date system."""

    sheets: list[SheetRef]
    shared_strings: str | None = None
    styles: str | None = None
    date1904: bool = False
    notes: list[str] = field(default_factory=list)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _parse_small(zf: zipfile.ZipFile, part: str, name: str) -> ET.Element:
    try:
        info = zf.getinfo(part)
    except KeyError:
        raise IngestError(f"{name}: not a readable XLSX workbook: part {part} is missing", file=name) from None
    if info.file_size > MAX_SMALL_PART:
        raise IngestError(
            f"{name}: refused: part {part} expands to {info.file_size >> 20} MB (limit {MAX_SMALL_PART >> 20} MB)",
            file=name,
        )
    try:
        return ET.fromstring(zf.read(part))
    except (ET.ParseError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise IngestError(f"{name}: not a readable XLSX workbook: {part}: {exc}", file=name) from None


def _rels(zf: zipfile.ZipFile, part: str, name: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type suffix, part path) of a part's ``_rels/*.rels``."""
    folder, base = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", base + ".rels")
    if rels_part not in zf.NameToInfo:
        return {}
    out: dict[str, tuple[str, str]] = {}
    for rel in _parse_small(zf, rels_part, name):
        if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = (rel.get("Type", "").rpartition("/")[2], path)
    return out


def workbook_parts(zf: zipfile.ZipFile, name: str) -> WorkbookParts:
    """The sheets (in workbook order), shared strings, styles and date system of a workbook.

    Method: ``_rels/.rels`` names the workbook part (``xl/workbook.xml`` when absent); its
    ``<sheet name r:id>`` entries are resolved through the workbook's relationships.
    """
    workbook_part = "xl/workbook.xml"
    for _rid, (kind, path) in _rels(zf, "", name).items() if "_rels/.rels" in zf.NameToInfo else []:
        if kind == "officeDocument":
            workbook_part = path
    root = _parse_small(zf, workbook_part, name)
    rels = _rels(zf, workbook_part, name)
    parts = WorkbookParts(sheets=[])
    for el in root.iter():
        tag = _local(el.tag)
        if tag == "workbookPr":
            parts.date1904 = el.get("date1904", "0").lower() in ("1", "true")
        elif tag == "sheet":
            rid = el.get(f"{{{_REL_NS}}}id") or el.get("{http://purl.oclc.org/ooxml/officeDocument/relationships}id")
            kind, path = rels.get(rid or "", ("", ""))
            if path:
                parts.sheets.append(SheetRef(el.get("name", ""), path, kind))
    for kind, path in rels.values():
        if kind == "sharedStrings" and path in zf.NameToInfo:
            parts.shared_strings = path
        elif kind == "styles" and path in zf.NameToInfo:
            parts.styles = path
    return parts


# --- styles ----------------------------------------------------------------------------------------


def format_kind(code: str) -> str | None:
    """``'datetime'``, ``'timedelta'`` or ``None`` for an Excel number format code.

    Method: calamine's rule (``detect_custom_number_format``), so both paths agree on which
    numbers are dates: outside quotes, escapes and ``[...]`` brackets, a ``d m h y s`` (or an
    ``a``/``p`` AM-PM marker) in the first section makes a date; ``[h]``, ``[mm]``, ``[ss]`` make a
    duration; a ``;`` before any of them ends the search.
    """
    escaped = quoted = ap = hms = False
    brackets = 0
    prev = " "
    for ch in code:
        if escaped:
            escaped = False
        elif ch in "_\\":
            escaped = True
        elif quoted:
            quoted = ch != '"'
        elif ch == '"':
            quoted = True
        elif ch == ";":
            return None
        elif ch == "[":
            brackets += 1
        elif ch == "]" and brackets == 1 and hms:
            return "timedelta"
        elif ch == "]":
            brackets = max(0, brackets - 1)
        elif ch in "aA" and not ap and brackets == 0:
            ap = True
        elif ch in "pm/PM" and ap and brackets == 0:
            return "datetime"
        elif ch in "dmhysDMHYS" and not ap and brackets == 0:
            return "datetime"
        elif not (hms and ch.lower() == prev.lower()):
            hms = prev == "[" and ch in "mhsMHS"
        prev = ch
    return None


def style_kinds(zf: zipfile.ZipFile, part: str | None, name: str) -> list[str | None]:
    """For each cell style index (``s="N"``): ``'datetime'``, ``'timedelta'`` or ``None``."""
    if part is None:
        return []
    root = _parse_small(zf, part, name)
    codes: dict[int, str] = {}
    kinds: list[str | None] = []
    for el in root:
        tag = _local(el.tag)
        if tag == "numFmts":
            for fmt in el:
                try:
                    codes[int(fmt.get("numFmtId", ""))] = fmt.get("formatCode", "")
                except ValueError:
                    continue
        elif tag == "cellXfs":
            for xf in el:
                try:
                    fmt_id = int(xf.get("numFmtId", "0"))
                except ValueError:
                    fmt_id = 0
                kinds.append(format_kind(codes[fmt_id]) if fmt_id in codes else _BUILTIN_KINDS.get(fmt_id))
    return kinds


# --- shared strings --------------------------------------------------------------------------------


class SharedStrings:
    """The shared-string table, compact: all strings as UTF-8 in one buffer plus their end offsets.

    A Python ``list[str]`` costs ~60 bytes per string on top of its text; this costs 8.
    """

    def __init__(self) -> None:
        self._text = bytearray()
        self._ends = array("Q")

    def append(self, value: str) -> None:
        self._text += value.encode("utf-8")
        self._ends.append(len(self._text))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        end = self._ends[index]  # IndexError for a bad index, negative ones refused by the caller
        start = self._ends[index - 1] if index else 0
        return self._text[start:end].decode("utf-8")

    @property
    def nbytes(self) -> int:
        return len(self._text) + self._ends.itemsize * len(self._ends)


def _unescape(text: str) -> str:
    if "_x" in text:
        return _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def _t_text(t: ET.Element) -> str:
    text = t.text or ""
    if t.get(_XML_SPACE) != "preserve":
        text = text.strip(_XML_WS)
    return text


def _rich_text(el: ET.Element, t_tag: str, r_tag: str) -> str:
    """The text of an ``<si>`` / ``<is>``: its ``<t>``, or its runs' ``<t>`` (phonetic runs left out)."""
    parts = []
    for child in el:
        if child.tag == t_tag:
            parts.append(_t_text(child))
        elif child.tag == r_tag:
            for t in child:
                if t.tag == t_tag:
                    parts.append(_t_text(t))
    return _unescape("".join(parts))


def _events(parser: ET.XMLPullParser[ET.Element]) -> Iterator[tuple[str, ET.Element]]:
    # only element events are asked for, never namespace ones: (event, element) pairs
    return cast(Iterator[tuple[str, ET.Element]], parser.read_events())


def _pull(stream: IO[bytes], events: tuple[str, ...], name: str, what: str) -> Iterator[tuple[str, ET.Element, int]]:
    """``(event, element, bytes fed so far)`` from an XML stream, fed in 1 MB chunks."""
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=cast(Any, events))
    fed = quiet = 0
    try:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            fed += len(chunk)
            quiet += len(chunk)
            parser.feed(chunk)
            for event, el in _events(parser):
                quiet = 0
                yield event, el, fed
            if quiet > MAX_ROW_XML:  # one text node this big: refuse before holding any more of it
                raise IngestError(
                    f"{name}: refused: unreadable XLSX {what}: over {MAX_ROW_XML >> 20} MB of XML in one element",
                    file=name,
                )
        parser.close()
        for event, el in _events(parser):
            yield event, el, fed
    except ET.ParseError as exc:
        raise IngestError(f"{name}: unreadable XLSX {what}: {exc}", file=name) from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise IngestError(f"{name}: unreadable XLSX {what}: {exc}", file=name) from None


def read_shared_strings(zf: zipfile.ZipFile, part: str | None, name: str) -> SharedStrings:
    """The workbook's shared strings, streamed (the table can be as big as the sheet).

    The cyclic GC is paused meanwhile: the parser's elements hold no cycles, and the table is two
    flat buffers.
    """
    table = SharedStrings()
    if part is None:
        return table
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _read_shared_strings(zf, part, name, table)
    finally:
        if gc_was_enabled:
            gc.enable()
    return table


def _read_shared_strings(zf: zipfile.ZipFile, part: str, name: str, table: SharedStrings) -> None:
    ns = ""
    t_tag = r_tag = si_tag = ""
    parent: ET.Element | None = None
    last_end = 0
    with zf.open(part) as stream:
        for event, el, fed in _pull(stream, ("start", "end"), name, "shared strings"):
            if event == "start":
                if parent is None:
                    parent = el
                    ns = el.tag[: el.tag.index("}") + 1] if el.tag.startswith("{") else ""
                    si_tag, t_tag, r_tag = ns + "si", ns + "t", ns + "r"
                elif fed - last_end > MAX_ROW_XML:
                    raise IngestError(
                        f"{name}: refused: shared string {len(table) + 1} is over {MAX_ROW_XML >> 20} MB of XML",
                        file=name,
                    )
                continue
            if el.tag != si_tag:
                continue
            text = _rich_text(el, t_tag, r_tag)
            if len(text) > MAX_CELL_CHARS:
                raise IngestError(
                    f"{name}: refused: shared string {len(table) + 1} has {len(text):,} characters"
                    f" (limit {MAX_CELL_CHARS:,})",
                    file=name,
                )
            table.append(text)
            if table.nbytes > MAX_SHARED_TEXT:
                raise IngestError(f"{name}: refused: the shared strings exceed {MAX_SHARED_TEXT >> 20} MB", file=name)
            last_end = fed
            assert parent is not None
            parent.clear()  # drop the finished <si> (and its text) from the tree


# --- cells -----------------------------------------------------------------------------------------


def _column_index(ref: str, cache: dict[str, int]) -> int:
    letters = ref.rstrip("0123456789")
    col = cache.get(letters)
    if col is None:
        col = 0
        for ch in letters.upper():
            if not "A" <= ch <= "Z":
                return -1
            col = col * 26 + ord(ch) - 64
        col -= 1
        cache[letters] = col
    return col


def serial_to_value(value: float, kind: str, date1904: bool) -> Any:
    """A number in a date/duration-formatted cell as the Python value calamine gives.

    Method (calamine + python-calamine): milliseconds rounded; serial days from 1899-12-30 with the
    1900 leap-year bug (a serial under 60 is one day later) or from 1904-01-01; a duration is a
    ``timedelta``; a serial under 1 is a ``time``, an integral one a ``date``, otherwise a
    ``datetime``; a serial outside Python's dates stays the number.
    """
    if kind == "timedelta":
        try:
            return timedelta(milliseconds=round(value * _MS_PER_DAY))
        except (OverflowError, ValueError):
            return value
    days = value + _DAYS_1900_TO_1904 if date1904 else value
    if days < 60:
        days += 1
    try:
        ms = round(days * _MS_PER_DAY)
        if value < 1:
            ms %= _MS_PER_DAY
            return (datetime.min + timedelta(milliseconds=ms)).time()
        stamp = _EPOCH + timedelta(milliseconds=ms)
    except (OverflowError, ValueError):
        return value
    if value == int(value):
        return stamp.date()
    return stamp


def _iso_value(text: str) -> Any:
    for parse in (date.fromisoformat, datetime.fromisoformat, time.fromisoformat):
        try:
            return parse(text)
        except ValueError:
            continue
    return text


@dataclass
class _Context:
    name: str
    shared: SharedStrings
    kinds: list[str | None]
    date1904: bool
    cell_text: Callable[[Any], str]


class _CellError(Exception):
    """A cell the calamine path would also refuse; turned into an IngestError naming the row."""


def _number(text: str, strict: bool) -> float | str:
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not _NUMBER_RE.fullmatch(text):
        if strict:
            raise _CellError(f"not a number: {text[:40]!r}")
        return text  # calamine keeps an unparsable untyped value as text
    return value


def _cell(c: ET.Element, ctx: _Context, tags: tuple[str, str, str, str]) -> tuple[str, bool]:
    """``(text, used)`` of one ``<c>``; ``used`` says whether calamine counts the cell as holding a value."""
    v_tag, is_tag, t_tag, r_tag = tags
    kind = c.get("t", "n")
    if kind == "inlineStr":
        el = c.find(is_tag)
        if el is None:
            return "", False
        return _rich_text(el, t_tag, r_tag), True
    v = c.find(v_tag)
    if v is None:
        return "", False
    text = v.text or ""
    if kind == "s":
        try:
            index = int(text)
            if index < 0:
                raise IndexError
            return ctx.shared[index], True
        except (ValueError, IndexError):
            raise _CellError(f"shared string index {text[:20]!r} not in the shared strings table") from None
    if kind == "n":
        if not text:
            return "", False
        number = _number(text, strict="t" in c.attrib)
        if isinstance(number, str):
            return number, True
        style = c.get("s")
        if style is not None and ctx.kinds:
            try:
                date_kind = ctx.kinds[int(style)]
            except (ValueError, IndexError):
                date_kind = None
            if date_kind is not None:
                return ctx.cell_text(serial_to_value(number, date_kind, ctx.date1904)), True
        return ctx.cell_text(number), True
    if kind == "str":
        return _unescape(text), True
    if kind == "b":
        if text in ("1", "true"):
            return "TRUE", True
        if text in ("0", "false"):
            return "FALSE", True
        raise _CellError(f"unrecognised boolean {text[:20]!r}")
    if kind == "e":
        return "", True
    if kind == "d":
        return ctx.cell_text(_iso_value(text)), True
    raise _CellError(f"unknown cell type t={kind[:20]!r}")


def _row_fields(
    row: ET.Element, line: int, ctx: _Context, tags: tuple[str, str, str, str], c_tag: str, columns: dict[str, int]
) -> list[str] | None:
    """The fields of one ``<row>`` placed by column, trailing empties dropped; ``None`` if no cell is used.

    The common cells (an inline string of one ``<t>``, a shared string, a plain number) are read
    here directly; every other kind goes through :func:`_cell`.
    """
    name = ctx.name
    is_tag, t_tag = tags[1], tags[2]
    v_tag = tags[0]
    shared = ctx.shared
    fields: list[str] = []
    used = False
    col = -1
    for c in row:
        if c.tag != c_tag:
            continue
        cref = c.get("r")
        if cref is None:
            col += 1
        else:
            col = columns.get(cref.rstrip("0123456789"), -1)
            if col < 0:
                col = _column_index(cref, columns)
                if not 0 <= col < MAX_COLUMNS:
                    raise IngestError(
                        f"{name}, row {line}: unreadable XLSX worksheet: cell reference {cref[:20]!r}",
                        file=name,
                        line=line,
                    )
        if col >= MAX_COLUMNS:
            raise IngestError(f"{name}, row {line}: unreadable XLSX worksheet: too many cells", file=name, line=line)
        kind = c.get("t")
        text = None
        if kind == "inlineStr":
            el = c.find(is_tag)
            if el is not None and len(el) == 1:
                t = el[0]
                if t.tag == t_tag and not t.attrib:
                    text = (t.text or "").strip(_XML_WS)
                    if "_x" in text:
                        text = _unescape(text)
        elif kind == "s":
            v = c.find(v_tag)
            if v is not None:
                try:
                    index = int(v.text or "")
                    text = shared[index] if index >= 0 else None
                except (ValueError, IndexError):
                    text = None
        elif kind is None and c.get("s") is None:
            v = c.find(v_tag)
            raw = v.text if v is not None else None
            if raw:
                try:
                    text = ctx.cell_text(float(raw)) if _NUMBER_RE.fullmatch(raw) else None
                except ValueError:
                    text = None
        if text is None:
            try:
                text, cell_used = _cell(c, ctx, tags)
            except _CellError as exc:
                raise IngestError(f"{name}, row {line}: unreadable XLSX cell: {exc}", file=name, line=line) from None
            if not cell_used:
                continue
        if len(text) > MAX_CELL_CHARS:
            raise IngestError(
                f"{name}, row {line}: refused: a cell of {len(text):,} characters (limit {MAX_CELL_CHARS:,})",
                file=name,
                line=line,
            )
        used = True
        width = len(fields)
        if col == width:
            fields.append(text)
        else:
            if col > width:
                fields.extend([""] * (col + 1 - width))
            fields[col] = text
    if not used:
        return None
    while fields and fields[-1] == "":
        fields.pop()
    return fields


def iter_sheet_rows(
    zf: zipfile.ZipFile,
    part: str,
    shared: SharedStrings,
    kinds: list[str | None],
    date1904: bool,
    name: str,
    cell_text: Callable[[Any], str],
) -> Iterator[tuple[int, list[str]]]:
    """``(sheet row, fields)`` of one worksheet part, streamed; see the module docstring.

    Method: only ``start`` events are asked for; a row is complete when the next one starts (or
    the sheet ends), is turned into text and removed from ``<sheetData>``, so the parser's tree
    never holds more than the rows of the current 1 MB chunk.
    """
    ctx = _Context(name, shared, kinds, date1904, cell_text)
    columns: dict[str, int] = {}
    state = {"emitted": 0, "next": 1}
    tags: tuple[str, str, str, str] = ("", "", "", "")
    row_tag = c_tag = sheet_data_tag = ""
    sheet_data: ET.Element | None = None
    pending: ET.Element | None = None
    pending_fed = 0

    def finish(row: ET.Element, ready: list[tuple[int, int, list[str]]]) -> None:
        """Queue ``(first gap row, sheet row, fields)`` for a used row; the gap rows are yielded empty."""
        ref = row.get("r")
        line = state["next"]
        if ref is not None:
            try:
                line = int(ref)
            except ValueError:
                raise IngestError(f"{name}: unreadable XLSX worksheet: row number {ref[:20]!r}", file=name) from None
        if line < state["next"] or line > MAX_ROWS:
            raise IngestError(
                f"{name}, row {line}: unreadable XLSX worksheet: row {line} out of order or out of range"
                f" (after row {state['emitted']})",
                file=name,
                line=line,
            )
        state["next"] = line + 1
        fields = _row_fields(row, line, ctx, tags, c_tag, columns)
        if fields is not None:  # calamine yields an empty row only before a later used one
            ready.append((state["emitted"] + 1, line, fields))
            state["emitted"] = line

    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=cast(Any, ("start",)))
    fed = quiet_since = 0
    with zf.open(part) as stream:
        while True:
            ready: list[tuple[int, int, list[str]]] = []
            # the cyclic GC is paused while a chunk is parsed and turned into text (it otherwise
            # takes half the time: the parser allocates ~50 tracked elements a row, none in a cycle)
            # and restored before the rows are handed to the caller (whose state it is: the reader
            # pauses it too while it builds a chunk)
            gc_was_enabled = gc.isenabled()
            gc.disable()
            try:
                chunk = stream.read(_CHUNK)
                if chunk:
                    parser.feed(chunk)
                else:
                    parser.close()
                fed += len(chunk)
                for _event, el in _events(parser):
                    quiet_since = fed
                    if el.tag == row_tag:
                        if sheet_data is None:
                            raise IngestError(
                                f"{name}: unreadable XLSX worksheet: a row outside <sheetData>", file=name
                            )
                        if pending is not None:
                            finish(pending, ready)
                            del sheet_data[0]  # the finished row: the tree keeps only rows not yet read
                        pending, pending_fed = el, fed
                    elif sheet_data is None:
                        if not row_tag:  # the root element: learn its namespace
                            ns = el.tag[: el.tag.index("}") + 1] if el.tag.startswith("{") else ""
                            row_tag, c_tag, sheet_data_tag = ns + "row", ns + "c", ns + "sheetData"
                            tags = (ns + "v", ns + "is", ns + "t", ns + "r")
                        elif el.tag == sheet_data_tag:
                            sheet_data = el
                if not chunk and pending is not None:
                    finish(pending, ready)
            except ET.ParseError as exc:  # the pull parser reports it from read_events (or close)
                started = pending.get("r") if pending is not None else None
                where = f", in or after row {started}" if started else ""
                raise IngestError(f"{name}{where}: unreadable XLSX worksheet: {exc}", file=name) from None
            finally:
                if gc_was_enabled:
                    gc.enable()
            for first_gap, line, fields in ready:
                for gap in range(first_gap, line):
                    yield gap, []
                yield line, fields
            if not chunk:
                break
            # one row (or one text node anywhere) this big: refuse before holding any more of it
            if (pending is not None and fed - pending_fed > MAX_ROW_XML) or fed - quiet_since > MAX_ROW_XML:
                line = state["next"]
                raise IngestError(
                    f"{name}, row {line}: refused: unreadable XLSX worksheet: over {MAX_ROW_XML >> 20} MB of XML"
                    " in one row",
                    file=name,
                    line=line,
                )
