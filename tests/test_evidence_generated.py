"""Evidence on a generated case: real files through the real loader, a real registered analysis."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import openpyxl
import pypdf
import pytest
from followthemoney import model
from test_evidence_support import make_users

from csas_graph.exhibits.content import STANDARD_LIMITATIONS
from csas_graph.exhibits.render import render_exhibit, strip_generated
from csas_graph.exhibits.review import approve_exhibit, create_exhibit
from csas_graph.exports import export_case
from csas_graph.exports.data import load_case_data, parse_params
from csas_graph.graph_store import GraphStore
from csas_graph.importer import import_file, list_sources
from csas_graph.runs import get_run, reproduce, run_and_record
from csas_graph.settings import Settings

FIRST = ("cells_wgs84.csv", "cells_osgb36.csv", "c_ee_voice_sms.csv")
LATER = "e_att_cdr.csv"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    from csas_graph.synth.generate import generate

    out = tmp_path_factory.mktemp("synth")
    truth = generate(out, seed=3, rows=2000, layouts=["cells", "c", "e"])
    return out, truth


@pytest.mark.slow
def test_exhibit_of_a_generated_case_regenerates_and_reproduces(
    store: GraphStore, case_id: str, settings: Settings, generated: tuple[Path, dict[str, Any]]
) -> None:
    folder, truth = generated
    users = make_users(store)
    for name in FIRST:
        import_file(store, case_id, folder / name, settings=settings, user=users.author)
    sources = list_sources(store, case_id)
    assert sorted(s["file_name"] for s in sources) == sorted(FIRST)

    number = max((n for n in truth["event_counts"] if n.startswith("+44")), key=lambda n: (truth["event_counts"][n], n))
    result, run_id = run_and_record(store, case_id, "top-contacts", {"number": number}, users.author)
    assert result.rows, "the busiest number has contacts"
    run = get_run(store, run_id)
    assert [s["sha256"] for s in run.data_state["sources"]] == sorted(s["sha256"] for s in sources)

    exhibit = create_exhibit(store, case_id, "GEN/1", [run_id], author=users.author, title="Top contacts")
    approve_exhibit(store, exhibit.exhibit_id, reviewer=users.lead)
    first = render_exhibit(store, exhibit.exhibit_id, user=users.author, generated_at=datetime(2026, 1, 1, tzinfo=UTC))
    second = render_exhibit(store, exhibit.exhibit_id, user=users.reviewer)
    assert strip_generated(first.html) == strip_generated(second.html)
    assert first.pdf is not None
    text = "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(first.pdf)).pages)
    flat = " ".join(text.split())
    for source in sources:
        assert source["sha256"] in text, source["file_name"]
    for statement in STANDARD_LIMITATIONS:
        assert statement in flat
    expected = truth["files"]["c_ee_voice_sms.csv"]
    for code in expected["reasons"]:  # every reject and merge reason the generator planted is reported
        assert code in flat, code
    assert "cells_wgs84.csv" in flat and "valid from" in flat  # the cell list and its validity dates

    assert reproduce(store, run_id, user=users.reviewer).matches
    import_file(store, case_id, folder / LATER, settings=settings, user=users.author)
    outcome = reproduce(store, run_id, user=users.reviewer)
    added = [f["file_name"] for f in outcome.files_added]
    assert added == [LATER]
    if not outcome.matches:
        assert any(LATER in line for line in outcome.explanation)

    # the real data exports to every format and reads back whole
    data = load_case_data(store, case_id, parse_params({}))
    graph = nx.read_graphml(io.BytesIO(export_case(store, case_id, "graphml", {}, user=users.author).content))
    assert graph.number_of_nodes() == len(data.nodes) and graph.number_of_edges() == len(data.edges)
    chart = ET.fromstring(export_case(store, case_id, "anx", {}, user=users.author).content)
    assert len(chart.findall("ChartItemCollection/ChartItem/Link")) == len(data.edges)
    kml = ET.fromstring(export_case(store, case_id, "kml", {"number": number}, user=users.author).content)
    assert len(list(kml.iter("{http://www.opengis.net/kml/2.2}Placemark"))) > 10
    book = openpyxl.load_workbook(io.BytesIO(export_case(store, case_id, "xlsx", {}, user=users.author).content))
    assert book["Events"].max_row == len(data.events) + 1
    ftm = export_case(store, case_id, "ftm", {}, user=users.author).content.splitlines()
    for line in ftm:
        entity = json.loads(line)
        assert model.get(entity["schema"]).validate(entity) is None  # type: ignore[union-attr]
