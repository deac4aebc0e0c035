"""The streaming XLSX reader against calamine: the same rows, the same line numbers, flat memory.

A sheet whose XML is over ``XLSX_STREAM_THRESHOLD`` is streamed; the tests force either path by
moving the threshold and require identical ``(line, fields)`` and identical reconciliation reports,
because the line number is evidence (every result traces to its source file and row).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import ingest
from csas_graph.errors import IngestError
from ingest import source, xlsx_stream

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _rows(path: Path, *, streamed: bool, sheet: str | None = None) -> list[tuple[int, list[str]]]:
    info = source.scan_file(path)
    old = source.XLSX_STREAM_THRESHOLD
    source.XLSX_STREAM_THRESHOLD = 0 if streamed else 1 << 60
    try:
        src = source.XlsxSource(info, sheet)
        assert src.streamed() is streamed
        return list(src.rows())
    finally:
        source.XLSX_STREAM_THRESHOLD = old


def _workbook(
    path: Path,
    sheet_xml: str,
    *,
    shared: list[str] | None = None,
    styles: str | None = None,
    date1904: bool = False,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """A one-sheet workbook from raw ``<sheetData>`` content (the sheet named ``Data``)."""
    rels = [f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>']
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument"'
        ' Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{NS}" xmlns:r="{REL}">'
        + ('<workbookPr date1904="1"/>' if date1904 else "")
        + '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{NS}"><sheetData>{sheet_xml}</sheetData></worksheet>',
    }
    if shared is not None:
        rels.append(f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{NS}">' + "".join(shared) + "</sst>"
    if styles is not None:
        rels.append(f'<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/>')
        parts["xl/styles.xml"] = f'<styleSheet xmlns="{NS}">{styles}</styleSheet>'
    parts["xl/_rels/workbook.xml.rels"] = f'<Relationships xmlns="{PKG}">' + "".join(rels) + "</Relationships>"
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return path


# --- (a) the synthetic ADM workbook ----------------------------------------------------------------


@pytest.fixture(scope="module")
def adm_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from csas_graph.synth.generate import generate

    out = tmp_path_factory.mktemp("adm")
    generate(out, seed=11, rows=3000, layouts=["b", "cells"])
    return out / "b_ho_adm_telephony.xlsx"


def test_adm_workbook_reads_identically_on_both_paths(adm_workbook: Path) -> None:
    info = source.scan_file(adm_workbook)
    names = source.XlsxSource.sheet_names(info)
    assert "Telephony" in names
    for sheet in names:
        via_calamine = _rows(adm_workbook, streamed=False, sheet=sheet)
        via_stream = _rows(adm_workbook, streamed=True, sheet=sheet)
        assert len(via_stream) == len(via_calamine) > 1
        assert via_stream == via_calamine, sheet
    # the sheet row is the line: the header is row 1 and rows are numbered without gaps
    telephony = _rows(adm_workbook, streamed=True, sheet="Telephony")
    assert [line for line, _ in telephony] == list(range(1, len(telephony) + 1))


def test_sheet_names_match_calamine(adm_workbook: Path) -> None:
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(adm_workbook))
    try:
        assert source.XlsxSource.sheet_names(source.scan_file(adm_workbook)) == list(wb.sheet_names)
    finally:
        wb.close()


# --- (b) gaps, types and styles --------------------------------------------------------------------

STYLES = (
    '<numFmts><numFmt numFmtId="164" formatCode="dd/mm/yyyy\\ hh:mm:ss"/>'
    '<numFmt numFmtId="165" formatCode="[h]:mm:ss"/><numFmt numFmtId="166" formatCode="0.00"/>'
    '<numFmt numFmtId="167" formatCode="&quot;day&quot;0;@"/></numFmts>'
    '<cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="166"/>'
    '<xf numFmtId="14"/><xf numFmtId="21"/><xf numFmtId="167"/></cellXfs>'
)
SHARED = [
    "<si><t>MSISDN</t></si>",
    "<si><t>IMEI</t></si>",
    '<si><r><t>Rich</t></r><r><rPr/><t xml:space="preserve"> text </t></r><rPh><t>PH</t></rPh></si>',
    "<si><t></t></si>",
    "<si><t>  trimmed\t</t></si>",
    "<si><t>line_x000D_break</t></si>",
    "<si><t>caf\u00e9 \u2603</t></si>",
]
GAPS_SHEET = (
    # row 1 and 2 absent: the header is on sheet row 3, starting in column B
    '<row r="3"><c r="B3" t="s"><v>0</v></c><c r="C3" t="s"><v>1</v></c><c r="E3" t="s"><v>2</v></c></row>'
    # a skipped column (D), booleans, a long-digit number stored as a float, an inline string
    '<row r="4"><c r="B4" t="inlineStr"><is><t>07700900123</t></is></c><c r="C4"><v>3.53456789012345E+15</v></c>'
    '<c r="E4" t="b"><v>1</v></c><c r="F4" t="b"><v>0</v></c><c r="G4"><v>353456789012345</v></c></row>'
    # skipped rows 5-6; dates and times by style: custom datetime, builtin date, builtin time, duration
    '<row r="7"><c r="B7" s="1"><v>45352.52089120371</v></c><c r="C7" s="4"><v>45352</v></c>'
    '<c r="D7" s="5"><v>0.25</v></c><c r="E7" s="2"><v>1.5</v></c><c r="F7" s="3"><v>2.50</v></c>'
    '<c r="G7" s="6"><v>7</v></c><c r="H7" t="d"><v>2024-03-01T12:30:05</v></c></row>'
    # cells without a reference follow on; errors, formula strings, empty values, escapes
    '<row r="8"><c><v>1</v></c><c><v>2.5</v></c><c r="E8" t="e"><v>#N/A</v></c><c t="str"><f>A1</f>'
    '<v>f_x0041_</v></c><c/><c r="H8"><v></v></c><c r="I8" t="s"><v>3</v></c></row>'
    # a row without a number follows the previous one; shared strings with trimming and escapes
    '<row><c r="B9" t="s"><v>4</v></c><c r="C9" t="s"><v>5</v></c><c r="D9" t="s"><v>6</v></c>'
    '<c r="E9"><v>-0.5</v></c><c r="F9"><v>1E+20</v></c><c r="G9"><v>123.0</v></c></row>'
    # an empty styled row, then a last row far down
    '<row r="10"><c r="B10" s="3"/></row>'
    '<row r="40"><c r="AA40" t="inlineStr"><is><t xml:space="preserve">  far  </t></is></c></row>'
    # trailing rows with no value are not rows calamine gives
    '<row r="41"><c r="A41" s="1"/></row>'
)


@pytest.mark.parametrize("date1904", [False, True])
def test_gaps_types_and_dates_read_identically(tmp_path: Path, date1904: bool) -> None:
    path = _workbook(tmp_path / "gaps.xlsx", GAPS_SHEET, shared=SHARED, styles=STYLES, date1904=date1904)
    via_calamine = _rows(path, streamed=False)
    via_stream = _rows(path, streamed=True)
    assert via_stream == via_calamine
    rows = dict(via_stream)
    assert list(rows) == list(range(1, 41))  # rows 1, 2, 5, 6, 11-39 yielded empty; none after 40
    assert rows[3] == ["", "MSISDN", "IMEI", "", "Rich text "]  # column positions from A kept
    assert rows[4] == ["", "07700900123", "3534567890123450.0", "", "TRUE", "FALSE", "353456789012345"]
    if not date1904:
        assert rows[7][1:4] == ["2024-03-01 12:30:05", "2024-03-01", "06:00:00"]
    assert rows[7][4:8] == ["1 day, 12:00:00", "2.5", "7", "2024-03-01 12:30:05"]
    assert rows[8] == ["1", "2.5", "", "", "", "fA"]  # E is the error, F follows it
    assert rows[9][1:] == ["trimmed", "line\rbreak", "caf\u00e9 \u2603", "-0.5", "1e+20", "123"]
    assert rows[40] == [""] * 26 + ["  far  "]


def test_openpyxl_workbook_reads_identically(tmp_path: Path) -> None:
    """A workbook as a spreadsheet program writes it (styles, dates, booleans, numbers)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Number", "When", "Flag", "IMSI", "Duration", "Day", "Time"])
    for i in range(50):
        ws.append(
            [
                f"0770090{i:04d}",
                dt.datetime(2024, 3, 1, 12, 30, 5) + dt.timedelta(minutes=7 * i, milliseconds=i),
                i % 2 == 0,
                234150000000000 + i if i % 3 else 2.3415e14 + i / 10,
                dt.timedelta(seconds=61 * i),
                dt.date(2024, 3, 1) + dt.timedelta(days=i),
                dt.time(i % 24, i),
            ]
        )
    ws["J60"] = "after a gap"
    path = tmp_path / "openpyxl.xlsx"
    wb.save(path)
    via_stream = _rows(path, streamed=True)
    assert via_stream == _rows(path, streamed=False)
    assert len(via_stream) == 60


# --- (c) the importer round trip -------------------------------------------------------------------


def test_ingest_read_gives_the_same_report_on_both_paths(adm_workbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "XLSX_STREAM_THRESHOLD", 1 << 60)
    via_calamine = ingest.read(adm_workbook)
    monkeypatch.setattr(source, "XLSX_STREAM_THRESHOLD", 0)
    via_stream = ingest.read(adm_workbook)
    assert via_stream.template_id == via_calamine.template_id == "ho_adm_telephony"
    assert dataclasses.asdict(via_stream.report) == dataclasses.asdict(via_calamine.report)
    assert via_stream.report.rows_read > 500
    pd.testing.assert_frame_equal(via_stream.frame, via_calamine.frame)


def test_a_big_sheet_is_streamed_not_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sheet = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>MSISDN</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Name</t></is></c></row>'
    )
    sheet += "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>077009{r:05d}</t></is></c>'
        f'<c r="B{r}" t="inlineStr"><is><t>Person {r}</t></is></c></row>'
        for r in range(2, 2002)
    )
    path = _workbook(tmp_path / "subscribers.xlsx", sheet)
    monkeypatch.setattr(source, "XLSX_STREAM_THRESHOLD", 32 << 10)  # the sheet is ~150 KB
    src = source.XlsxSource(source.scan_file(path), None)
    assert src.streamed()
    result = ingest.read(path, kind="subscribers")
    assert result.report.rows_read == 2000
    assert result.frame["row"].tolist() == list(range(2, 2002))


# --- (d) memory stays flat -------------------------------------------------------------------------


def _numbers_workbook(path: Path, rows: int) -> Path:
    """An ADM-like sheet: shared strings for the repeated values, numbers, inline strings, dates."""
    header = "".join(f'<c r="{c}1" t="s"><v>{i}</v></c>' for i, c in enumerate("ABCDEFGH"))
    body = "".join(
        f'<row r="{r}"><c r="A{r}" t="s"><v>{8 + r % 3}</v></c><c r="B{r}" s="1"><v>{45352 + r / 1000}</v></c>'
        f'<c r="C{r}" t="inlineStr"><is><t>+4477009{r:05d}</t></is></c><c r="D{r}"><v>{353456789012345 + r}</v></c>'
        f'<c r="E{r}"><v>{51.5 + r / 1e6}</v></c><c r="F{r}"><v>{-0.15 - r / 1e6}</v></c>'
        f'<c r="G{r}"><v>{r % 600}</v></c>'
        f'<c r="H{r}" t="s"><v>{11 + r % 2}</v></c></row>'
        for r in range(2, rows + 2)
    )
    shared = [f"<si><t>{t}</t></si>" for t in ("Event", "Start", "Number", "IMEI", "Lat", "Lon", "Dur", "Dir")]
    shared += [f"<si><t>{t}</t></si>" for t in ("Voice Call", "SMS", "Data", "MO", "MT")]
    styles = '<numFmts><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    styles += '<cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs>'
    return _workbook(path, header + body, shared=shared, styles=styles)


def _streaming_peak(path: Path) -> tuple[int, int]:
    info = source.scan_file(path)
    with zipfile.ZipFile(path) as zf:
        parts = xlsx_stream.workbook_parts(zf, path.name)
        kinds = xlsx_stream.style_kinds(zf, parts.styles, path.name)
        shared = xlsx_stream.read_shared_strings(zf, parts.shared_strings, path.name)
        tracemalloc.start()
        try:
            count = 0
            for _line, _fields in xlsx_stream.iter_sheet_rows(
                zf, parts.sheets[0].part, shared, kinds, parts.date1904, info.path.name, source._xlsx_cell_text
            ):
                count += 1
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return count, peak


def test_streaming_memory_does_not_grow_with_rows(tmp_path: Path) -> None:
    small = _numbers_workbook(tmp_path / "small.xlsx", 6_000)
    large = _numbers_workbook(tmp_path / "large.xlsx", 24_000)
    with zipfile.ZipFile(large) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size > 6 * xlsx_stream._CHUNK  # many chunks
    n_small, peak_small = _streaming_peak(small)
    n_large, peak_large = _streaming_peak(large)
    assert (n_small, n_large) == (6_001, 24_001)
    # 4x the rows: a reader holding the sheet would need ~4x; a streaming one about the same
    assert peak_large < 1.5 * peak_small, (peak_small, peak_large)
    assert peak_large < 32 << 20


# --- (e) bombs and bad input -----------------------------------------------------------------------


def test_a_ratio_bomb_is_still_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # valid, highly repetitive sheet XML: 24 MB expanding >200x from the zip; over the streaming
    # threshold here, so the refusal comes from the ratio, not the size
    row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    path = _workbook(tmp_path / "bomb.xlsx", row * ((24 << 20) // len(row)))
    monkeypatch.setattr(source, "XLSX_STREAM_THRESHOLD", 1 << 20)
    with pytest.raises(IngestError, match="possible zip bomb") as exc:
        ingest.read(path)
    assert "bomb.xlsx" in str(exc.value) and "expands" in str(exc.value)


def test_the_absolute_ceiling_is_still_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _numbers_workbook(tmp_path / "big.xlsx", 2_000)
    monkeypatch.setattr(source, "XLSX_MAX_UNCOMPRESSED", 64 << 10)
    with pytest.raises(IngestError, match="possible zip bomb"):
        ingest.read(path)


def test_an_oversized_cell_is_refused_naming_the_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sheet = '<row r="1"><c r="A1" t="inlineStr"><is><t>MSISDN</t></is></c></row>'
    sheet += '<row r="2"><c r="A2" t="inlineStr"><is><t>07700900123</t></is></c></row>'
    sheet += f'<row r="3"><c r="A3" t="inlineStr"><is><t>{"9" * 5000}</t></is></c></row>'
    path = _workbook(tmp_path / "wide.xlsx", sheet)
    monkeypatch.setattr(xlsx_stream, "MAX_CELL_CHARS", 4096)
    with pytest.raises(IngestError, match=r"wide\.xlsx, row 3: refused: a cell of 5,000 characters"):
        _rows(path, streamed=True)


def test_an_oversized_shared_string_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _workbook(
        tmp_path / "sst.xlsx",
        '<row r="1"><c r="A1" t="s"><v>1</v></c></row>',
        shared=SHARED + ["<si><t>" + "y" * 5000 + "</t></si>"],
    )
    monkeypatch.setattr(xlsx_stream, "MAX_CELL_CHARS", 4096)
    with pytest.raises(IngestError, match=r"sst\.xlsx: refused: shared string 8 has 5,000 characters"):
        _rows(path, streamed=True)


def test_one_huge_element_is_refused_before_it_is_held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sheet = f'<row r="1"><c r="A1" t="inlineStr"><is><t>{"z" * (6 << 20)}</t></is></c></row>'
    path = _workbook(tmp_path / "huge.xlsx", sheet, compression=zipfile.ZIP_STORED)
    monkeypatch.setattr(xlsx_stream, "MAX_ROW_XML", 2 << 20)
    with pytest.raises(IngestError, match=r"huge\.xlsx, row 1: refused: .* over 2 MB of XML in one row"):
        _rows(path, streamed=True)


@pytest.mark.parametrize(
    ("sheet", "fragment"),
    [
        ('<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"', "in or after row 2: unreadable XLSX"),
        ('<row r="1"><c r="A1"><v>1</v></c></row></sheetData><oops>', "in or after row 1: unreadable XLSX"),
        ('<row r="1"><c r="A1" t="s"><v>99</v></c></row>', "row 1: unreadable XLSX cell: shared string index"),
        ('<row r="1"><c r="A1" t="b"><v>2</v></c></row>', "row 1: unreadable XLSX cell: unrecognised boolean"),
        ('<row r="1"><c r="A1" t="n"><v>abc</v></c></row>', "row 1: unreadable XLSX cell: not a number"),
        ('<row r="5"><c r="A5"><v>1</v></c></row><row r="3"><c r="A3"><v>1</v></c></row>', "row 3: unreadable"),
        ('<row r="1"><c r="1A"><v>1</v></c></row>', "row 1: unreadable XLSX worksheet: cell reference"),
    ],
)
def test_corrupt_sheets_name_the_file_and_row(tmp_path: Path, sheet: str, fragment: str) -> None:
    path = _workbook(tmp_path / "bad.xlsx", sheet, shared=SHARED)
    with pytest.raises(IngestError) as exc:
        _rows(path, streamed=True)
    assert "bad.xlsx" in str(exc.value) and fragment in str(exc.value), str(exc.value)


def test_missing_parts_are_named(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "nosheet.xlsx", "")
    with zipfile.ZipFile(path) as zf:
        kept = {n: zf.read(n) for n in zf.namelist() if n != "xl/worksheets/sheet1.xml"}
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in kept.items():
            zf.writestr(name, data)
    with pytest.raises(IngestError, match=r"nosheet\.xlsx: not a readable XLSX workbook: part xl/worksheets/sheet1"):
        _rows(path, streamed=True)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/styles.xml", "<styleSheet/>")
    with pytest.raises(IngestError, match=r"nosheet\.xlsx: not a readable XLSX workbook: part xl/workbook.xml"):
        source.XlsxSource.sheet_names(source.scan_file(path))


def test_format_kind_follows_calamine() -> None:
    assert xlsx_stream.format_kind("dd/mm/yyyy") == "datetime"
    assert xlsx_stream.format_kind("H:MM:SS;@") == "datetime"
    assert xlsx_stream.format_kind("[h]:mm:ss") == "timedelta"
    assert xlsx_stream.format_kind("[Blue]\\+[h]:mm;[Red]\\-[h]:mm") == "timedelta"
    assert xlsx_stream.format_kind('"$"#,##0_);[Red]("$"#,##0)') is None
    assert xlsx_stream.format_kind('#,##0.0####" YMD"') is None
    assert xlsx_stream.format_kind("0.00") is None
    assert xlsx_stream.format_kind("\\Y000000") is None


@pytest.mark.parametrize("enabled", [True, False])
def test_the_gc_state_is_restored(adm_workbook: Path, enabled: bool) -> None:
    import gc

    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        rows = source.XlsxSource(source.scan_file(adm_workbook), "Telephony")._streamed_rows()
        next(rows)
        assert gc.isenabled() is enabled  # between rows the caller's GC state holds
        assert sum(1 for _ in rows) > 500
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
