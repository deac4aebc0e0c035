"""Property tests (hypothesis) for the value parsers: numbers, IMEI, IMSI, cell ids, durations, times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.normalise import (
    luhn_check_digit,
    luhn_ok,
    normalise_imei,
    normalise_imsi,
    normalise_number,
    parse_cell,
    parse_duration,
)
from ingest.timeparse import date_order_evidence, localise, parse_naive

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
digits = st.text(alphabet="0123456789", min_size=1, max_size=20)

# --- numbers ------------------------------------------------------------------------------------------


@SETTINGS
@given(st.integers(0, 999), st.sampled_from(["07700900", "447700900", "+447700900", "00447700900", "7700900"]))
def test_drama_mobile_numbers_normalise_to_one_key(n: int, prefix: str) -> None:
    party = normalise_number(f"{prefix}{n:03d}")
    assert party.key == f"+447700900{n:03d}" and party.kind == "e164" and party.reject is None
    assert ("number_normalised" in party.flags) == (not prefix.startswith("+"))


@SETTINGS
@given(st.integers(0, 999))
def test_spaced_and_trunk_forms(n: int) -> None:
    for raw in (f"+44 (0)7700 900{n:03d}", f"07700 900 {n:03d}", f"447700 900{n:03d}", f"01632 960{n:03d}"):
        party = normalise_number(raw)
        assert party.key is not None and party.key.startswith("+44"), raw
        assert party.key.replace("+", "").isdigit()


@SETTINGS
@given(st.text(alphabet="0123456789", min_size=3, max_size=6))
def test_short_codes_are_sentinels(code: str) -> None:
    party = normalise_number(code)
    assert party.key == f"SHORT:{code}" and party.kind == "short_code"


@SETTINGS
@given(st.integers(10**10, 10**12 - 1))
def test_spreadsheet_floats_are_rejected_never_guessed(n: int) -> None:
    for raw in (f"{float(n):.10E}", f"{float(n):.4e}", f"{n}.0"):
        party = normalise_number(raw)
        assert party.key is None and party.reject == "mangled_identifier"


@SETTINGS
@given(st.text(max_size=40))
def test_any_text_gives_a_key_or_a_reason(raw: str) -> None:
    party = normalise_number(raw)
    assert (party.key is None) == (party.reject is not None)
    if party.key is not None:
        assert party.kind in {"e164", "withheld", "unknown", "short_code", "alphanumeric", "voicemail"}
    opaque = normalise_number(raw, identifiers="opaque")
    assert opaque.key is None or opaque.key in {"WITHHELD", "UNKNOWN"} or opaque.key == "OPAQUE:" + raw.strip()


# --- IMEI / IMSI ----------------------------------------------------------------------------------------


@SETTINGS
@given(st.text(alphabet="0123456789", min_size=14, max_size=14).filter(lambda s: len(set(s)) > 1))
def test_imei_forms(body: str) -> None:
    full = body + luhn_check_digit(body)
    assert luhn_ok(full)
    assert normalise_imei(full).imei == full and normalise_imei(full).flags == ()
    wrong = body + str((int(full[-1]) + 1) % 10)
    assert normalise_imei(wrong).flags == ("imei_bad_luhn",) and normalise_imei(wrong).imei == wrong
    assert normalise_imei(body).imei == full and normalise_imei(body).flags == ("imei_no_check_digit",)
    sv = normalise_imei(body + "07")
    assert (sv.imei, sv.svn, sv.flags) == (full, "07", ("imei_sv_split",))
    mangled = normalise_imei(f"{float(full):.5E}")
    assert mangled.imei is None and mangled.flags == ("mangled_device_id",)


@SETTINGS
@given(st.text(max_size=30))
def test_imei_never_crashes_and_is_fifteen_digits_or_none(raw: str) -> None:
    device = normalise_imei(raw)
    assert device.imei is None or (len(device.imei) == 15 and device.imei.isdigit())


@SETTINGS
@given(st.text(alphabet="0123456789", min_size=6, max_size=15).filter(lambda s: set(s) != {"0"}))
def test_imsi(imsi: str) -> None:
    assert normalise_imsi(imsi) == (imsi, ())
    assert normalise_imsi(f"{float(imsi):.6E}") == (None, ("mangled_device_id",))


@SETTINGS
@given(st.text(max_size=30))
def test_imsi_never_crashes(raw: str) -> None:
    value, flags = normalise_imsi(raw)
    assert value is None or (value.isdigit() and 6 <= len(value) <= 15)


# --- cell ids -------------------------------------------------------------------------------------------


@SETTINGS
@given(
    st.text(alphabet="0123456789", min_size=3, max_size=3),
    st.text(alphabet="0123456789", min_size=2, max_size=3),
    st.integers(0, 65535),
    st.integers(0, 2**36 - 1),  # CI (16 bit), ECI (28 bit) or NCI (36 bit)
    st.sampled_from(["-", "_", "/", ":", ".", " "]),
    st.booleans(),
)
def test_cgi_ecgi_ncgi_components(mcc: str, mnc: str, lac: int, ci: int, sep: str, hex_ci: bool) -> None:
    ci_text = hex(ci) if hex_ci else str(ci)
    cell = parse_cell(f"{mcc}{sep}{mnc}{sep}{lac}{sep}{ci_text}")
    assert cell.cgi == f"{mcc}-{mnc}-{lac}-{ci}"
    assert (cell.mcc, cell.mnc, cell.lac, cell.ci) == (mcc, mnc, lac, ci)
    assert len(cell.mnc or "") == len(mnc)  # "01" and "001" stay different networks
    assert ("roaming" in cell.flags) == (mcc != "234")
    assert cell.kind == "cell"


@SETTINGS
@given(st.binary(min_size=6, max_size=6), st.sampled_from([":", "-"]))
def test_wifi_macs_are_typed_not_geocoded(mac: bytes, sep: str) -> None:
    text = sep.join(f"{b:02X}" for b in mac)
    cell = parse_cell(text)
    if text.replace(sep, "").isdigit():
        return  # all-decimal-looking MACs are indistinguishable from numbers; covered elsewhere
    assert cell.kind == "wifi" and cell.cgi == "wifi:" + ":".join(f"{b:02x}" for b in mac)
    assert cell.flags == ("wifi_location",) and cell.mcc is None


@SETTINGS
@given(st.text(max_size=40))
def test_any_cell_text_is_kept(raw: str) -> None:
    cell = parse_cell(raw)
    assert cell.cgi is None or cell.kind in {"cell", "wifi"}
    if raw.strip() and raw.strip() not in {"0", "-", "00", "000"} and cell.cgi is None:
        assert "placeholder_value" in cell.flags


# --- durations ------------------------------------------------------------------------------------------


@SETTINGS
@given(st.integers(0, 10**6))
def test_duration_forms(seconds: int) -> None:
    assert parse_duration(str(seconds)) == seconds
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    assert parse_duration(f"{h:02d}:{m:02d}:{s:02d}", "hms") == seconds
    mm, ss = divmod(seconds, 60)
    assert parse_duration(f"{mm:02d}:{ss:02d}", "mmss") == seconds  # minutes may exceed 59


@SETTINGS
@given(st.text(max_size=12))
def test_duration_rejects_or_parses(raw: str) -> None:
    try:
        value = parse_duration(raw)
    except ValueError:
        return
    assert value >= 0


@pytest.mark.parametrize("raw", ["-5", "1:60", "1:00:60", "7x", "", "00:7x:15", "1.5.3"])
def test_bad_durations(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(raw)


# --- times ----------------------------------------------------------------------------------------------

instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)


@SETTINGS
@given(st.lists(instants, min_size=1, max_size=20))
def test_time_formats_round_trip(values: list[datetime]) -> None:
    expected = [pd.Timestamp(v) for v in values]
    for order, pattern in (("dmy", "%d/%m/%Y %H:%M:%S"), ("mdy", "%m/%d/%Y %H:%M:%S"), ("ymd", "%Y-%m-%dT%H:%M:%S")):
        texts = pd.Series([v.strftime(pattern) for v in values], dtype=object)
        naive, offset, explicit = parse_naive(texts, order)
        assert naive.tolist() == expected, order
        assert offset.isna().all() and not explicit.any()
    # mixed shapes in one file still parse (the general path takes what the fast path cannot)
    mixed = pd.Series([v.strftime("%d/%m/%Y %H:%M" if i % 2 else "%d/%m/%y %H:%M:%S") for i, v in enumerate(values)])
    naive, _, _ = parse_naive(mixed, "dmy")
    for i, (got, want) in enumerate(zip(naive.tolist(), expected, strict=True)):
        assert got == (want.replace(second=0) if i % 2 else want)


@SETTINGS
@given(st.lists(instants, min_size=1, max_size=30))
def test_date_order_evidence_never_contradicts_the_truth(values: list[datetime]) -> None:
    texts = pd.Series([v.strftime("%d/%m/%Y") for v in values], dtype=object)
    found = date_order_evidence(texts)
    assert found in (None, "dmy")
    assert (found == "dmy") == any(v.day > 12 for v in values)


@SETTINGS
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31)))
def test_london_local_to_utc(instant: datetime) -> None:
    utc = instant.replace(microsecond=0, tzinfo=UTC)
    local = pd.Timestamp(utc).tz_convert("Europe/London").tz_localize(None)
    got, ambiguous, nonexistent = localise(pd.Series([local]), "Europe/London")
    assert not nonexistent.iat[0]  # a real instant's wall time always exists
    if ambiguous.iat[0]:
        # the autumn overlap: the first occurrence (BST) is taken, and flagged
        assert got.iat[0] in (pd.Timestamp(utc), pd.Timestamp(utc) - timedelta(hours=1))
    else:
        assert got.iat[0] == pd.Timestamp(utc)


def test_uk_dst_examples() -> None:
    naive = pd.Series(pd.to_datetime(["2024-10-27 01:30", "2024-03-31 01:30", "2024-07-01 12:00"]))
    utc, ambiguous, nonexistent = localise(naive, "Europe/London")
    assert ambiguous.tolist() == [True, False, False]
    assert nonexistent.tolist() == [False, True, False]
    assert utc.tolist() == [
        pd.Timestamp("2024-10-27 00:30", tz="UTC"),
        pd.Timestamp("2024-03-31 01:00", tz="UTC"),
        pd.Timestamp("2024-07-01 11:00", tz="UTC"),
    ]


# --- whole files: any content is accounted for or refused cleanly ---------------------------------------

_FIELD = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["07700900123", "+447700900456", "4.4770090012E+11", "Withheld", "150", "", "-", "0"]),
    st.sampled_from(["15/06/2024 12:00:00", "2024-10-27 01:30:00", "31/03/2024 01:30", "13/13/2024", "45321.5"]),
    st.sampled_from(["60", "01:05", "00:01:05", "7x", "-3", "234-30-1-2", "aa:bb:cc:dd:ee:ff", "234-030-9-0x1F"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(
        [
            ["from", "to", "start", "duration", "cell"],
            ["Call Date", "Call Time", "Call Type", "Direction", "A Number", "B Number", "Duration (hh:mm:ss)", "IMEI"],
            ["MSISDN", "Name", "Address"],
            ["CGI", "Latitude", "Longitude", "Azimuth", "Valid From", "Valid To"],
            ["VRM", "Date/Time", "Camera", "Latitude", "Longitude"],
        ]
    ),
    st.lists(st.lists(_FIELD, min_size=0, max_size=9), min_size=0, max_size=25),
)
def test_any_rows_are_accounted_for_or_refused(tmp_path_factory, header: list[str], rows: list[list[str]]) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io

    import ingest
    from csas_graph.errors import CsasError

    buf = io.StringIO()
    writer = csv.writer(buf)  # CRLF terminator: a lone \r or \n inside a field is quoted
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    try:
        result = ingest.read(path)
    except CsasError as exc:
        assert "fuzz.csv" in str(exc)
        return
    rep = result.report
    assert rep.rows_read == len(result.frame) == rep.loaded + rep.merged + rep.rejected
    assert rep.rows_read <= len(rows)
    assert result.frame["row"].is_monotonic_increasing
