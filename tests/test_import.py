"""The importer against the real DB: provenance, idempotence, overlaps, cells, evidence."""

from __future__ import annotations

import json
import stat
from datetime import date
from pathlib import Path

import pytest
from test_import_helpers import cdr_row, cells_row, fake_file, install_fake_reader, utc

from csas_graph import importer
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings

A, B, C = "+447700900001", "+447700900002", "+447700900003"


def q(store: GraphStore, text: str, **params: object) -> list[dict]:
    return store.run_statement(text, params, write=False)


def test_reimport_is_a_noop(store: GraphStore, settings: Settings, case_id: str, tmp_path: Path, monkeypatch) -> None:
    rows = [cdr_row(i, A, B, utc(2024, 1, 1, 10, i)) for i in range(1, 8)]
    path = fake_file(tmp_path, "a.csv", rows)
    install_fake_reader(monkeypatch, {path: ("cdr", rows)})
    first = importer.import_file(store, case_id, path, settings=settings)
    assert not first.already_imported
    assert first.report["loaded"] == 7 and first.source_file["status"] == "complete"
    counts = importer.event_counts(store, case_id)
    assert counts["called"] == 7 and counts["files"] == 1
    again = importer.import_file(store, case_id, path, settings=settings)
    assert again.already_imported and again.report == first.report
    assert importer.event_counts(store, case_id) == counts
    sources = q(store, "MATCH ()-[r:CALLED {case_id: $c}]->() RETURN r.sources AS s", c=case_id)
    assert all(len(r["s"]) == 1 for r in sources)


def test_overlapping_delivery_adds_no_duplicates_and_keeps_both_sources(
    store: GraphStore, settings: Settings, case_id: str, tmp_path: Path, monkeypatch
) -> None:
    first_rows = [cdr_row(i, A, B, utc(2024, 1, 1, 10, i)) for i in range(1, 7)]
    # the second delivery repeats events 4-6 (new row numbers) and adds two new ones
    second_rows = [cdr_row(i - 3, A, B, utc(2024, 1, 1, 10, i)) for i in range(4, 9)]
    f1, f2 = fake_file(tmp_path, "one.csv", first_rows), fake_file(tmp_path, "two.csv", second_rows)
    install_fake_reader(monkeypatch, {f1: ("cdr", first_rows), f2: ("cdr", second_rows)})
    o1 = importer.import_file(store, case_id, f1, settings=settings)
    o2 = importer.import_file(store, case_id, f2, settings=settings)
    assert importer.event_counts(store, case_id)["called"] == 8
    assert o2.report["loaded"] == 2 and o2.report["merged"] == 3
    assert o2.report["reasons"] == {"overlap_duplicate": 3}
    assert o2.report["rows_read"] == o2.report["loaded"] + o2.report["merged"] + o2.report["rejected"]
    stored = importer.get_report(store, case_id, o2.sha256)
    assert stored["reasons"] == {"overlap_duplicate": 3}
    shared = q(
        store,
        "MATCH ()-[r:CALLED {case_id: $c}]->() WHERE size(r.sources) = 2 RETURN r.sources AS s ORDER BY r.start",
        c=case_id,
    )
    assert [r["s"] for r in shared] == [[f"{o1.sha256}:{i}", f"{o2.sha256}:{i - 3}"] for i in range(4, 7)]
    # sightings are not duplicated either, and keep both sources
    seen = q(store, "MATCH ()-[s:SEEN_AT {case_id: $c}]->() RETURN s.event_id AS e, s.sources AS src", c=case_id)
    assert len(seen) == 16 and sum(len(s["src"]) == 2 for s in seen) == 6  # first + last per event


def test_mirrored_record_merges_and_keeps_the_other_partys_cell(
    store: GraphStore, settings: Settings, case_id: str, tmp_path: Path, monkeypatch
) -> None:
    t = utc(2024, 2, 1, 9, 0)
    a_side = [cdr_row(1, A, B, t)]
    b_side = [cdr_row(1, A, B, t, direction="MT", target=B, first_cgi="234-10-2000-22", last_cgi="234-10-2000-22")]
    fa, fb = fake_file(tmp_path, "a.csv", a_side), fake_file(tmp_path, "b.csv", b_side + [{"row": 0}])
    install_fake_reader(monkeypatch, {fa: ("cdr", a_side), fb: ("cdr", b_side)})
    importer.import_file(store, case_id, fa, settings=settings)
    ob = importer.import_file(store, case_id, fb, settings=settings)
    assert ob.report["reasons"] == {"mirrored_duplicate": 1} and ob.report["loaded"] == 0
    calls = q(
        store, "MATCH (a)-[r:CALLED {case_id: $c}]->(b) RETURN a.key AS a, b.key AS b, r.direction AS d", c=case_id
    )
    assert calls == [{"a": A, "b": B, "d": "MO"}]
    seen = q(
        store,
        "MATCH (n:Number)-[s:SEEN_AT {case_id: $c, role: 'first'}]->(x:Cell) "
        "RETURN n.key AS n, x.cgi AS cgi ORDER BY n",
        c=case_id,
    )
    assert seen == [{"n": A, "cgi": "234-10-1000-11"}, {"n": B, "cgi": "234-10-2000-22"}]


def test_unresolved_cell_is_kept_flagged_and_its_event_loaded(
    store: GraphStore, settings: Settings, case_id: str, tmp_path: Path, monkeypatch
) -> None:
    cells = [cells_row(1, "234-10-1000-11", date(2023, 1, 1), None, 120.0)]
    rows = [
        cdr_row(1, A, B, utc(2024, 3, 1, 12)),
        cdr_row(
            2,
            A,
            C,
            utc(2024, 3, 1, 13),
            first_cgi="234-10-9999-99",
            last_cgi="234-10-9999-99",
            first_lat=51.6,
            first_lon=-0.2,
            first_azimuth=0.0,
        ),
        cdr_row(3, A, C, utc(2024, 3, 1, 14), first_cgi="aa:bb:cc:dd:ee:ff", first_cell_kind="wifi", last_cgi=None),
    ]
    fc, fd = fake_file(tmp_path, "cells.csv", cells), fake_file(tmp_path, "cdr.csv", rows)
    install_fake_reader(monkeypatch, {fc: ("cells", cells), fd: ("cdr", rows)})
    outcomes = importer.import_files(store, case_id, [fd, fc], settings=settings)
    assert [o.file_name for o in outcomes] == ["cells.csv", "cdr.csv"]  # cell lists first
    report = outcomes[1].report
    assert report["loaded"] == 3 and report["flags"].get("unresolved_cell") == 1
    assert importer.event_counts(store, case_id)["called"] == 3
    cell = q(store, "MATCH (x:Cell {case_id: $c, key: '234-10-9999-99'}) RETURN x {.*} AS x", c=case_id)[0]["x"]
    assert cell["resolved"] is False and cell["location_source"] == "cdr" and cell["azimuth"] == 0.0
    assert cell["location"].latitude == pytest.approx(51.6)
    flagged = q(
        store,
        "MATCH ()-[r:CALLED {case_id: $c}]->() WHERE 'unresolved_cell' IN r.flags RETURN r.src_row AS row",
        c=case_id,
    )
    assert flagged == [{"row": 2}]
    wifi = q(store, "MATCH (x:Cell {case_id: $c, kind: 'wifi'}) RETURN x {.*} AS x", c=case_id)
    assert len(wifi) == 1 and "location" not in wifi[0]["x"]
    resolved = q(
        store,
        "MATCH (:Number {key: $a})-[s:SEEN_AT {case_id: $c, src_row: 1, role: 'first'}]->(x:Cell) "
        "RETURN x.key AS k, x.azimuth AS az",
        c=case_id,
        a=A,
    )
    assert resolved == [{"k": "234-10-1000-11@2023-01-01", "az": 120.0}]


def test_reconfigured_cell_resolves_old_azimuth_before_and_new_after(
    store: GraphStore, settings: Settings, case_id: str, tmp_path: Path, monkeypatch
) -> None:
    cgi = "234-10-1000-11"
    cells = [
        cells_row(1, cgi, date(2023, 1, 1), date(2024, 6, 1), 120.0),
        cells_row(2, cgi, date(2024, 6, 1), None, 200.0),
    ]
    rows = [cdr_row(1, A, B, utc(2024, 5, 31, 23, 59)), cdr_row(2, A, B, utc(2024, 6, 1, 0, 1))]
    fc, fd = fake_file(tmp_path, "cells.csv", cells), fake_file(tmp_path, "cdr.csv", rows)
    install_fake_reader(monkeypatch, {fc: ("cells", cells), fd: ("cdr", rows)})
    importer.import_files(store, case_id, [fc, fd], settings=settings)
    got = q(
        store,
        "MATCH ()-[s:SEEN_AT {case_id: $c, role: 'first'}]->(x:Cell) RETURN s.src_row AS row, x.azimuth AS az "
        "ORDER BY row",
        c=case_id,
    )
    assert got == [{"row": 1, "az": 120.0}, {"row": 2, "az": 200.0}]


def test_dst_overlap_and_gap_are_flagged_in_report_and_on_event(
    store: GraphStore, settings: Settings, case_id: str, tmp_path: Path, monkeypatch
) -> None:
    no_cell = {"first_cgi": None, "last_cgi": None}
    rows = [
        cdr_row(1, A, B, utc(2024, 10, 27, 0, 30), flags=["dst_ambiguous"], start_raw="27/10/2024 01:30:00", **no_cell),
        cdr_row(
            2, A, B, utc(2024, 3, 31, 1, 30), flags=["dst_nonexistent"], start_raw="31/03/2024 01:30:00", **no_cell
        ),
    ]
    path = fake_file(tmp_path, "dst.csv", rows)
    install_fake_reader(monkeypatch, {path: ("cdr", rows)})
    outcome = importer.import_file(store, case_id, path, settings=settings)
    assert outcome.report["flags"] == {"dst_ambiguous": 1, "dst_nonexistent": 1}
    stored = json.loads(outcome.source_file["report"])
    assert stored["flags"] == {"dst_ambiguous": 1, "dst_nonexistent": 1}
    got = q(
        store,
        "MATCH ()-[r:CALLED {case_id: $c}]->() RETURN r.src_row AS row, r.flags AS f, r.start_raw AS raw ORDER BY row",
        c=case_id,
    )
    assert got == [
        {"row": 1, "f": ["dst_ambiguous"], "raw": "27/10/2024 01:30:00"},
        {"row": 2, "f": ["dst_nonexistent"], "raw": "31/03/2024 01:30:00"},
    ]


def test_evidence_copy_is_byte_identical_and_read_only(
    store: GraphStore, settings: Settings, case_id: str, tmp_path: Path, monkeypatch
) -> None:
    rows = [cdr_row(1, A, B, utc(2024, 1, 1, 10))]
    path = fake_file(tmp_path, "ev.csv", rows)
    install_fake_reader(monkeypatch, {path: ("cdr", rows)})
    outcome = importer.import_file(store, case_id, path, settings=settings)
    copy = Path(outcome.source_file["evidence_path"])
    assert copy == settings.home / "evidence" / case_id / outcome.sha256
    assert copy.read_bytes() == path.read_bytes()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o444
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
    sf = outcome.source_file
    assert sf["file_name"] == "ev.csv" and sf["size"] == path.stat().st_size and sf["software_version"]
    assert sf["rows_read"] == 1 and sf["imported_by"] == "cli" and sf["template_id"] == "test"
    assert importer.rejected_rows_path(settings, case_id, outcome.sha256).exists()


def test_every_event_source_resolves_to_a_source_file_and_row(
    store: GraphStore, settings: Settings, case_id: str, tmp_path: Path, monkeypatch
) -> None:
    rows = [cdr_row(i, A, C, utc(2024, 1, 2, 10, i)) for i in range(1, 5)]
    rows.append(cdr_row(5, A, None, utc(2024, 1, 2, 11), event_type="data"))
    rows.append({**cdr_row(6, A, C, utc(2024, 1, 2, 10, 1)), "outcome": "merged", "reason": "exact_duplicate"})
    rows.append({**cdr_row(7, A, C, utc(2024, 1, 2, 12)), "outcome": "rejected", "reason": "bad_timestamp"})
    path = fake_file(tmp_path, "prov.csv", rows)
    install_fake_reader(monkeypatch, {path: ("cdr", rows)})
    importer.import_file(store, case_id, path, settings=settings)
    bad = q(
        store,
        "MATCH ()-[r:CALLED|SEEN_AT|READ_AT]->() WHERE r.case_id = $c UNWIND r.sources AS s "
        "WITH r, split(s, ':') AS p OPTIONAL MATCH (f:SourceFile {case_id: $c, sha256: p[0]}) "
        "WITH r, p, f WHERE f IS NULL OR NOT toInteger(p[1]) >= 1 OR toInteger(p[1]) > f.rows_read "
        "RETURN count(*) AS n",
        c=case_id,
    )
    assert bad == [{"n": 0}]
    merged = q(
        store, "MATCH ()-[r:CALLED {case_id: $c}]->() WHERE size(r.sources) = 2 RETURN r.sources AS s", c=case_id
    )
    assert len(merged) == 1 and merged[0]["s"][1].endswith(":6")
    data = q(store, "MATCH ()-[s:SEEN_AT {case_id: $c, type: 'data'}]->() RETURN DISTINCT s.src_row AS r", c=case_id)
    assert data == [{"r": 5}]
    assert importer.event_counts(store, case_id)["called"] == 4
    rejected = importer.rejected_rows_path(settings, case_id, importer.list_sources(store, case_id)[0]["sha256"])
    assert "bad_timestamp" in rejected.read_text()


def test_failed_read_mid_file_leaves_the_case_unchanged(
    store: GraphStore, settings: Settings, case_id: str, tmp_path: Path, monkeypatch
) -> None:
    from csas_graph.errors import IngestError

    good = [cdr_row(i, A, B, utc(2024, 1, 3, 10, i)) for i in range(1, 4)]
    fg = fake_file(tmp_path, "good.csv", good)
    install_fake_reader(monkeypatch, {fg: ("cdr", good)})
    importer.import_file(store, case_id, fg, settings=settings)
    before = importer.event_counts(store, case_id)
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\x00\x01garbage")

    def chunks():
        yield __import__("pandas").DataFrame([cdr_row(i, B, C, utc(2024, 1, 4, 10, i)) for i in range(1, 4)])
        raise IngestError("broken.csv: line 5: truncated last line")

    monkeypatch.setattr(
        importer,
        "open_source",
        lambda path, **_: importer.FileSource("cdr", "broken.csv", "t", "1", None, chunks, lambda: {}),
    )
    with pytest.raises(IngestError, match="broken.csv"):
        importer.import_file(store, case_id, broken, settings=settings)
    assert importer.event_counts(store, case_id) == before
    assert [s["file_name"] for s in importer.list_sources(store, case_id)] == ["good.csv"]
    assert q(store, "MATCH (n:Number {case_id: $c, key: $k}) RETURN n", c=case_id, k=C) == []


def test_post_import_hooks_run_after_each_landed_file_only(
    store: GraphStore, settings: Settings, case_id: str, tmp_path: Path, monkeypatch
) -> None:
    calls: list[tuple[GraphStore, str]] = []
    monkeypatch.setattr(importer, "POST_IMPORT_HOOKS", [lambda s, c: calls.append((s, c))])
    rows = [cdr_row(1, A, B, utc(2024, 4, 1, 10))]
    path = fake_file(tmp_path, "hook.csv", rows)
    install_fake_reader(monkeypatch, {path: ("cdr", rows)})
    importer.import_file(store, case_id, path, settings=settings)
    importer.import_file(store, case_id, path, settings=settings)  # already imported: no hook
    assert calls == [(store, case_id)]
    outcome = importer.import_file(store, case_id, path, settings=settings)
    assert json.loads(json.dumps(outcome.as_dict()))["already_imported"] is True


def test_a_batch_of_files_runs_the_post_import_hooks_once(
    store: GraphStore, settings: Settings, case_id: str, tmp_path: Path, monkeypatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(importer, "POST_IMPORT_HOOKS", [lambda s, c: calls.append(c)])
    monkeypatch.setattr(importer, "sniff_kind", lambda path, **_: "cdr")
    files = {}
    for n in range(3):
        rows = [cdr_row(i, A, B, utc(2024, 5, 1 + n, 10, i)) for i in range(1, 4)]
        files[fake_file(tmp_path, f"batch{n}.csv", rows)] = ("cdr", rows)
    install_fake_reader(monkeypatch, files)
    outcomes = importer.import_files(store, case_id, list(files), settings=settings)
    assert [o.already_imported for o in outcomes] == [False, False, False]
    assert calls == [case_id]  # once for the batch, after every file landed
    assert importer.event_counts(store, case_id)["called"] == 9
    importer.import_files(store, case_id, list(files), settings=settings)
    assert calls == [case_id]  # nothing landed: nothing to refresh
    # a batch that fails part way still refreshes for the files that landed before the failure
    extra = [cdr_row(1, B, C, utc(2024, 6, 1, 10))]
    landed = fake_file(tmp_path, "landed.csv", extra)
    missing = tmp_path / "missing.csv"
    files = {landed: ("cdr", extra)}
    install_fake_reader(monkeypatch, files)
    from csas_graph.errors import CsasError

    with pytest.raises(CsasError, match="missing.csv"):
        importer.import_files(store, case_id, [landed, missing], settings=settings)
    assert calls == [case_id, case_id]
    assert importer.event_counts(store, case_id)["called"] == 10
