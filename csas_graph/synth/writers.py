"""File writers: CSV (optionally with a preamble, BOM or CRLF) and a deterministic XLSX.

Same input, same bytes: nothing here reads the clock. CSV bodies go through Arrow's CSV writer
with quoting off, which refuses any value containing a delimiter, quote or line break (the
generator never writes one in a data row). Columns are dictionary-encoded first (few distinct
values per column), which keeps a million-row file to a few seconds. The XLSX is written directly
as SpreadsheetML with inline strings and fixed zip timestamps.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

CHUNK = 250_000


def _arrow_column(values: np.ndarray | pd.Series) -> pa.Array:
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    dictionary = pa.array([str(u) for u in uniques], type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), dictionary).cast(pa.string())


def write_csv(
    path: Path,
    text: pd.DataFrame,
    preamble: list[str] | None = None,
    trailer: list[list[str]] | None = None,
    bom: bool = False,
    crlf: bool = False,
) -> None:
    """Write a text frame (header + rows) with optional preamble lines and trailing rows."""
    eol = "\r\n" if crlf else "\n"
    opts = pacsv.WriteOptions(include_header=False, quoting_style="none", eol=eol)
    with open(path, "wb") as fh:
        head = "".join(line + eol for line in preamble or []) + _csv_line(list(text.columns), eol)
        fh.write(("\ufeff" if bom else "").encode("utf-8") + head.encode("utf-8"))
        for start in range(0, len(text), CHUNK):
            part = text.iloc[start : start + CHUNK]
            table = pa.table({str(i): _arrow_column(part[c].to_numpy()) for i, c in enumerate(text.columns)})
            pacsv.write_csv(table, fh, opts)
        for row in trailer or []:
            fh.write(_csv_line(row, eol).encode("utf-8"))


class CsvSink:
    """A CSV written in pieces: preamble and header first, then text frames, then trailing rows."""

    def __init__(
        self, path: Path, columns: list[str], preamble: list[str] | None = None, bom: bool = False, crlf: bool = False
    ) -> None:
        self.eol = "\r\n" if crlf else "\n"
        self.columns = columns
        self.fh = open(path, "wb")  # noqa: SIM115 - closed in close()
        head = "".join(line + self.eol for line in preamble or []) + _csv_line(columns, self.eol)
        self.fh.write(("\ufeff" if bom else "").encode("utf-8") + head.encode("utf-8"))
        self.opts = pacsv.WriteOptions(include_header=False, quoting_style="none", eol=self.eol)

    def write(self, text: pd.DataFrame) -> None:
        if len(text):
            table = pa.table({str(i): _arrow_column(text[c].to_numpy()) for i, c in enumerate(self.columns)})
            pacsv.write_csv(table, self.fh, self.opts)

    def close(self, trailer: list[list[str]] | None = None) -> None:
        for row in trailer or []:
            self.fh.write(_csv_line(row, self.eol).encode("utf-8"))
        self.fh.close()


def _csv_line(fields: list[str], eol: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=eol).writerow(fields)
    return buf.getvalue()


# --- XLSX -------------------------------------------------------------------------------------

_ZIP_TIME = (2024, 11, 12, 9, 0, 0)
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
    ' Target="xl/workbook.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _col_letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _escape(values: np.ndarray) -> np.ndarray:
    s = pd.Series(values, dtype=object)
    if s.str.contains(r"[&<>]", regex=True).any():
        s = s.str.replace("&", "&amp;").str.replace("<", "&lt;").str.replace(">", "&gt;")
    return s.to_numpy(dtype=object)


_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"


def _rows_xml(columns: list[str], frame: pd.DataFrame | None, first_row: int, header: bool = False) -> bytes:
    """``<row>`` elements for the header (``header=True``) or a text frame starting at sheet row
    ``first_row``; every cell an inline string with its reference."""
    refs = [_col_letter(i) for i in range(len(columns))]
    tpl = (
        '<row r="{0}">'
        + "".join(f'<c r="{ref}{{0}}" t="inlineStr"><is><t>{{{i + 1}}}</t></is></c>' for i, ref in enumerate(refs))
        + "</row>"
    )
    if header or frame is None:
        cols = [_escape(np.array([str(c) for c in columns], dtype=object))]
        return tpl.format(first_row, *cols[0]).encode("utf-8")
    values = [_escape(frame[c].to_numpy(dtype=object)) for c in columns]
    body = [tpl.format(r, *vals) for r, vals in enumerate(zip(*values, strict=True), start=first_row)]
    return "".join(body).encode("utf-8")


def _sheet_xml(frame: pd.DataFrame) -> bytes:
    cols = [str(c) for c in frame.columns]
    return (
        _SHEET_HEAD.encode() + _rows_xml(cols, None, 1, header=True) + _rows_xml(cols, frame, 2) + _SHEET_TAIL.encode()
    )


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    for attr in ("_compresslevel", "compress_level"):  # the name changed in Python 3.13
        if hasattr(info, attr):
            setattr(info, attr, 1)
    return info


class XlsxSink:
    """A workbook whose last sheet is streamed in pieces (earlier sheets are small frames)."""

    def __init__(self, path: Path, before: list[tuple[str, pd.DataFrame]], name: str, columns: list[str]) -> None:
        names = [n for n, _ in before] + [name]
        self.zf = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        for part, data in _package_parts(names):
            self.zf.writestr(_zip_info(part), data, compresslevel=1)
        for k, (_, frame) in enumerate(before):
            self.zf.writestr(_zip_info(f"xl/worksheets/sheet{k + 1}.xml"), _sheet_xml(frame), compresslevel=1)
        self.stream = self.zf.open(_zip_info(f"xl/worksheets/sheet{len(names)}.xml"), "w", force_zip64=True)
        self.columns = columns
        self.stream.write(_SHEET_HEAD.encode() + _rows_xml(columns, None, 1, header=True))
        self.next_row = 2

    def write(self, text: pd.DataFrame) -> None:
        if len(text):
            self.stream.write(_rows_xml(self.columns, text, self.next_row))
            self.next_row += len(text)

    def close(self, trailer: list[list[str]] | None = None) -> None:
        for row in trailer or []:
            self.write(pd.DataFrame([row], columns=self.columns, dtype=object))
        self.stream.write(_SHEET_TAIL.encode())
        self.stream.close()
        self.zf.close()


def _package_parts(names: list[str]) -> list[tuple[str, bytes]]:
    """Content types, relationships, workbook and styles of a workbook with these sheets."""
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        + "".join(f'<sheet name="{nm}" sheetId="{k + 1}" r:id="rId{k + 1}"/>' for k, nm in enumerate(names))
        + "</sheets></workbook>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{k + 1}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{k + 1}.xml"/>'
            for k in range(len(names))
        )
        + f'<Relationship Id="rId{len(names) + 1}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        "</Relationships>"
    )
    types = _CONTENT_TYPES.format(sheets="".join(_SHEET_TYPE.format(n=k + 1) for k in range(len(names))))
    return [
        ("[Content_Types].xml", types.encode()),
        ("_rels/.rels", _ROOT_RELS.encode()),
        ("xl/workbook.xml", workbook.encode()),
        ("xl/_rels/workbook.xml.rels", rels.encode()),
        ("xl/styles.xml", _STYLES.encode()),
    ]


def write_xlsx(path: Path, sheets: list[tuple[str, pd.DataFrame]]) -> None:
    """A workbook with one sheet per (name, text frame), every cell an inline string."""
    name, last = sheets[-1]
    sink = XlsxSink(path, sheets[:-1], name, [str(c) for c in last.columns])
    sink.write(last)
    sink.close()
