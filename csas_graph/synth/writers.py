"""File writers: CSV (optionally with a preamble, BOM or CRLF) and a deterministic XLSX.

Same input, same bytes: CSVs are written by pandas from text frames, and the XLSX is re-zipped
with fixed timestamps because openpyxl stamps the current time into the package.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd

CHUNK = 200_000


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
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        for line in preamble or []:
            fh.write(line + eol)
        fh.write(_csv_line(list(text.columns), eol))
        for start in range(0, len(text), CHUNK):
            text.iloc[start : start + CHUNK].to_csv(fh, header=False, index=False, lineterminator=eol)
        for row in trailer or []:
            fh.write(_csv_line(row, eol))


def _csv_line(fields: list[str], eol: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=eol).writerow(fields)
    return buf.getvalue()


FIXED_TIME = datetime(2024, 11, 12, 9, 0, 0)


def write_xlsx(path: Path, sheets: list[tuple[str, pd.DataFrame]]) -> None:
    """A workbook with one sheet per (name, text frame), every cell a string."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "csas synth"
    for name, frame in sheets:
        ws = wb.create_sheet(name)
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False, name=None):
            ws.append(list(row))
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    _rezip(tmp, path)
    tmp.unlink()


def _rezip(src: Path, dst: Path) -> None:
    """Copy a zip with every entry's timestamp fixed, so the bytes depend only on the content."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = _fixed_core(data)
            info = zipfile.ZipInfo(item.filename, date_time=(2024, 11, 12, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, data)


def _fixed_core(data: bytes) -> bytes:
    import re

    return re.sub(rb"<dcterms:(created|modified)([^>]*)>[^<]*<", rb"<dcterms:\1\2>2024-11-12T09:00:00Z<", data)
