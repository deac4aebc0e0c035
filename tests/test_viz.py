"""The pure view functions: link charts, sector wedges, timelines, heat maps, offline pages.

No database and no browser here (see tests/test_ui_browser.py for those).
"""

from __future__ import annotations

import json
import math
import re

import networkx as nx
import pytest
from pyvis.network import Network

from viz import assets, link_chart, sector_map, timeline
from viz.geo import angle_difference, bearing, destination, sector_wedge, wedge_axis_bearing
from viz.layout import layout_positions
from viz.link_chart import Link, build_link_chart, links_from_contact_rows

SEED = "+447700900001"


def _star_links(centre: str, n: int, *, prefix: str = "+4477009005") -> list[Link]:
    return [
        Link(
            centre,
            f"{prefix}{i:02d}",
            count=i + 1,
            first=f"2024-01-{i % 28 + 1:02d}T09:00:00+00:00",
            last="2024-03-01T10:00:00+00:00",
        )
        for i in range(n)
    ]


# --- offline -----------------------------------------------------------------------------------


def test_pyvis_local_resources_still_emit_cdn_tags() -> None:
    """Why viz renders its own template: pyvis 0.3.2 'local' output still loads from CDNs (pyvis #228)."""
    net = Network(cdn_resources="local")
    net.add_node(1)
    html = net.generate_html()
    assert assets.external_resources(html), "pyvis no longer emits CDN tags: its template could be used"


@pytest.mark.parametrize("kind", ["link_chart", "map", "timeline", "heatmap"])
def test_standalone_pages_load_nothing_from_the_network(kind: str) -> None:
    html = _standalone(kind)
    assert assets.external_resources(html) == []
    # the vendored libraries really are in-lined, not linked
    assert "<script src" not in html and "<link " not in html
    if kind == "link_chart":
        assert "vis-network" in html and "new vis.Network" in html
    if kind == "map":
        assert "window.L=" in html.replace(" ", "") or "L.map" in html
        assert "url(images/" not in html  # leaflet.css images became data URIs


def test_external_resources_finds_remote_and_ignores_loopback_and_anchors() -> None:
    html = (
        '<script src="https://cdn.example/vis.js"></script><link rel="stylesheet" href="//cdn.example/a.css">'
        '<img src="http://127.0.0.1:8000/x.png"><a href="https://leafletjs.com">Leaflet</a>'
        '<style>.x{background:url("https://tiles.example/1.png")}</style>'
    )
    found = assets.external_resources(html)
    assert "https://cdn.example/vis.js" in found and "//cdn.example/a.css" in found
    assert any("tiles.example" in url for url in found)
    assert not any("127.0.0.1" in url or "leafletjs" in url for url in found)


def test_payload_cannot_close_its_script_element() -> None:
    payload = build_link_chart([Link("</script><script>alert(1)</script>", SEED)], seeds=[SEED])
    html = link_chart.render_html(payload)
    embedded = html.split('id="csas-payload">', 1)[1].split("</script>", 1)[0]
    assert json.loads(embedded)["nodes"]  # the JSON survives intact and is the whole element
    assert "<script>alert(1)" not in html


def _standalone(kind: str) -> str:
    if kind == "link_chart":
        return link_chart.render_html(build_link_chart(_star_links(SEED, 5), seeds=[SEED]))
    if kind == "map":
        cells = [{"key": "234-10-1-1", "lat": 51.5, "lon": -0.1, "azimuth": 120, "beamwidth": 60}]
        return sector_map.render_html(sector_map.build_map(cells=cells))
    if kind == "timeline":
        events = timeline.events_from_rows([{"number": SEED, "t": "2024-01-01T10:00:00Z", "type": "voice"}])
        return timeline.render_html(timeline.build_timeline(events))
    return timeline.render_html(timeline.build_heatmap([[1] * 24] * 7, timezone="Europe/London"))


# --- link chart --------------------------------------------------------------------------------


def test_link_chart_nodes_edges_widths_and_tooltips() -> None:
    links = [
        Link(SEED, "+447700900002", count=1, first="2024-01-01T10:00:00+00:00", last="2024-01-01T10:00:00+00:00"),
        Link(SEED, "+447700900003", count=40, first="2024-01-02T10:00:00+00:00", last="2024-02-02T10:00:00+00:00"),
        Link("+447700900003", "+447700900002", count=7, detail={"voice": 5, "sms": 2}),
    ]
    chart = build_link_chart(links, seeds=[SEED])
    ids = {n["id"] for n in chart["nodes"]}
    assert ids == {SEED, "+447700900002", "+447700900003"}
    widths = {(e["from"], e["to"]): e["width"] for e in chart["edges"]}
    assert (
        widths[(SEED, "+447700900002")] < widths[("+447700900003", "+447700900002")] < widths[(SEED, "+447700900003")]
    )
    busy = next(e for e in chart["edges"] if e["to"] == "+447700900003")
    assert "Events: 40" in busy["title"]
    assert "First: 2024-01-02T10:00:00+00:00" in busy["title"] and "Last: 2024-02-02T10:00:00+00:00" in busy["title"]
    mixed = next(e for e in chart["edges"] if e["from"] == "+447700900003")
    assert "voice: 5" in mixed["title"] and "sms: 2" in mixed["title"]
    seed = next(n for n in chart["nodes"] if n["id"] == SEED)
    assert seed["seed"] is True and "Seed of this chart" in seed["title"]
    assert "Events on links shown: 41" in seed["title"]
    assert chart["layout"] == "physics" and chart["options"]["physics"]["enabled"] is True


def test_each_kind_has_its_own_group_shape_and_icon() -> None:
    kinds = ["number", "handset", "sim", "cell", "vehicle", "camera"]
    links = [Link(SEED, f"{kind}-1", target_kind=kind) for kind in kinds[1:]]
    chart = build_link_chart(links, seeds=[SEED])
    groups = chart["options"]["groups"]
    assert {n["group"] for n in chart["nodes"]} == set(kinds)
    assert len({groups[k]["image"] for k in kinds}) == len(kinds)
    assert len({groups[k]["color"]["background"] for k in kinds}) == len(kinds)
    assert all(groups[k]["image"].startswith("data:image/svg+xml") for k in kinds)
    plain = link_chart.chart_options(server=True, icons=False, node_count=1000)["groups"]
    assert len({plain[k]["shape"] for k in kinds}) == len(kinds)


def test_supernode_leaves_collapse_into_a_marker_that_carries_them() -> None:
    hub = "+447700900099"
    links = [Link(SEED, hub, count=3), *_star_links(hub, 30)]
    chart = build_link_chart(links, seeds=[SEED], collapse_degree=10)
    marker = f"collapsed:{hub}"
    ids = {n["id"] for n in chart["nodes"]}
    assert ids == {SEED, hub, marker}
    hub_node = next(n for n in chart["nodes"] if n["id"] == hub)
    assert hub_node["supernode"] is True and "⚑" in hub_node["label"]
    marker_node = next(n for n in chart["nodes"] if n["id"] == marker)
    assert marker_node["label"] == "+30 contacts"
    folded = chart["collapsed"][marker]
    assert folded["parent"] == hub and len(folded["nodes"]) == 30 and len(folded["edges"]) == 30
    assert {e["from"] for e in folded["edges"]} == {hub}
    assert next(e for e in chart["edges"] if e["to"] == marker)["count"] == sum(range(1, 31))


def test_seeds_are_never_collapsed_and_excluded_supernodes_are_shown() -> None:
    hub = "+447700900099"
    links = [Link(hub, SEED), *_star_links(hub, 20)]
    chart = build_link_chart(
        links, seeds=[SEED], collapse_degree=5, excluded=[{"key": "VOICEMAIL:+447700900001", "reason": "voicemail"}]
    )
    ids = {n["id"] for n in chart["nodes"]}
    assert SEED in ids and "VOICEMAIL:+447700900001" in ids
    excluded = next(n for n in chart["nodes"] if n["id"] == "VOICEMAIL:+447700900001")
    assert excluded["group"] == "supernode" and "Excluded by the analysis: voicemail" in excluded["title"]


def test_large_charts_get_server_positions_with_physics_off_and_are_deterministic() -> None:
    graph = nx.barabasi_albert_graph(400, 2, seed=3)
    links = [Link(f"n{a}", f"n{b}", count=1 + (a + b) % 9) for a, b in graph.edges()]
    first = build_link_chart(links, seeds=["n0"], collapse_degree=10_000)
    assert first["layout"] == "server" and first["options"]["physics"] == {"enabled": False}
    assert all(isinstance(n.get("x"), float) and isinstance(n.get("y"), float) for n in first["nodes"])
    assert len({(n["x"], n["y"]) for n in first["nodes"]}) == 400
    again = build_link_chart(links, seeds=["n0"], collapse_degree=10_000)
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)


def test_layout_places_neighbours_closer_than_strangers() -> None:
    graph = nx.connected_caveman_graph(6, 8)
    pos = layout_positions(graph)
    assert set(pos) == set(graph)

    def dist(a: int, b: int) -> float:
        return math.dist(pos[a], pos[b])

    linked = sum(dist(a, b) for a, b in graph.edges()) / graph.number_of_edges()
    pairs = [(a, b) for a in graph for b in graph if a < b and not graph.has_edge(a, b)]
    unlinked = sum(dist(a, b) for a, b in pairs) / len(pairs)
    assert linked < unlinked / 2


def test_contact_rows_in_either_spelling_become_links() -> None:
    rows = [
        {
            "a": SEED,
            "b": "+447700900002",
            "events": 4,
            "voice": 3,
            "sms": 1,
            "first": "2024-01-01T00:00:00Z",
            "evidence": ["e1", "e2"],
        },
        {"source": SEED, "target": "SHORT:123", "count": 2, "first_contact": "2024-01-03T00:00:00Z"},
        {"note": "no parties"},
    ]
    links = links_from_contact_rows(rows)
    assert [(lk.source, lk.target, lk.count) for lk in links] == [(SEED, "+447700900002", 4), (SEED, "SHORT:123", 2)]
    assert links[0].detail["evidence refs"] == 2 and links[0].first == "2024-01-01T00:00:00Z"
    assert links[1].target_kind == "short_code"


# --- geometry and maps -------------------------------------------------------------------------


@pytest.mark.parametrize("azimuth", [0, 45, 90, 179.5, 270, 359])
@pytest.mark.parametrize("beamwidth", [30, 65, 120])
def test_wedge_points_along_the_azimuth_and_spans_the_beamwidth(azimuth: float, beamwidth: float) -> None:
    lat, lon, radius = 53.48, -2.24, 400.0
    wedge = sector_wedge(lat, lon, azimuth, beamwidth, radius)
    assert wedge[0] == wedge[-1] == (lat, lon)
    assert angle_difference(wedge_axis_bearing(wedge), azimuth) < 0.01
    left, right = wedge[1], wedge[-2]
    assert angle_difference(bearing(lat, lon, *left), azimuth - beamwidth / 2) < 0.01
    assert angle_difference(bearing(lat, lon, *right), azimuth + beamwidth / 2) < 0.01
    for point in wedge[1:-1]:
        back = destination(lat, lon, bearing(lat, lon, *point), radius)
        assert math.dist(back, point) < 1e-9


def test_map_has_one_wedge_per_located_cell_with_captions() -> None:
    cells = [
        {"key": "A@2024-01-01", "lat": 51.5, "lon": -0.1, "azimuth": 0, "beamwidth": 60},
        {"key": "B", "lat": 51.51, "lon": -0.1, "azimuth": 240, "beamwidth": None},
        {"key": "C", "lat": 51.52, "lon": -0.1, "azimuth": None, "beamwidth": None},
    ]
    payload = sector_map.build_map(cells=cells)
    wedges = {c["key"]: c for c in payload["cells"] if c["wedge"]}
    assert set(wedges) == {"A@2024-01-01", "B"}
    assert wedges["A@2024-01-01"]["cgi"] == "A"
    assert wedges["B"]["beamwidth_assumed"] is True and "(assumed)" in wedges["B"]["tooltip"]
    assert next(c for c in payload["cells"] if c["key"] == "C")["omni"] is True
    captions = " ".join(payload["captions"])
    assert "Sectors are illustrative, not coverage" in captions
    assert "A phone used a cell at or before the time shown" in captions
    assert payload["tile_url"] is None


def test_movement_is_in_time_order_and_cells_come_from_timeline_rows() -> None:
    rows = [
        {"t": "2024-01-01T12:00:00Z", "cell": "X", "lat": 51.6, "lon": -0.2, "azimuth": 90, "beamwidth": 60},
        {"t": "2024-01-01T09:00:00Z", "cell": "Y", "lat": 51.5, "lon": -0.1, "azimuth": 10, "beamwidth": 60},
        {"t": "2024-01-01T10:00:00Z", "cell": "Z"},  # unresolved cell: no location, not drawn
    ]
    assert [p["cell"] for p in sector_map.movement_from_rows(rows)] == ["Y", "X"]
    assert [c["key"] for c in sector_map.cells_from_rows(rows)] == ["X", "Y"]


# --- timelines ---------------------------------------------------------------------------------


def test_swimlanes_draw_one_mark_per_event_in_its_lane() -> None:
    rows = [{"number": SEED, "t": f"2024-01-01T{h:02d}:00:00Z", "type": "voice"} for h in range(10)]
    rows += [{"number": "+447700900002", "t": "2024-01-02T08:00:00+00:00", "type": "sms"}]
    payload = timeline.build_timeline(timeline.events_from_rows(rows), timezone="Europe/London")
    svg = payload["svg"]
    assert svg.count('class="csas-event"') == 11
    assert len(re.findall(rf'class="csas-event"[^>]*data-lane="\{SEED}"', svg)) == 10
    assert payload["lanes"] == [{"lane": SEED, "events": 10}, {"lane": "+447700900002", "events": 1}]
    assert "Times in Europe/London" in svg


def test_heatmap_has_168_hours_with_their_counts() -> None:
    matrix = [[day * 24 + hour for hour in range(24)] for day in range(7)]
    payload = timeline.build_heatmap(matrix, timezone="Europe/London")
    cells = re.findall(r'data-day="(\d)" data-hour="(\d+)" data-count="(\d+)"', payload["svg"])
    assert len(cells) == 168
    assert all(int(count) == int(day) * 24 + int(hour) for day, hour, count in cells)
    assert payload["total"] == sum(range(168))


def test_matrix_is_found_in_top_contacts_extra() -> None:
    matrix = [[1] * 24 for _ in range(7)]
    assert timeline.matrix_from_extra({"hour_of_week": matrix}) == matrix
    assert timeline.matrix_from_extra({"by_number": {SEED: matrix}}, SEED) == matrix
    assert timeline.matrix_from_extra({"numbers": [{"number": SEED, "matrix": matrix}]}, SEED) == matrix
    assert timeline.matrix_from_extra({"rows": []}) is None


def test_content_security_policy_allows_only_the_configured_tile_host() -> None:
    from api.routers.charts import content_security_policy
    from csas_graph.settings import Settings

    plain = content_security_policy(Settings(), inline=False)
    assert "script-src 'self'" in plain and "http" not in plain
    tiles = content_security_policy(Settings(tile_url="https://{s}.tiles.example.org/{z}/{x}/{y}.png"), inline=True)
    assert "img-src 'self' data: blob: https://*.tiles.example.org;" in tiles
    assert "script-src 'unsafe-inline'" in tiles and "connect-src 'self'" in tiles


def test_map_payload_names_the_tile_url_only_when_configured() -> None:
    cells = [{"key": "K", "lat": 51.5, "lon": -0.1, "azimuth": 10, "beamwidth": 60}]
    url = "http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png"
    assert sector_map.build_map(cells=cells, tile_url=url)["tile_url"] == url
    assert sector_map.build_map(cells=cells)["tile_url"] is None
