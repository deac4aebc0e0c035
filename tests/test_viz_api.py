"""The chart endpoints and the UI's static files, against the real database (no browser).

The data is the hand-built case of ``analyses_fixture`` (every row known by construction).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from analyses_fixture import CELLS, V1, VM, A, B, C, build
from fastapi.testclient import TestClient

import cypher
from api.main import create_app
from csas_graph import auth
from csas_graph.analyses.registry import run_analysis
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings
from viz.assets import external_resources
from viz.geo import angle_difference, wedge_axis_bearing


class Setup:
    def __init__(self, case_id: str, tokens: dict[str, str], other_case: str) -> None:
        self.case_id, self.tokens, self.other_case = case_id, tokens, other_case

    def auth(self, role: str = "analyst") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture(scope="module")
def setup(store: GraphStore) -> Setup:
    suffix = uuid.uuid4().hex[:6]
    team, other = f"vizapi-{suffix}", f"vizother-{suffix}"
    auth.create_team(store, team)
    auth.create_team(store, other)
    tokens = {}
    for role in ("analyst", "viewer"):
        auth.create_user(store, f"{role}-viz-{suffix}", role, teams=[team])
        tokens[role] = auth.create_token(store, f"{role}-viz-{suffix}")
    case_id, other_case = f"VIZAPI-{suffix}", f"VIZOTHER-{suffix}"
    build(store, case_id)
    store.run_statement("MATCH (c:Case {case_id: $c}) SET c.team = $t", {"c": case_id, "t": team}, write=True)
    build(store, other_case)
    store.run_statement("MATCH (c:Case {case_id: $c}) SET c.team = $t", {"c": other_case, "t": other}, write=True)
    return Setup(case_id, tokens, other_case)


@pytest.fixture(scope="module")
def client(store: GraphStore, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as c:
        yield c


def _audit(store: GraphStore, case_id: str) -> list[dict[str, Any]]:
    rows = store.read(cypher.load("audit/select"), case_ids=[case_id], user=None, after=0, limit=10_000)
    return [r["record"] for r in rows]


def test_contacts_chart_is_the_contacts_analysis_and_is_audited(
    client: TestClient, setup: Setup, store: GraphStore
) -> None:
    response = client.get(f"/cases/{setup.case_id}/charts/contacts", params={"seeds": A}, headers=setup.auth())
    assert response.status_code == 200, response.text
    chart = response.json()
    result = run_analysis(store, setup.case_id, "contacts", {"numbers": [A], "hops": 1})
    expected = {A} | {r["a"] for r in result.rows} | {r["b"] for r in result.rows}
    expected |= {x["number"] for x in result.excluded}
    assert {n["id"] for n in chart["nodes"]} == expected
    assert VM in expected and next(n for n in chart["nodes"] if n["id"] == VM)["group"] == "supernode"
    assert chart["meta"]["result_hash"] == result.hash
    edge = next(e for e in chart["edges"] if {e["from"], e["to"]} == {A, B})
    row = next(r for r in result.rows if {r["a"], r["b"]} == {A, B})
    assert edge["count"] == row["events"] and f"Events: {row['events']}" in edge["title"]
    assert f"First: {row['first']}" in edge["title"]
    record = _audit(store, setup.case_id)[-1]
    assert record["action"] == "chart.contacts" and record["result_hash"] == result.hash
    assert json.loads(record["params"])["seeds"] == [A]


def test_chart_identifiers_add_sims_and_handsets(client: TestClient, setup: Setup) -> None:
    response = client.get(
        f"/cases/{setup.case_id}/charts/contacts", params={"seeds": A, "identifiers": "true"}, headers=setup.auth()
    )
    groups = {n["group"] for n in response.json()["nodes"]}
    assert {"number", "sim", "handset"} <= groups


def test_map_wedges_point_at_the_cell_azimuths_and_carry_the_captions(client: TestClient, setup: Setup) -> None:
    response = client.get(f"/cases/{setup.case_id}/charts/map", params={"number": A}, headers=setup.auth())
    payload = response.json()
    azimuths = {c["key"]: c["azimuth"] for c in CELLS if c["lat"] is not None}
    drawn = {c["key"]: c for c in payload["cells"]}
    assert set(drawn) <= set(azimuths) and drawn
    for key, cell in drawn.items():
        assert angle_difference(wedge_axis_bearing([tuple(p) for p in cell["wedge"]]), azimuths[key]) < 0.01
    assert [p["t"] for p in payload["movement"]] == sorted(p["t"] for p in payload["movement"])
    assert any("Sectors are illustrative, not coverage" in c for c in payload["captions"])
    assert any("at or before the time shown" in c for c in payload["captions"])
    assert payload["tile_url"] is None


def test_map_draws_meetings_and_a_vehicles_reads(client: TestClient, setup: Setup, store: GraphStore) -> None:
    response = client.get(
        f"/cases/{setup.case_id}/charts/map", params={"number": A, "meet": B, "vrm": V1}, headers=setup.auth()
    )
    payload = response.json()
    meetings = run_analysis(store, setup.case_id, "co-location", {"numbers": [A, B]}).rows
    assert len(payload["meetings"]) == len(meetings) > 0
    assert all(m["lat"] is not None for m in payload["meetings"])
    assert [r["camera_id"] for r in payload["reads"]] == ["K1", "K2", "K1"]
    assert {c["camera_id"] for c in payload["cameras"]} == {"K1", "K2"}


def test_timeline_and_heatmap_count_what_the_analyses_return(
    client: TestClient, setup: Setup, store: GraphStore
) -> None:
    rows = run_analysis(store, setup.case_id, "timeline", {"number": A}).rows
    payload = client.get(f"/cases/{setup.case_id}/charts/timeline", params={"number": A}, headers=setup.auth()).json()
    assert payload["event_count"] == len(rows) and payload["svg"].count('class="csas-event"') == len(rows)
    top = run_analysis(store, setup.case_id, "top-contacts", {"number": A})
    heat = client.get(f"/cases/{setup.case_id}/charts/heatmap", params={"number": A}, headers=setup.auth()).json()
    assert heat["matrix"] == top.extra["hour_of_week"] and heat["total"] > 0


def test_html_downloads_are_standalone_and_viewers_may_not_export(client: TestClient, setup: Setup) -> None:
    path = f"/cases/{setup.case_id}/charts/map"
    response = client.get(path, params={"number": C, "format": "html", "download": "true"}, headers=setup.auth())
    assert response.status_code == 200
    assert external_resources(response.text) == []
    assert "attachment" in response.headers["content-disposition"]
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "Sectors are illustrative, not coverage" in response.text
    viewer = client.get(path, params={"number": C, "format": "html"}, headers=setup.auth("viewer"))
    assert viewer.status_code == 403
    assert client.get(path, params={"number": C}, headers=setup.auth("viewer")).status_code == 200


def test_charts_need_a_token_and_hide_other_teams_cases(client: TestClient, setup: Setup) -> None:
    assert client.get(f"/cases/{setup.case_id}/charts/contacts", params={"seeds": A}).status_code == 401
    other = client.get(f"/cases/{setup.other_case}/charts/contacts", params={"seeds": A}, headers=setup.auth())
    assert other.status_code == 404
    bad = client.get(f"/cases/{setup.case_id}/charts/contacts", params={"seeds": " , "}, headers=setup.auth())
    assert bad.status_code == 422


def test_ui_page_and_static_files_are_served_locally(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "CSAS-graph" in page.text
    assert external_resources(page.text) == []
    assert "script-src 'self'" in page.headers["content-security-policy"]
    js = client.get("/static/vendor/vis-network/vis-network.min.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/vendor/leaflet/images/layers.png").headers["content-type"] == "image/png"
    assert client.get("/static/../../pyproject.toml").status_code == 404
    assert client.get("/static/%2e%2e/%2e%2e/pyproject.toml").status_code == 404
    assert client.get("/static/nothing.js").status_code == 404
