"""Analysis runs as records, reproduction, exhibit reports and review, on the real database."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime

import pypdf
import pytest
from test_evidence_support import A, add_import, contact_counts, make_users, seed_case

from csas_graph import audit
from csas_graph.errors import Conflict, IntegrityError, PermissionDenied
from csas_graph.exhibits.content import STANDARD_LIMITATIONS, build_content, content_hash, reason_counts
from csas_graph.exhibits.render import render_exhibit, strip_generated
from csas_graph.exhibits.review import approve_exhibit, create_exhibit, edit_exhibit, exhibit_versions, get_exhibit
from csas_graph.graph_store import GraphStore
from csas_graph.runs import compare, data_state, get_run, record_run, reproduce


def _run(store: GraphStore, case_id: str, user: str, **params: int) -> str:
    return record_run(store, contact_counts(store, case_id, "contact_counts", params), user)


def _audits(store: GraphStore, case_id: str, action: str) -> list[dict]:
    return [r for r in audit.select_records(store, case_ids=[case_id]) if r["action"] == action]


def test_a_run_is_recorded_with_its_data_state(store: GraphStore, case_id: str) -> None:
    files = seed_case(store, case_id)
    users = make_users(store)
    result = contact_counts(store, case_id, "contact_counts", {"min_duration": 10})
    run = get_run(store, record_run(store, result, users.author))
    assert run.analysis == "contact_counts" and run.user == users.author and run.at
    assert run.params == {"min_duration": 10} and run.result_hash == result.hash
    shas = [s["sha256"] for s in run.data_state["sources"]]
    assert shas == sorted([files["cdr"], files["cells"], files["anpr"]])
    assert "o2-cdr@1.2" in run.data_state["templates"] and run.data_state["software_version"]
    assert run.result["rows"] == json.loads(json.dumps(result.rows)) and run.row_count == 2


def test_a_run_reproduces_with_the_same_hash(store: GraphStore, case_id: str) -> None:
    seed_case(store, case_id)
    users = make_users(store)
    run_id = _run(store, case_id, users.author)
    outcome = reproduce(store, run_id, user=users.reviewer, runner=contact_counts)
    assert outcome.matches and outcome.current_hash == get_run(store, run_id).result_hash
    assert outcome.explanation[0].startswith("reproduced")
    (record,) = _audits(store, case_id, "reproduce")
    assert record["user"] == users.reviewer and record["result_hash"] == outcome.current_hash


def test_after_another_import_reproduce_explains_the_difference(store: GraphStore, case_id: str) -> None:
    seed_case(store, case_id)
    users = make_users(store)
    run_id = _run(store, case_id, users.author)
    new_sha = add_import(store, case_id)
    outcome = reproduce(store, run_id, user=users.author, runner=contact_counts)
    assert not outcome.matches
    assert [f["sha256"] for f in outcome.files_added] == [new_sha]
    text = "\n".join(outcome.explanation)
    assert "file imported since the run: o2_cdr_0002.csv" in text and new_sha in text
    assert outcome.rows_only_now == 1 and outcome.rows_only_then == 1  # the A->B count went from 2 to 3
    assert not outcome.template_changes and outcome.software_change is None


def test_reproduce_names_a_changed_template_and_software_version(store: GraphStore, case_id: str) -> None:
    files = seed_case(store, case_id)
    users = make_users(store)
    run = get_run(store, _run(store, case_id, users.author))
    store.run_statement(
        "MATCH (f:SourceFile {case_id: $c, sha256: $s}) SET f.template_version = '2.0'",
        {"c": case_id, "s": files["cdr"]},
        write=True,
    )
    now = data_state(store, case_id) | {"software_version": "9.9.9"}
    outcome = compare(run, contact_counts(store, case_id, "contact_counts", {}), now)
    assert outcome.matches  # the rows are the same: the difference is only explained, not fatal
    assert outcome.template_changes[0]["then"].startswith("o2-cdr@1.2")
    assert outcome.template_changes[0]["now"].startswith("o2-cdr@2.0")
    assert outcome.software_change == {"then": run.data_state["software_version"], "now": "9.9.9"}


def test_the_report_counts_reasons_wherever_the_loader_puts_them() -> None:
    report = {"outcomes": {"rejected": {"bad_timestamp": 3}, "merged": {"exact_duplicate": 2}}, "rows": 9}
    assert reason_counts(report) == [
        {"code": "bad_timestamp", "outcome": "rejected", "count": 3},
        {"code": "exact_duplicate", "outcome": "merged", "count": 2},
    ]
    assert reason_counts(None) == [] and reason_counts({"rows_read": 5}) == []


def _exhibit(store: GraphStore, case_id: str):  # type: ignore[no-untyped-def]
    files = seed_case(store, case_id)
    users = make_users(store)
    run_id = _run(store, case_id, users.author)
    exhibit = create_exhibit(store, case_id, "JS/1", [run_id], author=users.author, title="Contacts of A")
    return files, users, run_id, exhibit


def test_an_exhibit_regenerates_identically_apart_from_timestamps(store: GraphStore, case_id: str) -> None:
    _, users, _, exhibit = _exhibit(store, case_id)
    first = render_exhibit(store, exhibit.exhibit_id, user=users.author, generated_at=datetime(2024, 1, 1, tzinfo=UTC))
    second = render_exhibit(store, exhibit.exhibit_id, user=users.author, generated_at=datetime(2025, 6, 1, tzinfo=UTC))
    assert first.html != second.html  # the stamp differs...
    assert strip_generated(first.html) == strip_generated(second.html)  # ...and nothing else
    assert first.content_hash == second.content_hash
    assert first.pdf is not None and second.pdf is not None
    assert _pdf_text(first.pdf).replace("2024-01-01T00:00:00+00:00", "T") == _pdf_text(second.pdf).replace(
        "2025-06-01T00:00:00+00:00", "T"
    )
    assert len(_audits(store, case_id, "exhibit_render")) == 2


def test_the_pdf_text_holds_every_source_sha256_and_the_limitations(store: GraphStore, case_id: str) -> None:
    files, users, run_id, exhibit = _exhibit(store, case_id)
    rendered = render_exhibit(store, exhibit.exhibit_id, user=users.author)
    assert rendered.pdf is not None and rendered.pdf.startswith(b"%PDF")
    text = _pdf_text(rendered.pdf)
    for key in ("cdr", "cells", "anpr"):
        assert files[key] in text, f"{key} SHA-256 missing from the PDF text"
    flat = " ".join(text.split())
    for statement in STANDARD_LIMITATIONS:
        assert statement in flat
    assert "a phone used this cell at or before the time shown" in flat.lower()
    for expected in (
        case_id,
        "JS/1",
        users.author,
        run_id,
        "o2_cdr_0001.csv",
        "bad_timestamp (rejected): 1",
        "Europe/London",
        "cells_2024.csv",
        "2024-01-01",
        "DRAFT",
    ):
        assert expected in flat, expected
    assert "<svg" in rendered.html and "Figure 1" in rendered.html  # the map of the cells behind the result


def test_review_author_cannot_approve_viewer_cannot_approve(store: GraphStore, case_id: str) -> None:
    _, users, _, exhibit = _exhibit(store, case_id)
    with pytest.raises(PermissionDenied, match="second person"):
        approve_exhibit(store, exhibit.exhibit_id, reviewer=users.author)
    with pytest.raises(PermissionDenied, match="viewer"):
        approve_exhibit(store, exhibit.exhibit_id, reviewer=users.viewer)
    with pytest.raises(PermissionDenied, match="unknown user"):
        approve_exhibit(store, exhibit.exhibit_id, reviewer="nobody-at-all")
    assert get_exhibit(store, exhibit.exhibit_id).status == "draft"
    assert _audits(store, case_id, "exhibit_approve") == []

    final = approve_exhibit(store, exhibit.exhibit_id, reviewer=users.lead)
    assert final.status == "final" and final.approved_by == users.lead and final.approved_at
    assert final.final_hash == content_hash(build_content(store, final))
    (record,) = _audits(store, case_id, "exhibit_approve")
    assert record["user"] == users.lead and record["result_hash"] == final.final_hash
    with pytest.raises(Conflict, match="already final"):
        approve_exhibit(store, exhibit.exhibit_id, reviewer=users.reviewer)
    rendered = render_exhibit(store, exhibit.exhibit_id, user=users.reviewer)
    assert "FINAL" in rendered.html and final.final_hash in rendered.html


def test_a_final_exhibit_cannot_be_edited_a_change_makes_a_new_version(store: GraphStore, case_id: str) -> None:
    _, users, run_id, exhibit = _exhibit(store, case_id)
    draft = edit_exhibit(store, exhibit.exhibit_id, editor=users.reviewer, notes="checked the cell list")
    assert draft.exhibit_id == exhibit.exhibit_id and users.reviewer in draft.contributors
    with pytest.raises(PermissionDenied):  # an editor is no longer an independent reviewer
        approve_exhibit(store, exhibit.exhibit_id, reviewer=users.reviewer)
    final = approve_exhibit(store, exhibit.exhibit_id, reviewer=users.lead)

    second_run = _run(store, case_id, users.author, min_duration=20)
    v2 = edit_exhibit(store, final.exhibit_id, editor=users.author, run_ids=[run_id, second_run])
    assert v2.exhibit_id != final.exhibit_id and v2.version == 2 and v2.supersedes == final.exhibit_id
    assert v2.status == "draft" and v2.run_ids == (run_id, second_run)
    unchanged = get_exhibit(store, final.exhibit_id)
    assert unchanged == final  # the final version is untouched
    assert [e.version for e in exhibit_versions(store, case_id, "JS/1")] == [2, 1]
    with pytest.raises(Conflict, match="draft"):
        create_exhibit(store, case_id, "JS/1", [run_id], author=users.author)
    # the database itself refuses an in-place edit of a final exhibit
    import cypher

    assert not store.write(
        cypher.load("evidence/exhibit_update"),
        exhibit_id=final.exhibit_id,
        title="tampered",
        run_ids=None,
        notes=None,
        editor=users.author,
    )


def test_a_final_exhibit_whose_records_changed_is_refused(store: GraphStore, case_id: str) -> None:
    files, users, _, exhibit = _exhibit(store, case_id)
    approve_exhibit(store, exhibit.exhibit_id, reviewer=users.reviewer)
    store.run_statement(
        "MATCH (f:SourceFile {case_id: $c, sha256: $s}) SET f.rows_rejected = 0",
        {"c": case_id, "s": files["cdr"]},
        write=True,
    )
    with pytest.raises(IntegrityError, match="recorded at approval"):
        render_exhibit(store, exhibit.exhibit_id, user=users.author, pdf=False)


def test_a_later_import_does_not_change_an_exhibit(store: GraphStore, case_id: str) -> None:
    _, users, _, exhibit = _exhibit(store, case_id)
    before = build_content(store, exhibit)
    add_import(store, case_id)
    assert build_content(store, exhibit) == before


def test_viewer_cannot_render(store: GraphStore, case_id: str) -> None:
    _, users, _, exhibit = _exhibit(store, case_id)
    with pytest.raises(PermissionDenied):
        render_exhibit(store, exhibit.exhibit_id, user=users.viewer, pdf=False)


def test_number_a_is_in_the_results(store: GraphStore, case_id: str) -> None:
    _, users, _, exhibit = _exhibit(store, case_id)
    html = render_exhibit(store, exhibit.exhibit_id, user=users.author, pdf=False).html
    assert re.search(rf"<td>{re.escape(A)}</td>", html)
    # columns keep the analysis' order, although the stored result is canonical (sorted) JSON
    assert "<th>caller</th><th>callee</th><th>calls</th><th>evidence</th>" in html


def _pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)
