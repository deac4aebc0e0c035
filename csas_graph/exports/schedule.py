"""Schedules of events as CSV and XLSX, with provenance columns.

One row per event (a call, a cell sighting, an ANPR read) in time order, with its UTC time, the
case's local time, the parties, cells, device ids and where it came from: the source file name,
its SHA-256 and the row, plus every source of a merged duplicate. Defence experts need native
spreadsheets (anchors §3.4); identifiers are written as text so a spreadsheet never turns a
number or IMEI into ``4.4770E+11``.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from csas_graph.exhibits.content import STANDARD_LIMITATIONS
from csas_graph.exports.data import CaseData, ExportParams

COLUMNS = (
    "event_id",
    "event",
    "type",
    "time_utc",
    "time_local",
    "duration_s",
    "from",
    "to",
    "direction",
    "cell_role",
    "time_basis",
    "first_cell",
    "last_cell",
    "imei",
    "imsi",
    "source_file",
    "source_sha256",
    "source_row",
    "all_sources",
)
SOURCE_COLUMNS = (
    "file_name",
    "sha256",
    "kind",
    "template_id",
    "template_version",
    "rows_read",
    "rows_loaded",
    "rows_merged",
    "rows_rejected",
    "imported_by",
    "imported_at",
)
_EVENT_NAMES = {"CALLED": "call", "SEEN_AT": "cell sighting", "READ_AT": "ANPR read"}


def schedule_rows(data: CaseData, timezone: str) -> list[dict[str, Any]]:
    zone = ZoneInfo(timezone)
    rows = []
    for e in data.events:
        when = e.get("start") or e.get("t")
        rows.append(
            {
                "event_id": e.get("event_id"),
                "event": _EVENT_NAMES.get(e["rel"], e["rel"]),
                "type": e.get("type"),
                "time_utc": when,
                "time_local": _local(when, zone),
                "duration_s": e.get("duration_s"),
                "from": e["source"].split(":", 1)[1],
                "to": e["target"].split(":", 1)[1],
                "direction": e.get("direction"),
                "cell_role": e.get("role"),
                "time_basis": e.get("time_basis"),
                "first_cell": e.get("first_cell"),
                "last_cell": e.get("last_cell"),
                "imei": e.get("imei"),
                "imsi": e.get("imsi"),
                "source_file": data.source_name(e.get("src_sha256")),
                "source_sha256": e.get("src_sha256"),
                "source_row": e.get("src_row"),
                "all_sources": "; ".join(e.get("sources") or []),
            }
        )
    return rows


def export_csv(data: CaseData, timezone: str) -> tuple[bytes, int]:
    rows = schedule_rows(data, timezone)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue().encode("utf-8"), len(rows)


def export_xlsx(data: CaseData, params: ExportParams, timezone: str) -> tuple[bytes, int]:
    rows = schedule_rows(data, timezone)
    # write-only mode streams rows to the file: several times faster and flat in memory
    book = Workbook(write_only=True)
    events = book.create_sheet("Events")
    _sheet(events, COLUMNS, ([row[c] for c in COLUMNS] for row in rows))
    sources = book.create_sheet("Sources")
    _sheet(sources, SOURCE_COLUMNS, ([f.get(c) for c in SOURCE_COLUMNS] for f in data.sources.values()))
    notes = book.create_sheet("Notes")
    notes.append(["CSAS-graph schedule of events", data.case_id])
    notes.append(["Times", f"time_utc is UTC; time_local is {timezone}"])
    notes.append(["Window", f"since {params.since or 'the first event'} until {params.until or 'the last event'}"])
    for text in STANDARD_LIMITATIONS:
        notes.append(["Limitation", text])
    book.properties.creator = "CSAS-graph"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), len(rows)


def _sheet(sheet: Any, header: tuple[str, ...], rows: Any) -> None:
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    titles = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        titles.append(cell)
    sheet.append(titles)
    for values in rows:
        # identifiers as text: a number, IMEI or IMSI must never become a float
        sheet.append([v if isinstance(v, int) and not isinstance(v, bool) else _text(v) for v in values])


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def _local(when: str | None, zone: ZoneInfo) -> str | None:
    if not when:
        return None
    try:
        moment = datetime.fromisoformat(str(when).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(zone).isoformat()
