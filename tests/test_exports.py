"""Exports round-trip through the tools that read them, and every export is audited."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import xml.etree.ElementTree as ET

import networkx as nx
import openpyxl
import pytest
from followthemoney import model
from test_evidence_support import A, B, make_users, seed_case

from csas_graph import audit
from csas_graph.errors import InvalidInput, NotFound, PermissionDenied
from csas_graph.exports import FORMATS, export_case
from csas_graph.graph_store import GraphStore

#: what seed_case writes: 4 numbers, 3 cells, 1 handset, 1 SIM, 1 vehicle, 1 camera, 1 person
NODES = 12
#: 4 calls + 4 cell sightings + 1 ANPR read
EVENTS = 9
#: USED_SIM, IN_HANDSET, USED_HANDSET, ATTRIBUTED_TO
LINKS = 4
KML = "{http://www.opengis.net/kml/2.2}"
GX = "{http://www.google.com/kml/ext/2.2}"


@pytest.fixture
def case(store: GraphStore, case_id: str) -> tuple[str, dict, object]:
    files = seed_case(store, case_id)
    return case_id, files, make_users(store)


def test_graphml_round_trips_through_networkx(store: GraphStore, case) -> None:  # type: ignore[no-untyped-def]
    case_id, files, users = case
    export = export_case(store, case_id, "graphml", {}, user=users.author)
    graph = nx.read_graphml(io.BytesIO(export.content), force_multigraph=True)
    assert isinstance(graph, nx.MultiDiGraph)
    assert graph.number_of_nodes() == NODES and graph.number_of_edges() == EVENTS + LINKS
    assert f"Number:{A}" in graph and graph.nodes[f"Number:{A}"]["node_type"] == "Number"
    cell = graph.nodes["Cell:234-10-100-1001@2024-01-01"]
    assert cell["label"] == "Bull Ring" and cell["lat"] == pytest.approx(52.48) and cell["azimuth"] == 120.0
    calls = [d for _, _, d in graph.edges(data=True) if d["relationship"] == "CALLED"]
    assert len(calls) == 4 and all(d["src_sha256"] == files["cdr"] and d["weight"] == 1.0 for d in calls)
    assert sorted(d["event_type"] for d in calls) == ["sms", "voice", "voice", "voice"]
    keys = {k for _, _, k in graph.edges(keys=True)}
    assert f"CALLED:{'e' * 23}1" in keys and f"SEEN_AT:{'e' * 23}1:first" in keys
    assert export.filename == f"{case_id}.graphml" and export.media_type == FORMATS["graphml"][0]


def test_anx_follows_the_chart_structure(store: GraphStore, case) -> None:  # type: ignore[no-untyped-def]
    case_id, files, users = case
    export = export_case(store, case_id, "anx", {}, user=users.author)
    chart = ET.fromstring(export.content)
    assert chart.tag == "Chart" and chart.get("IdReferenceLinking") == "false"
    entity_types = {e.get("Name") for e in chart.findall("EntityTypeCollection/EntityType")}
    link_types = {e.get("Name") for e in chart.findall("LinkTypeCollection/LinkType")}
    attribute_classes = {e.get("Id") for e in chart.findall("AttributeClassCollection/AttributeClass")}
    items = chart.findall("ChartItemCollection/ChartItem")
    entities = [i.find("End/Entity") for i in items if i.find("End/Entity") is not None]
    links = [i for i in items if i.find("Link") is not None]
    assert len(entities) == NODES and len(links) == EVENTS + LINKS and len(items) == NODES + EVENTS + LINKS
    ids = set()
    for item in items:
        assert item.get("Label"), "every chart item has a label"
    for entity in entities:
        assert entity is not None and entity.get("EntityId") and entity.get("Identity")
        style = entity.find("Icon/IconStyle")
        assert style is not None and style.get("Type") in entity_types
        ids.add(entity.get("EntityId"))
    assert len(ids) == NODES
    dated = 0
    for item in links:
        link = item.find("Link")
        assert link is not None and link.get("End1Id") in ids and link.get("End2Id") in ids
        style = link.find("LinkStyle")
        assert (
            style is not None and style.get("Type") in link_types and style.get("Strength") and style.get("ArrowStyle")
        )
        if item.get("DateSet") == "true":
            dated += 1
            assert len(item.get("DateTime", "")) == 19  # YYYY-MM-DDTHH:MM:SS
        for attribute in item.findall("AttributeCollection/Attribute"):
            assert attribute.get("AttributeClassReference") in attribute_classes
    assert dated == EVENTS
    sms = [i for i in links if i.find("Link/LinkStyle").get("Type") == "SMS"]  # type: ignore[union-attr]
    assert len(sms) == 1
    provenance = [a.get("Value") for a in chart.iter("Attribute")]
    assert files["cdr"] in provenance


def test_kml_has_cells_with_sectors_and_a_timed_tour(store: GraphStore, case) -> None:  # type: ignore[no-untyped-def]
    case_id, _, users = case
    export = export_case(store, case_id, "kml", {"number": A, "sector_radius_m": 500}, user=users.author)
    root = ET.fromstring(export.content)
    folders = {f.findtext(f"{KML}name"): f for f in root.iter(f"{KML}Folder")}
    cells = folders["Cell sites"].findall(f"{KML}Placemark")
    assert len(cells) == 2  # the unresolved cell is never placed
    for placemark in cells:
        assert placemark.find(f"{KML}MultiGeometry/{KML}Point") is not None
        ring = placemark.findtext(
            f"{KML}MultiGeometry/{KML}Polygon/{KML}outerBoundaryIs/{KML}LinearRing/{KML}coordinates"
        )
        assert ring and ring.split()[0] == ring.split()[-1]  # a closed sector
        assert "not coverage" in (placemark.findtext(f"{KML}description") or "")
    moves = folders[f"Movement of {A}"].findall(f"{KML}Placemark")
    assert len(moves) == 3  # A's calls 1, 2 and 4 were on located cells
    whens = [p.findtext(f"{KML}TimeStamp/{KML}when") for p in moves]
    assert whens == sorted(whens) and all(whens)
    assert all("at or before" in (p.findtext(f"{KML}description") or "") for p in moves)
    tour = root.find(f".//{GX}Tour")
    assert tour is not None and len(tour.findall(f"{GX}Playlist/{GX}FlyTo")) == 3
    assert export.item_count == 5


def test_xlsx_schedule_round_trips_through_openpyxl(store: GraphStore, case) -> None:  # type: ignore[no-untyped-def]
    case_id, files, users = case
    export = export_case(store, case_id, "xlsx", {}, user=users.author)
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["Events", "Sources", "Notes"]
    rows = list(book["Events"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == EVENTS
    assert {"source_file", "source_sha256", "source_row", "all_sources", "time_utc", "time_local"} <= set(header)
    record = dict(zip(header, body[0], strict=True))
    assert record["event_id"] == "e" * 23 + "1" and record["from"] == A and isinstance(record["from"], str)
    assert record["source_file"] == "o2_cdr_0001.csv" and record["source_sha256"] == files["cdr"]
    assert record["source_row"] == 2 and record["time_local"].startswith("2024-03-01T10:00:00+00:00")
    assert record["imei"] == "356938035643809"  # text, never 3.56938E+14
    sources = list(book["Sources"].iter_rows(values_only=True))
    assert len(sources) == 4 and {r[1] for r in sources[1:]} == {files["cdr"], files["cells"], files["anpr"]}
    notes = " ".join(str(c) for r in book["Notes"].iter_rows(values_only=True) for c in r if c)
    assert "at or before" in notes


def test_csv_schedule_has_provenance_and_honours_the_window(store: GraphStore, case) -> None:  # type: ignore[no-untyped-def]
    case_id, files, users = case
    rows = list(csv.DictReader(io.StringIO(export_case(store, case_id, "csv", {}, user=users.author).content.decode())))
    assert len(rows) == EVENTS and all(r["source_sha256"] and r["source_row"] for r in rows)
    assert [r["time_utc"] for r in rows] == sorted(r["time_utc"] for r in rows)
    windowed = export_case(
        store, case_id, "csv", {"since": "2024-03-01T10:15:00Z", "until": "2024-03-01T11:30:00Z"}, user=users.author
    )
    rows = list(csv.DictReader(io.StringIO(windowed.content.decode())))
    assert len(rows) == 5  # call 2 and 3 with their sightings, and the ANPR read at 10:20
    assert {r["event"] for r in rows} == {"call", "cell sighting", "ANPR read"}


def test_ftm_entities_validate_against_the_model(store: GraphStore, case) -> None:  # type: ignore[no-untyped-def]
    case_id, files, users = case
    export = export_case(store, case_id, "ftm", {}, user=users.author)
    entities = [json.loads(line) for line in export.content.decode().splitlines()]
    by_schema: dict[str, list[dict]] = {}
    for data in entities:
        schema = model.get(data["schema"])
        assert schema is not None and schema.validate(data) is None
        proxy = model.get_proxy(data)
        assert proxy.id == data["id"]
        by_schema.setdefault(data["schema"], []).append(data)
    assert {k: len(v) for k, v in by_schema.items()} == {
        "Document": 3,
        "Person": 1,
        "UserAccount": 4,
        "Vehicle": 1,
        "Call": 4,
        "Event": 1,
    }
    person = by_schema["Person"][0]["id"]
    documents = {d["properties"]["keywords"][0]: d["id"] for d in by_schema["Document"]}
    assert set(documents) == {files["cdr"], files["cells"], files["anpr"]}
    first_call = next(c for c in by_schema["Call"] if c["properties"]["recordId"] == ["e" * 23 + "1"])
    assert first_call["properties"]["caller"] == [person]  # A is attributed to the person
    assert first_call["properties"]["proof"] == [documents[files["cdr"]]]
    assert first_call["properties"]["duration"] == ["65"]
    accounts = {a["properties"]["username"][0] for a in by_schema["UserAccount"]}
    assert {A, B} <= accounts
    assert export.item_count == len(entities)


def test_every_export_is_audited_with_the_hash_of_its_bytes(store: GraphStore, case) -> None:  # type: ignore[no-untyped-def]
    case_id, _, users = case
    digests = {}
    for fmt in FORMATS:
        export = export_case(store, case_id, fmt, {"number": A} if fmt == "kml" else {}, user=users.lead, client="t")
        digests[fmt] = (hashlib.sha256(export.content).hexdigest(), export.item_count)
    records = [r for r in audit.select_records(store, case_ids=[case_id]) if r["action"] == "export"]
    assert len(records) == len(FORMATS)
    for record in records:
        params = audit.parse_params(record)
        assert record["user"] == users.lead and record["client"] == "t"
        assert (record["result_hash"], record["result_count"]) == digests[params["format"]]


def test_a_viewer_cannot_export_and_bad_requests_are_refused(store: GraphStore, case) -> None:  # type: ignore[no-untyped-def]
    case_id, _, users = case
    with pytest.raises(PermissionDenied, match="viewer"):
        export_case(store, case_id, "csv", {}, user=users.viewer)
    with pytest.raises(PermissionDenied, match="unknown user"):
        export_case(store, case_id, "csv", {}, user="someone-unknown")
    with pytest.raises(InvalidInput, match="format"):
        export_case(store, case_id, "pdf", {}, user=users.author)
    with pytest.raises(InvalidInput, match="colour"):
        export_case(store, case_id, "kml", {"colour": "red"}, user=users.author)
    with pytest.raises(InvalidInput, match="since"):
        export_case(store, case_id, "csv", {"since": "2024-03-01T10:00:00"}, user=users.author)  # no zone
    with pytest.raises(NotFound):
        export_case(store, case_id + "-missing", "csv", {}, user=users.author)
    assert not [r for r in audit.select_records(store, case_ids=[case_id]) if r["action"] == "export"]
