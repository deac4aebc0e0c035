"""Ingest without a database: every built-in layout, every outcome and flag rule, bad input.

Fixtures are small hand-written files under ``tests/fixtures/ingest/`` whose rows each carry one
known problem, so every assertion names the row (physical line) it is about.
"""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ingest
from csas_graph.errors import IngestError, InvalidInput, ProgrammingError, TemplateError
from ingest.reasons import FLAGS, MERGES, REJECTS
from ingest.result import ReconciliationReport
from ingest.template import builtin_templates, load_template_file

FIX = Path(__file__).parent / "fixtures" / "ingest"


def by_row(result: ingest.ReadResult) -> dict[int, pd.Series]:
    return {int(r["row"]): r for _, r in result.frame.iterrows()}


def copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copy(FIX / name, target)
    return target


def assert_accounted(result: ingest.ReadResult) -> None:
    rep = result.report
    assert rep.rows_read == len(result.frame) == rep.loaded + rep.merged + rep.rejected
    counts = result.frame["outcome"].value_counts().to_dict()
    assert counts.get("loaded", 0) == rep.loaded
    assert counts.get("merged", 0) == rep.merged
    assert counts.get("rejected", 0) == rep.rejected
    assert sum(rep.reasons.values()) == rep.merged + rep.rejected
    assert set(rep.reasons) <= set(REJECTS | MERGES)
    assert set(rep.flags) <= set(FLAGS)
    assert [r["row"] for r in rep.rejected_rows] == result.frame.loc[result.frame.outcome == "rejected", "row"].tolist()
    merged = result.frame[result.frame.outcome == "merged"]
    loaded_ids = (
        set(result.frame.loc[result.frame.outcome == "loaded", "event_id"]) if "event_id" in result.frame else set()
    )
    if "event_id" in merged:
        assert set(merged["event_id"]) <= loaded_ids, "a merged row must point at a loaded event"


# --- layout a: UK CSP call data ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def uk() -> ingest.ReadResult:
    return ingest.read(FIX / "uk_csp_call_data.csv")


def test_uk_layout_detected_past_preamble_with_metadata(uk: ingest.ReadResult) -> None:
    assert uk.template_id == "uk_csp_call_data" and uk.template_version == "1"
    assert uk.kind == "cdr"
    assert uk.report.header_line == 17
    assert uk.report.metadata["URN"] == "IR123456"
    assert uk.report.metadata["Target identity"] == "07700900123"
    assert set(uk.frame["target"]) == {"+447700900123"}
    assert uk.sha256 == uk.report.sha256 and len(uk.sha256) == 64
    assert uk.size == (FIX / "uk_csp_call_data.csv").stat().st_size
    assert_accounted(uk)


def test_uk_values_normalised(uk: ingest.ReadResult) -> None:
    rows = by_row(uk)
    r = rows[18]
    assert r["outcome"] == "loaded"
    assert r["a_key"] == "+447700900123" and r["a_kind"] == "e164"
    assert r["b_key"] == "+447700900456" and r["b_raw"] == "447700900456"
    assert "number_normalised" in r["flags"]
    # 12:00 local in June is 11:00 UTC
    assert r["start_utc"] == pd.Timestamp("2024-06-15 11:00:00", tz="UTC")
    assert r["start_raw"] == "15/06/2024 12:00:00"
    assert r["end_utc"] == pd.Timestamp("2024-06-15 11:01:05", tz="UTC")
    assert r["duration_s"] == 65
    assert r["tz_source"] == "Europe/London" and r["time_basis"] == "start"
    assert "time_local_converted" in r["flags"]
    assert r["first_cgi"] == "234-30-12345-54321" and r["first_cell_kind"] == "cell"
    assert r["first_lat"] == pytest.approx(51.504, abs=0.01) and r["first_lon"] == pytest.approx(-0.128, abs=0.01)
    assert r["first_azimuth"] == 120
    assert r["imei"] == "490154203237518" and r["imsi"] == "234301234567890"
    assert r["event_id"] == ingest.event_id("voice", "+447700900123", "+447700900456", "2024-06-15T11:00:00Z", 65)
    assert r["direction"] is None and r["event_type"] == "voice"


def test_uk_outcome_rules(uk: ingest.ReadResult) -> None:
    rows = by_row(uk)
    assert (rows[19]["outcome"], rows[19]["reason"]) == ("merged", "exact_duplicate")
    assert rows[19]["event_id"] == rows[18]["event_id"]
    expected = {
        22: "mangled_identifier",
        23: "missing_required",
        24: "bad_timestamp",
        25: "bad_duration",
        28: "summary_row",
    }
    for line, reason in expected.items():
        assert (rows[line]["outcome"], rows[line]["reason"]) == ("rejected", reason), line
        assert rows[line]["event_id"] is None
        assert rows[line]["error"]
    assert "Called Number" in rows[22]["error"] and "4.4770090012E+11" in rows[22]["error"]
    assert "Calling Number" in rows[23]["error"]
    assert uk.report.reasons == {
        "exact_duplicate": 1,
        "mangled_identifier": 1,
        "missing_required": 1,
        "bad_timestamp": 1,
        "bad_duration": 1,
        "summary_row": 1,
    }
    rejected = {r["row"]: r for r in uk.report.rejected_rows}
    assert rejected[22]["reason"] == "mangled_identifier" and "4.4770090012E+11" in rejected[22]["raw"]


def test_uk_flag_rules(uk: ingest.ReadResult) -> None:
    rows = by_row(uk)
    # autumn overlap: first occurrence (BST), flagged
    assert "dst_ambiguous" in rows[20]["flags"]
    assert rows[20]["start_utc"] == pd.Timestamp("2024-10-27 00:30:00", tz="UTC")
    # 14 digits: check digit appended, flagged
    assert rows[20]["imei"] == "490154203237518" and "imei_no_check_digit" in rows[20]["flags"]
    # azimuth 0 is north, not unknown
    assert rows[20]["first_azimuth"] == 0 and "azimuth_unknown" not in rows[20]["flags"]
    # spring gap: shifted forward, flagged
    assert "dst_nonexistent" in rows[21]["flags"]
    assert rows[21]["start_utc"] == pd.Timestamp("2024-03-31 01:00:00", tz="UTC")
    assert rows[21]["imei"] == "490154203237518" and rows[21]["imeisv_svn"] == "01"
    assert "imei_sv_split" in rows[21]["flags"]
    assert rows[21]["first_cgi"] == "wifi:aa:bb:cc:dd:ee:ff" and rows[21]["first_cell_kind"] == "wifi"
    assert np.isnan(rows[21]["first_lat"]) and "wifi_location" in rows[21]["flags"]
    assert rows[21]["b_key"] == "WITHHELD" and rows[21]["b_kind"] == "withheld"
    assert "number_sentinel" in rows[21]["flags"]
    assert rows[26]["b_key"] == "SHORT:150" and rows[26]["b_kind"] == "short_code"
    assert rows[26]["imei"] is None and "imei_placeholder" in rows[26]["flags"]
    assert "roaming" in rows[26]["flags"] and rows[26]["first_cgi"] == "208-10-100-200"
    assert rows[27]["b_key"] == "ALPHA:VODAFONE" and rows[27]["b_kind"] == "alphanumeric"
    assert "imei_bad_luhn" in rows[27]["flags"] and rows[27]["imei"] == "490154203237519"
    assert np.isnan(rows[27]["first_azimuth"]) and "azimuth_unknown" in rows[27]["flags"]
    assert uk.report.flags["dst_ambiguous"] == 1 and uk.report.flags["dst_nonexistent"] == 1
    assert any("fold=0" in note for note in uk.report.notes)


def test_mangled_device_ids_are_refused_but_the_event_loads(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        "from,to,start,duration,cell,imei,imsi\n"
        "07700900123,07700900456,2024-05-01 12:00:00,60,234-30-1-100,3.53456789E+14,2.3430123456789E+14\n"
    )
    result = ingest.read(path)
    row = result.frame.iloc[0]
    assert row["outcome"] == "loaded"
    assert row["imei"] is None and row["imsi"] is None
    assert row["flags"].count("mangled_device_id") == 1
    assert result.report.flags["mangled_device_id"] == 1  # flags are per row: a code at most once


# --- layout c: EE ---------------------------------------------------------------------------------


def test_ee_layout_mixed_formats_and_mirrored_call() -> None:
    result = ingest.read(FIX / "ee_voice_sms.csv")
    assert result.template_id == "ee_voice_sms"
    assert_accounted(result)
    rows = by_row(result)
    assert rows[2]["b_key"] == "+447700900456" and rows[2]["b_raw"] == "+44 7700 900456"
    assert rows[2]["direction"] == "MO" and rows[2]["event_type"] == "voice"
    # the same call in the other party's records: same a/b, same event, merged
    assert rows[3]["direction"] == "MT"
    assert (rows[3]["a_key"], rows[3]["b_key"]) == (rows[2]["a_key"], rows[2]["b_key"])
    assert (rows[3]["outcome"], rows[3]["reason"]) == ("merged", "mirrored_duplicate")
    assert rows[3]["event_id"] == rows[2]["event_id"]
    # leading zero stripped by a spreadsheet; 3-digit MNC and hex CI kept apart from 2-digit
    assert rows[4]["b_key"] == "+447700900789" and rows[4]["event_type"] == "sms"
    assert rows[4]["first_cgi"] == "234-030-1001-20002"
    assert rows[2]["last_cgi"] == "234-33-1001-20002" and rows[2]["last_azimuth"] == 240
    # voicemail deposit: the recipient is the voicemail box
    assert rows[5]["b_key"] == "VOICEMAIL:+447700900123" and rows[5]["b_kind"] == "voicemail"
    assert rows[5]["first_cgi"] == "234-30-1001-20001"  # concatenated decimal CGI
    assert rows[2]["start_utc"] == pd.Timestamp("2024-04-03 08:15:00", tz="UTC")


# --- layout e: AT&T ---------------------------------------------------------------------------------


def test_att_layout_legs_merged_and_mmss() -> None:
    result = ingest.read(FIX / "att_cdr.csv")
    assert result.template_id == "att_cdr"
    assert_accounted(result)
    rows = by_row(result)
    assert rows[2]["start_utc"] == pd.Timestamp("2024-04-05 13:05:10", tz="UTC")  # M/D/YY
    assert rows[2]["duration_s"] == 135 and rows[2]["tz_source"] == "UTC"
    assert rows[2]["a_key"] == "+12025550101" and rows[2]["b_key"] == "+12025550199"
    for line in (3, 4):
        assert (rows[line]["outcome"], rows[line]["reason"]) == ("merged", "call_leg")
        assert rows[line]["event_id"] == rows[2]["event_id"]
    assert rows[5]["duration_s"] == 7530  # 125:30, minutes above 59
    assert rows[5]["a_key"] == "+12025550199"  # "(D)" suffix stripped
    assert "roaming" in rows[2]["flags"] and "roaming" not in rows[6]["flags"]  # the case is UK: MCC 234 is home
    assert result.report.reasons == {"call_leg": 2}
    assert result.report.date_order == "mdy"


def test_att_legs_straddling_a_chunk_boundary() -> None:
    stream = ingest.read_chunks(FIX / "att_cdr.csv", chunk_rows=2)
    frames = [c.frame for c in stream]
    assert len(frames) == 3
    whole = pd.concat(frames, ignore_index=True)
    assert whole["reason"].tolist()[:3] == [None, "call_leg", "call_leg"]
    assert stream.report.reasons == {"call_leg": 2}


# --- layout f: plain CSV, and a user template for an unknown layout -----------------------------------


def test_plain_csv() -> None:
    result = ingest.read(FIX / "plain_calls.csv")
    assert result.template_id == "plain_csv"
    rows = by_row(result)
    assert rows[2]["a_key"] == "+447700900123" and rows[2]["duration_s"] == 60
    assert rows[3]["duration_s"] == 90  # MM:SS
    assert rows[4]["start_utc"] == pd.Timestamp("2024-05-01 13:00:00", tz="UTC")
    assert rows[4]["first_cgi"] is None and rows[4]["duration_s"] == 0  # blank cell, zero duration
    assert_accounted(result)


def test_user_template_for_unknown_layout_with_opaque_ids(tmp_path: Path) -> None:
    data = copy(tmp_path, "opaque_calls.csv")
    with pytest.raises(TemplateError) as exc:
        ingest.read(data)  # no built-in template knows caller_id/callee_id
    assert "opaque_calls.csv" in str(exc.value)
    result = ingest.read(data, template_file=FIX / "opaque_template.yaml")
    assert (result.template_id, result.template_version) == ("anon_export", "2")
    rows = by_row(result)
    assert rows[2]["a_key"] == "OPAQUE:u-1001" and rows[2]["a_kind"] == "opaque"
    assert rows[3]["start_utc"] == pd.Timestamp("2024-05-02 12:00:00", tz="UTC")  # mm/dd from the template
    assert result.report.loaded == 3
    assert any("to the minute" in note for note in result.report.notes)  # 12:00, no seconds


# --- layout d: GPRS ---------------------------------------------------------------------------------


def test_gprs_partials_grouped_into_sessions() -> None:
    result = ingest.read(FIX / "o2_gprs.csv")
    assert result.template_id == "vodafone_o2_gprs"
    assert_accounted(result)
    rows = by_row(result)
    first = rows[2]
    assert first["outcome"] == "loaded" and first["event_type"] == "data" and first["b_key"] is None
    assert first["time_basis"] == "end"
    assert first["charging_id"] == "1001"
    # the session spans first start to last end
    assert first["start_utc"] == pd.Timestamp("2024-06-14 23:00:00", tz="UTC")
    assert first["end_utc"] == pd.Timestamp("2024-06-15 00:50:00", tz="UTC")
    assert first["duration_s"] == 6600
    assert first["event_id"] == ingest.data_event_id("+447700900123", "1001", "2024-06-14T23:00:00Z")
    # ECI from eNodeB ID x 256 + sector when the ECI column is blank
    assert first["first_cgi"] == "234-10-5001-5120259" and rows[4]["first_cgi"] == "234-10-5001-5120259"
    for line in (3, 4, 6):
        assert (rows[line]["reason"], rows[line]["event_id"]) == ("gprs_partial", first["event_id"])
    assert rows[5]["reason"] == "exact_duplicate"
    assert rows[7]["outcome"] == "loaded" and "roaming" in rows[7]["flags"]
    assert rows[7]["first_cgi"] == "208-01-4120-31017"
    assert rows[8]["reason"] == "summary_row"


def test_gprs_session_extended_across_chunks_is_reported() -> None:
    stream = ingest.read_chunks(FIX / "o2_gprs.csv", chunk_rows=2)
    frames = [c.frame for c in stream]
    eid = frames[0].iloc[0]["event_id"]
    assert stream.session_updates[eid] == (pd.Timestamp("2024-06-15 00:50:00", tz="UTC"), 6600)
    whole = ingest.read(FIX / "o2_gprs.csv").frame
    assert pd.concat(frames)["reason"].tolist() == whole["reason"].tolist()


# --- layout b: ADM XLSX ---------------------------------------------------------------------------------


def _adm_workbook(path: Path) -> Path:
    import datetime

    import openpyxl

    header = (
        "Event Type (*Enriched),Start Datetime (*Raw),Originator Comms Address (*Standardised),"
        "Recipient Comms Address (*Standardised),Forwarded To Comms Address (*Standardised),"
        "Originator IMEI (*Decoded),IMSI (*Raw),Start Cell Global Identity (CGI/ECGI/NCGI),"
        "Start Cell Postcode (*Raw),Start Cell Latitude (*Calculated),Start Cell Longitude (*Calculated),"
        "Start Cell Azimuth (*Standardised),End Cell Global Identity (CGI/ECGI/NCGI),"
        "End Cell Latitude (*Calculated),End Cell Longitude (*Calculated),Duration (*Calculated),"
        "Direction (*Standardised),Originator Comms Address (*Raw)"
    ).split(",")
    wb = openpyxl.Workbook()
    wb.active.title = "Summary"
    wb.active.append(["ADM export", "not the data"])
    ws = wb.create_sheet("Telephony")
    ws.append(header)
    ws.append(
        ["Voice Call", "15/06/2024 12:00:00", "+447700900123", "+447700900456", "", "490154203237518",
         "234301234567890", "234-30-1001-20001", "AB1 2CD", 51.505, -0.12, 0, "234-30-1001-20002", 51.51, -0.13,
         65, "MO", "07700900123"]
    )  # fmt: skip
    ws.append(
        ["SMS", datetime.datetime(2024, 6, 15, 13, 0, 0), "+447700900456", "+447700900123", "", None, 234301234567890,
         "234-30-1001-20001", "", 51.505, -0.12, None, "", None, None, 0, "MT", "07700900456"]
    )  # fmt: skip
    ws.append(["Voice Call", "15/06/2024 14:00:00", "+447700900123", "4.4770090045E+11"])
    wb.save(path)
    return path


def test_adm_xlsx_telephony_sheet(tmp_path: Path) -> None:
    result = ingest.read(_adm_workbook(tmp_path / "adm.xlsx"))
    assert result.template_id == "ho_adm_telephony" and result.report.encoding == "xlsx"
    rows = by_row(result)
    assert rows[2]["a_key"] == "+447700900123"  # Standardised wins over the hidden Raw duplicate
    assert rows[2]["first_lat"] == 51.505 and rows[2]["first_azimuth"] == 0
    assert rows[2]["duration_s"] == 65 and rows[2]["event_type"] == "voice" and rows[2]["direction"] == "MO"
    assert rows[3]["start_utc"] == pd.Timestamp("2024-06-15 13:00:00", tz="UTC")  # a real datetime cell
    assert rows[3]["imsi"] == "234301234567890"  # numeric cell read back as digits
    assert rows[3]["event_type"] == "sms" and rows[3]["last_cgi"] is None
    assert (rows[4]["outcome"], rows[4]["reason"]) == ("rejected", "mangled_identifier")
    assert_accounted(result)


# --- cells, ANPR, subscribers -------------------------------------------------------------------------


def test_cell_list_wgs84_with_reconfigured_validity() -> None:
    result = ingest.read(FIX / "cells_wgs84.csv")
    assert result.kind == "cells" and result.template_id == "cells_wgs84"
    assert_accounted(result)
    f = result.frame
    old, new = f.iloc[0], f.iloc[1]
    assert old["cgi"] == new["cgi"] == "234-30-1001-20001"
    assert (old["azimuth"], new["azimuth"]) == (0, 90)
    assert old["valid_from"] == pd.Timestamp("2024-01-01") and old["valid_to"] == pd.Timestamp("2024-05-14")
    assert new["valid_from"] == pd.Timestamp("2024-05-15") and pd.isna(new["valid_to"])
    assert old["crs_source"] == "EPSG:4326" and old["location_source"] == "operator"
    assert old["beamwidth"] == 65 and old["technology"] == "4G" and old["address"] == "1 High St, Town"
    assert np.isnan(f.iloc[2]["azimuth"]) and "azimuth_unknown" in f.iloc[2]["flags"]
    assert f.iloc[3]["reason"] == "exact_duplicate"
    assert f.iloc[4]["reason"] == "missing_required"
    three = f.iloc[5]
    assert (three["cgi"], three["mnc"], three["lac"], three["ci"]) == ("234-030-7-8", "030", 7, 8)


def test_cell_list_osgb36_converted_with_recorded_transform() -> None:
    result = ingest.read(FIX / "cells_osgb36.csv", template="cells_osgb36")
    row = result.frame.iloc[0]
    assert row["crs_source"] == "EPSG:27700" and "OSGB36 to WGS 84" in row["transform"]
    assert row["lat"] == pytest.approx(51.5058, abs=0.001) and row["lon"] == pytest.approx(-0.1268, abs=0.001)
    assert "coordinate_out_of_range" in result.frame.iloc[1]["flags"] and np.isnan(result.frame.iloc[1]["lat"])
    # the same file detected (no template given) is read by the WGS84/BNG cell template
    assert ingest.read(FIX / "cells_osgb36.csv").frame.iloc[0]["lat"] == pytest.approx(row["lat"])


def test_opencellid() -> None:
    result = ingest.read(FIX / "opencellid.csv")
    assert result.template_id == "cells_opencellid"
    row = result.frame.iloc[0]
    assert row["cgi"] == "234-30-1001-5122817" and row["location_source"] == "opencellid"
    assert row["technology"] == "4G" and row["range_m"] == 1000


def test_anpr_reads_with_camera_list() -> None:
    result = ingest.read(FIX / "anpr_reads.csv", cameras=FIX / "cameras.csv")
    assert result.kind == "anpr"
    assert_accounted(result)
    f = result.frame
    assert f.iloc[0]["vrm"] == "AB12CDE" and f.iloc[0]["camera_id"] == "CAM1"
    assert f.iloc[0]["t_utc"] == pd.Timestamp("2024-06-15 12:00:01", tz="UTC") and f.iloc[0]["confidence"] == 97
    assert f.iloc[1]["camera_lat"] == pytest.approx(51.5058, abs=0.001)  # inline easting/northing
    assert f.iloc[2]["reason"] == "exact_duplicate" and f.iloc[2]["event_id"] == f.iloc[1]["event_id"]
    assert f.iloc[3]["reason"] == "missing_required"
    assert (f.iloc[4]["camera_lat"], f.iloc[4]["camera_name"]) == (51.52, "Ring Road")  # from the camera list


def test_anpr_gps_string_with_spurious_minus(tmp_path: Path) -> None:
    path = tmp_path / "anpr.csv"
    path.write_text('VRM,Date/Time,Camera,GPS\nAB12CDE,15/06/2024 12:00:00,C1,"(-0.4200, -51.8790)"\n')
    row = ingest.read(path, template="anpr_reads").frame.iloc[0]
    assert (row["camera_lat"], row["camera_lon"]) == (51.879, -0.42)


def test_subscribers() -> None:
    result = ingest.read(FIX / "subscribers.csv")
    assert result.kind == "subscribers"
    f = result.frame
    assert f.iloc[0]["number_key"] == "+447700900123" and f.iloc[0]["name"] == "Alice Example"
    assert f.iloc[1]["number_key"] == "+447700900456"
    assert f.iloc[2]["reason"] == "missing_required" and f.iloc[3]["reason"] == "mangled_identifier"
    assert_accounted(result)


# --- date order per file, DST -------------------------------------------------------------------------


def _plain(tmp_path: Path, name: str, starts: list[str]) -> Path:
    path = tmp_path / name
    lines = ["from,to,start,duration"] + [f"07700900123,07700900456,{s},{i}" for i, s in enumerate(starts)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_date_order_inferred_per_file_not_per_row(tmp_path: Path) -> None:
    # 13/02 settles the file as dd/mm, so 03/04 is 3 April, not 4 March
    dmy = ingest.read(_plain(tmp_path, "dmy.csv", ["03/04/2024 10:00", "13/02/2024 10:00"]))
    assert dmy.report.date_order == "dmy"
    assert dmy.frame.iloc[0]["start_utc"] == pd.Timestamp("2024-04-03 10:00", tz="UTC")
    # 02/13 settles the file as mm/dd, so the same 03/04 is 4 March
    mdy = ingest.read(_plain(tmp_path, "mdy.csv", ["03/04/2024 10:00", "02/13/2024 10:00"]))
    assert mdy.report.date_order == "mdy"
    assert mdy.frame.iloc[0]["start_utc"] == pd.Timestamp("2024-03-04 10:00", tz="UTC")
    # nothing above 12 anywhere: the template's default (plain_csv: dmy), said so in the report
    amb = ingest.read(_plain(tmp_path, "amb.csv", ["03/04/2024 10:00", "05/06/2024 10:00"]))
    assert amb.report.date_order == "dmy" and "default" in (amb.report.date_order_source or "")
    # conflicting rows: one order for the whole file, the rows that do not fit it are rejected
    bad = ingest.read(_plain(tmp_path, "mixed.csv", ["13/02/2024 10:00", "02/13/2024 10:00"]))
    assert bad.frame["reason"].tolist() == [None, "bad_timestamp"]


def test_date_order_settled_by_a_later_chunk(tmp_path: Path) -> None:
    starts = ["01/02/2024 10:00"] * 5 + ["02/14/2024 10:00"]
    stream = ingest.read_chunks(_plain(tmp_path, "late.csv", starts), chunk_rows=2)
    frame = pd.concat([c.frame for c in stream])
    assert stream.report.date_order == "mdy"
    assert frame.iloc[0]["start_utc"] == pd.Timestamp("2024-01-02 10:00", tz="UTC")


def test_dst_overlap_and_gap_with_explicit_template(tmp_path: Path) -> None:
    path = tmp_path / "dst.csv"
    path.write_text(
        "Call Date,Call Time,Call Type,Direction,A Number,B Number,Duration (hh:mm:ss)\n"
        "27/10/2024,01:30:00,MOC,MO,07700900123,07700900456,00:01:00\n"
        "31/03/2024,01:30:00,MOC,MO,07700900123,07700900456,00:01:00\n"
        "27/10/2024,02:30:00,MOC,MO,07700900123,07700900456,00:01:00\n"
    )
    result = ingest.read(path, template="ee_voice_sms")
    f = result.frame
    assert "dst_ambiguous" in f.iloc[0]["flags"] and "dst_nonexistent" not in f.iloc[0]["flags"]
    assert f.iloc[0]["start_utc"] == pd.Timestamp("2024-10-27 00:30", tz="UTC")
    assert "dst_nonexistent" in f.iloc[1]["flags"]
    assert f.iloc[1]["start_utc"] == pd.Timestamp("2024-03-31 01:00", tz="UTC")
    assert not {"dst_ambiguous", "dst_nonexistent"} & set(f.iloc[2]["flags"])
    assert f.iloc[2]["start_utc"] == pd.Timestamp("2024-10-27 02:30", tz="UTC")


# --- streaming ------------------------------------------------------------------------------------------


def test_chunked_read_equals_whole_read() -> None:
    whole = ingest.read(FIX / "uk_csp_call_data.csv")
    stream = ingest.read_chunks(FIX / "uk_csp_call_data.csv", chunk_rows=3)
    frames = [c.frame for c in stream]
    assert len(frames) == 4 and stream.finished
    joined = pd.concat(frames, ignore_index=True)
    assert joined["event_id"].tolist() == whole.frame["event_id"].tolist()
    assert joined["reason"].tolist() == whole.frame["reason"].tolist()
    assert stream.report.as_dict() == whole.report.as_dict()
    with pytest.raises(ProgrammingError):
        list(stream.chunks())


# --- report ---------------------------------------------------------------------------------------------


def test_report_round_trip_and_reclassify(uk: ingest.ReadResult) -> None:
    data = uk.report.as_dict()
    again = ReconciliationReport.from_dict(data)
    assert again.as_dict() == data
    again.reclassify(2, "overlap_duplicate")
    assert (again.loaded, again.merged, again.reasons["overlap_duplicate"]) == (
        uk.report.loaded - 2,
        uk.report.merged + 2,
        2,
    )
    with pytest.raises(ProgrammingError):
        again.reclassify(1, "bad_timestamp")
    with pytest.raises(ProgrammingError):
        again.reclassify(10_000, "overlap_duplicate")
    broken = dict(data, loaded=data["loaded"] + 1)
    with pytest.raises(ProgrammingError):
        ReconciliationReport.from_dict(broken)


# --- templates --------------------------------------------------------------------------------------------


def test_builtin_templates_load_with_ids_and_versions() -> None:
    templates = builtin_templates()
    needed_ids = "uk_csp_call_data ho_adm_telephony ee_voice_sms vodafone_o2_gprs att_cdr plain_csv cells_wgs84"
    needed_ids += " cells_osgb36 cells_opencellid anpr_reads subscribers"
    for needed in needed_ids.split():
        assert needed in templates and templates[needed].version


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (
            "id: x_t\nversion: 1\nkind: cdr\ncolumns:\n  a_number: [A]\n  start: [S]\ncolour: red\n",
            7,
            "unknown key 'colour'",
        ),
        (
            "id: x_t\nversion: 1\nkind: cdr\ncolumns:\n  a_number: [A]\n  start: [S]\ntime:\n"
            "  timezone: Mars/Olympus\n",
            8,
            "time zone",
        ),
        ("id: x_t\nversion: 1\nkind: cdr\ncolumns:\n  a_number: [A]\n  flavour: [S]\n", 6, "flavour"),
        ("id: x_t\nversion: 1\nkind: cdr\ncolumns:\n  a_number: [A\n  start: [S]\n", 6, "not valid YAML"),
        ("id: x_t\nversion: 1\nkind: cdr\ncolumns:\n  a_number: [A]\nduration:\n  format: fortnights\n", 7, "format"),
    ],
)
def test_bad_template_refused_naming_the_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(TemplateError) as exc:
        load_template_file(path)
    assert f"line {line}" in str(exc.value), str(exc.value)
    assert fragment in str(exc.value)
    assert "bad.yaml" in str(exc.value)
    with pytest.raises(TemplateError):
        ingest.read(FIX / "plain_calls.csv", template_file=path)


def test_detection_low_score_writes_a_skeleton(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("from,to,start,colour,mood,weather,price\n07700900123,07700900456,2024-05-01 12:00:00,r,h,s,1\n")
    with pytest.raises(TemplateError) as exc:
        ingest.read(path)
    err = exc.value
    assert isinstance(err, IngestError)
    assert "odd.csv" in str(err) and "plain_csv" in str(err)
    skeleton = Path(err.context["skeleton"])
    assert skeleton.exists()
    text = skeleton.read_text()
    assert 'a_number: ["from"]' in text and '# TODO_field: ["colour"]' in text
    # the skeleton, once named, is itself a valid template (after the user fills in the rest)
    filled = text.replace("id: my_layout", "id: my_layout").replace("kind: cdr", "kind: cdr")
    (tmp_path / "mine.yaml").write_text(filled)
    result = ingest.read(path, template_file=tmp_path / "mine.yaml")
    assert result.report.loaded == 1


def test_detection_tie_names_both_candidates(tmp_path: Path) -> None:
    path = tmp_path / "tie.csv"
    path.write_text("MSISDN,Name,Address\n07700900123,A,B\n")
    with pytest.raises(TemplateError):
        ingest.read(path, kind="cdr")  # the wrong kind: no cdr template fits
    result = ingest.read(path)
    assert result.template_id == "subscribers"


def test_wrong_template_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as exc:
        ingest.read(copy(tmp_path, "uk_csp_call_data.csv"), template="att_cdr")
    assert "uk_csp_call_data.csv" in str(exc.value) and "does not fit" in str(exc.value)
    assert "a_number" in str(exc.value)


# --- bad input ----------------------------------------------------------------------------------------------


def _expect(path: Path, *fragments: str) -> IngestError:
    with pytest.raises(IngestError) as exc:
        ingest.read(path)
    message = str(exc.value)
    assert path.name in message
    for fragment in fragments:
        assert fragment in message, message
    assert isinstance(exc.value, InvalidInput)
    return exc.value


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    _expect(path, "empty")
    path.write_text("\n\n\n")
    _expect(path)


def test_unparseable_file(tmp_path: Path) -> None:
    path = tmp_path / "prose.txt"
    path.write_text("Dear analyst,\nplease find the data attached.\nRegards\n")
    _expect(path)


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(256)) * 64)
    _expect(path, "binary", "line")
    later = tmp_path / "later.csv"
    later.write_bytes(b"from,to,start,duration\n" * 3 + b"a,b\x00c,d\n")
    _expect(later, "line 4")


def test_ten_megabyte_field(tmp_path: Path) -> None:
    import csv

    csv.field_size_limit(1 << 30)  # as followthemoney does on import: the reader must not depend on it
    path = tmp_path / "huge.csv"
    with path.open("w") as fh:
        fh.write("from,to,start,duration\n07700900123,07700900456,2024-05-01 12:00:00,60\n")
        fh.write('07700900123,"' + "x" * (10 << 20) + '",2024-05-01 12:00:00,60\n')
    err = _expect(path, "line 3", "larger than")
    assert err.context["line"] == 3


def test_truncated_last_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_text("from,to,start,duration\n07700900123,07700900456,2024-05-01 12:00:00,60\n07700900123,077009")
    _expect(path, "line 3", "truncated")
    quoted = tmp_path / "cutq.csv"
    quoted.write_text('from,to,start,duration\n07700900123,07700900456,2024-05-01 12:00:00,60\n07700900123,"0770\n')
    _expect(quoted, "line 3", "truncated")
    # a last line without a newline but complete is fine
    ok = tmp_path / "ok.csv"
    ok.write_text("from,to,start,duration\n07700900123,07700900456,2024-05-01 12:00:00,60")
    assert ingest.read(ok).report.loaded == 1


def test_wrong_field_count_mid_file_is_a_reject(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("from,to,start,duration\n07700900123,07700900456\n07700900123,07700900456,2024-05-01 12:00:00,60\n")
    result = ingest.read(path)
    assert result.frame["reason"].tolist() == ["malformed_row", None]
    assert "2 fields" in result.report.rejected_rows[0]["message"]


def test_encodings(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufefffrom,to,start,duration\r\n07700900123,07700900456,2024-05-01 12:00:00,60\r\n".encode())
    result = ingest.read(bom)
    assert result.report.loaded == 1 and "encoding_fallback" not in result.report.flags
    cp = tmp_path / "cp1252.csv"
    cp.write_bytes("MSISDN,Name,Address\r\n07700900123,Zoë £ Smith,Caf\xe9\r\n".encode("cp1252"))
    result = ingest.read(cp)
    assert result.report.encoding == "cp1252" and result.report.flags["encoding_fallback"] == 1
    assert result.frame.iloc[0]["name"] == "Zoë £ Smith"
    wrong = tmp_path / "wrong.csv"
    wrong.write_bytes(b"MSISDN,Name\n07700900123,ok\n07700900456,\x81\x8d\x90bad\n")
    _expect(wrong, "line 3", "encoding")
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("MSISDN,Name\n07700900123,ok\n".encode("utf-16"))
    assert ingest.read(utf16).report.loaded == 1


def test_xlsx_zip_bomb_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", " " * (8 << 20))
    _expect(path, "zip bomb")


def test_corrupt_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    _expect(path, "XLSX")


def test_missing_file(tmp_path: Path) -> None:
    _expect(tmp_path / "nope.csv", "cannot open")


def test_crlf_and_quoted_commas(tmp_path: Path) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["MSISDN", "Name", "Address"])
    writer.writerow(["07700900123", "A", "1 High St, Town\nSecond line"])
    writer.writerow(["07700900456", "B", "2 High St"])
    path = tmp_path / "crlf.csv"
    path.write_text(buf.getvalue(), newline="")
    result = ingest.read(path)
    # the physical line of a row after a quoted newline is still right
    assert result.frame["row"].tolist() == [2, 4]
    assert result.frame.iloc[0]["address"] == "1 High St, Town\nSecond line"


# --- coordinates and CSV mechanics ------------------------------------------------------------------------


def test_cell_list_grid_refs_swapped_latlon_and_comma_escapes(tmp_path: Path) -> None:
    from ingest.chunk import gridref_to_en

    assert gridref_to_en("TG5140913177") == (651409.0, 313177.0)  # the OS worked example
    assert gridref_to_en("NN 1667 7120") == (216670.0, 771200.0)
    assert gridref_to_en("XX123") is None
    grid = tmp_path / "grid.csv"
    grid.write_text("CGI,Grid Reference,Azimuth,Address\n234-30-1-2,TG5140913177,90,Unit 1_COMMA_ Mill Lane\n")
    row = ingest.read(grid, template="cells_osgb36").frame.iloc[0]
    assert (row["easting"], row["northing"]) == (651409.0, 313177.0)
    assert row["lat"] == pytest.approx(52.657979, abs=1e-4) and row["lon"] == pytest.approx(1.716052, abs=1e-4)
    assert row["address"] == "Unit 1, Mill Lane"
    swapped = tmp_path / "swapped.csv"
    swapped.write_text("CGI,Latitude,Longitude\n234-30-1-2,-0.12,51.5\n")
    row = ingest.read(swapped).frame.iloc[0]
    assert (row["lat"], row["lon"]) == (51.5, -0.12) and "coordinate_out_of_range" in row["flags"]


def test_report_states_the_time_window(uk: ingest.ReadResult) -> None:
    assert uk.report.first_event_utc == "2024-03-31T01:00:00+00:00"
    assert uk.report.last_event_utc == "2024-10-27T00:30:00+00:00"
    assert any("coverage gaps" in note for note in uk.report.notes)


def test_repeated_header_row_is_a_reject(tmp_path: Path) -> None:
    path = tmp_path / "pages.csv"
    path.write_text(
        "from,to,start,duration\n07700900123,07700900456,2024-05-01 12:00:00,60\n"
        "from,to,start,duration\n07700900123,07700900456,2024-05-01 13:00:00,60\n"
    )
    result = ingest.read(path)
    assert result.frame["reason"].tolist() == [None, "malformed_row", None]
    assert "header row repeated" in result.report.rejected_rows[0]["message"]


def test_target_other_layout_gives_the_same_originator_from_both_records(tmp_path: Path) -> None:
    template = tmp_path / "target.yaml"
    template.write_text(
        "id: target_other_csv\nversion: 1\nkind: cdr\n"
        "columns:\n  a_number: [Target]\n  b_number: [Other]\n  start: [Time]\n  direction: [Dir]\n"
        "  duration: [Secs]\nparties: target_other\n"
    )
    path = tmp_path / "two_targets.csv"
    path.write_text(
        "Target,Other,Time,Dir,Secs\n"
        "07700900123,07700900456,2024-05-01 12:00:00,Outgoing,60\n"
        "07700900456,07700900123,2024-05-01 12:00:00,Incoming,60\n"
    )
    f = ingest.read(path, template_file=template).frame
    assert f["a_key"].tolist() == ["+447700900123", "+447700900123"]
    assert f["b_key"].tolist() == ["+447700900456", "+447700900456"]
    assert f["a_raw"].tolist() == ["07700900123", "07700900123"]
    assert f["direction"].tolist() == ["MO", "MT"]
    assert f["reason"].tolist() == [None, "mirrored_duplicate"]


def test_uri_parties(tmp_path: Path) -> None:
    path = tmp_path / "uris.csv"
    path.write_text(
        "from,to,start,duration\n"
        "sip:+447700900123@ims.mnc030.mcc234.3gppnetwork.org,tel:07700900456,2024-05-01 12:00:00,60\n"
    )
    row = ingest.read(path).frame.iloc[0]
    assert (row["a_key"], row["b_key"]) == ("+447700900123", "+447700900456")
    assert row["a_raw"].startswith("sip:")


@pytest.mark.parametrize(
    "name",
    ["uk_csp_call_data.csv", "ee_voice_sms.csv", "att_cdr.csv", "o2_gprs.csv", "cells_wgs84.csv", "anpr_reads.csv"],
)
def test_one_row_chunks_give_the_same_outcomes(name: str) -> None:
    whole = ingest.read(FIX / name)
    stream = ingest.read_chunks(FIX / name, chunk_rows=1)
    joined = pd.concat([c.frame for c in stream], ignore_index=True)
    assert joined["reason"].tolist() == whole.frame["reason"].tolist()
    assert joined["flags"].tolist() == whole.frame["flags"].tolist()
    if "event_id" in joined:
        assert joined["event_id"].tolist() == whole.frame["event_id"].tolist()
    assert stream.report.reasons == whole.report.reasons


def test_generated_gprs_sessions_are_the_same_in_any_chunk_size(tmp_path: Path) -> None:
    """Sessions folded into the compact arrays between chunks group partials exactly as one chunk does."""
    from csas_graph.synth.generate import generate

    generate(tmp_path, 5, 4000, layouts=["d"])
    path = next(tmp_path.glob("d_*.csv"))
    whole = ingest.read(path).frame
    assert (whole["reason"] == "gprs_partial").sum() > 100  # sessions really span several rows
    cols = ["row", "outcome", "reason", "event_id"]

    def final_ends(frame: pd.DataFrame, updates: dict[str, tuple[pd.Timestamp, int]]) -> list[tuple[str, str, str]]:
        # a session's end as the import stores it: its first row's, then any later chunk's extension
        loaded = frame[frame["outcome"] == "loaded"]
        columns = zip(loaded["event_id"], loaded["end_utc"], loaded["duration_s"], strict=True)
        ends = {e: (str(t), str(d)) for e, t, d in columns}
        ends.update({e: (str(t), str(d)) for e, (t, d) in updates.items()})
        return sorted((e, *v) for e, v in ends.items())

    want = final_ends(whole, {})
    for chunk_rows in (7, 250):
        stream = ingest.read_chunks(path, chunk_rows=chunk_rows)
        frame = pd.concat([c.frame for c in stream], ignore_index=True)
        assert frame[cols].astype(str).values.tolist() == whole[cols].astype(str).values.tolist()
        assert stream.session_updates  # some sessions really were extended in a later chunk
        assert final_ends(frame, stream.session_updates) == want
