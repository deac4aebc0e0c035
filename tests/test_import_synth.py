"""Acceptance: every built-in layout's generated files import, and each file's reconciliation
equals truth.json's (imported in truth's ``import_order``); planted cells land as planted."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from csas_graph import importer
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings

COMPARED = ("rows_read", "loaded", "merged", "rejected", "reasons", "flags")
#: informational flags the reader records and truth.json does not count
NOT_IN_TRUTH = frozenset({"number_normalised", "time_local_converted"})


@pytest.fixture(scope="module")
def synth_import(
    store: GraphStore, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, dict[str, Any], dict[str, importer.ImportOutcome]]:
    from csas_graph.synth.generate import PLAIN_TEMPLATE_FILE, generate

    out = tmp_path_factory.mktemp("synth")
    truth = generate(out, seed=11, rows=3_000)
    case_id = f"T-synth-{uuid.uuid4().hex[:8]}"
    outcomes = {}
    started = time.monotonic()
    for name in truth["import_order"]:
        template_file = out / PLAIN_TEMPLATE_FILE if name.startswith("f_") else None
        outcomes[name] = importer.import_file(
            store, case_id, out / name, template_file=template_file, settings=settings
        )
    print(f"imported {len(outcomes)} files in {time.monotonic() - started:.1f} s")
    return case_id, truth, outcomes


def test_every_layout_imports_and_reconciles_with_truth(
    store: GraphStore, synth_import: tuple[str, dict[str, Any], dict[str, importer.ImportOutcome]]
) -> None:
    case_id, truth, outcomes = synth_import
    mismatches = {}
    for name, outcome in outcomes.items():
        got = {k: outcome.report.get(k) for k in COMPARED}
        got["flags"] = {k: v for k, v in got["flags"].items() if k not in NOT_IN_TRUTH}
        want = {k: truth["files"][name][k] for k in COMPARED}
        assert got["rows_read"] == got["loaded"] + got["merged"] + got["rejected"], name
        if got != want:
            mismatches[name] = {k: (got[k], want[k]) for k in COMPARED if got[k] != want[k]}
    assert not mismatches, json.dumps(mismatches, indent=1, default=str)
    sources = importer.list_sources(store, case_id)
    assert len(sources) == len(truth["import_order"]) and all(s["status"] == "complete" for s in sources)
    assert {s["kind"] for s in sources} == {"cdr", "cells", "anpr", "subscribers"}
    prefixes = {s["file_name"][:2] for s in sources if s["kind"] == "cdr"}
    assert prefixes == {"a_", "b_", "c_", "d_", "e_", "f_"}
    # the stored report is the one returned, and the graph holds what it says was loaded
    some = next(iter(outcomes.values()))
    assert importer.get_report(store, case_id, some.sha256) == some.report


def test_planted_unresolved_cells_are_kept_and_carry_their_events(
    store: GraphStore, synth_import: tuple[str, dict[str, Any], dict[str, importer.ImportOutcome]]
) -> None:
    case_id, truth, _ = synth_import
    assert truth["unresolved_cells"]
    for cgi in truth["unresolved_cells"]:
        rows = store.run_statement(
            "MATCH (:Number)-[s:SEEN_AT {case_id: $c}]->(x:Cell {case_id: $c, key: $k}) "
            "RETURN x.resolved AS resolved, count(s) AS n, "
            "all(f IN collect(s.flags) WHERE 'unresolved_cell' IN f) AS ok",
            {"c": case_id, "k": cgi},
            write=False,
        )
        assert rows and rows[0]["resolved"] is False and rows[0]["n"] > 0 and rows[0]["ok"], cgi


def test_planted_reconfigured_cells_resolve_by_date(
    store: GraphStore, synth_import: tuple[str, dict[str, Any], dict[str, importer.ImportOutcome]]
) -> None:
    case_id, truth, _ = synth_import
    assert truth["reconfigured_cells"]
    for change in truth["reconfigured_cells"]:
        rows = store.run_statement(
            "MATCH ()-[s:SEEN_AT {case_id: $c}]->(x:Cell {case_id: $c, cgi: $cgi}) "
            "RETURN s.t < datetime($at) AS before, collect(DISTINCT x.azimuth) AS azimuths",
            {"c": case_id, "cgi": change["cgi"], "at": change["changed_at"]},
            write=False,
        )
        by_side = {r["before"]: r["azimuths"] for r in rows}
        assert by_side.get(True) in (None, [change["old_azimuth"]]), change
        assert by_side.get(False) in (None, [change["new_azimuth"]]), change
        assert by_side, change  # events on the cell exist on at least one side
