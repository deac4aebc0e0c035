"""The web UI in a real headless Chromium (Debian's ``chromium`` package, driven by Playwright).

A small generated case (``csas_graph.synth``) is imported, the app runs under uvicorn on a free
loopback port, and each test drives the UI as an analyst would, comparing what is drawn with what
the analyses return through the API. Every request the browser makes is checked: nothing may
leave loopback. Screenshots go to ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from test_api_support import serve_on_loopback

from api.main import create_app
from csas_graph import auth
from csas_graph.cases import create_case
from csas_graph.graph_store import GraphStore
from csas_graph.importer import import_file
from csas_graph.settings import Settings
from csas_graph.synth.generate import generate
from viz.assets import external_resources
from viz.geo import angle_difference, wedge_axis_bearing

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: held back from the fixture's import so the UI test can upload it
UI_UPLOAD = "a_csp_call_data_07700900472.csv"
#: what the fixture imports (each import costs seconds): both cell lists, one operator's bulk CDR
#: and the first group member's own records
FIXTURE_FILES = ("cells_wgs84.csv", "cells_osgb36.csv", "c_ee_voice_sms.csv", "a_csp_call_data_07700900438.csv")


class Case:
    def __init__(self, case_id: str, token: str, folder: Path, truth: dict[str, Any], base: str) -> None:
        self.case_id, self.token, self.folder, self.truth, self.base = case_id, token, folder, truth, base

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(
            method, self.base + path, headers={"Authorization": f"Bearer {self.token}"}, timeout=120, **kwargs
        )
        response.raise_for_status()
        return response.json()

    def analysis(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        return dict(self.api("POST", f"/cases/{self.case_id}/analyses/{name}", json=params))


@pytest.fixture(scope="module")
def server(store: GraphStore, settings: Settings) -> Iterator[str]:
    with serve_on_loopback(create_app(settings, store)) as base:
        yield base


@pytest.fixture(scope="module")
def case(store: GraphStore, settings: Settings, server: str, tmp_path_factory: pytest.TempPathFactory) -> Case:
    """Part of a generated case (:data:`FIXTURE_FILES`), imported in the generator's order."""
    folder = tmp_path_factory.mktemp("synth")
    truth = generate(folder, seed=3, rows=2000)
    suffix = uuid.uuid4().hex[:6]
    team, user, case_id = f"viz-{suffix}", f"analyst-{suffix}", f"VIZ-{suffix}"
    auth.create_team(store, team)
    auth.create_user(store, user, "analyst", teams=[team])
    create_case(store, case_id, name="Op Viz", team=team, created_by=user)
    for name in truth["import_order"]:
        info = truth["files"][name]
        if name not in FIXTURE_FILES:
            continue
        template_file = folder / (Path(name).stem + ".template.yaml")
        import_file(
            store,
            case_id,
            folder / name,
            template=None if template_file.exists() else info["template"],
            template_file=template_file if template_file.exists() else None,
            user=user,
            settings=settings,
        )
    return Case(case_id, auth.create_token(store, user), folder, truth, server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed (apt-get install -y chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Watched:
    """A page plus everything it logged and requested."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))

    def off_loopback(self) -> list[str]:
        return [u for u in self.requests if urlsplit(u).scheme not in ("data", "blob") and not _loopback(u)]


def _loopback(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


@pytest.fixture
def ui(browser: Any, case: Case) -> Iterator[Watched]:
    """A signed-in UI page on the case; fails the test on console errors or off-loopback requests."""
    context = browser.new_context(viewport={"width": 1400, "height": 950}, accept_downloads=True)
    watched = Watched(context.new_page())
    page = watched.page
    page.goto(case.base + "/")
    page.fill("#signin-token", case.token)
    page.click("#signin-form button")
    page.wait_for_selector(f'#case-table tr[data-case="{case.case_id}"]')
    try:
        yield watched
        assert watched.errors == [], f"console errors: {watched.errors}"
        assert watched.off_loopback() == [], f"requests left loopback: {watched.off_loopback()}"
    finally:
        context.close()


def _goto(ui: Watched, case: Case, tab: str) -> Any:
    page = ui.page
    page.goto(f"{case.base}/#/cases/{case.case_id}/{tab}")
    page.wait_for_selector(f"#tab-{tab}.active")
    return page


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ui-{name}.png"), full_page=False)


# ------------------------------------------------------------------------------------------------


def test_ui_loads_with_no_console_errors_and_no_request_off_loopback(ui: Watched, case: Case) -> None:
    page = ui.page
    assert page.is_visible("#view-cases") and page.inner_text("#who").startswith("analyst-")
    html = httpx.get(case.base + "/").text
    assert external_resources(html) == []
    for src in page.eval_on_selector_all("script[src], link[rel=stylesheet]", "els => els.map(e => e.src || e.href)"):
        assert _loopback(src), src
        if src.endswith(".css"):  # a style sheet may not pull in fonts or images from elsewhere
            assert external_resources(httpx.get(src).text) == [], src
    csp = httpx.get(case.base + "/").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert any(u.endswith("/static/vendor/vis-network/vis-network.min.js") for u in ui.requests)
    _shot(page, "cases")


def test_import_through_the_ui_shows_progress_and_the_reconciliation_report(ui: Watched, case: Case) -> None:
    page = _goto(ui, case, "import")
    page.set_input_files("#import-file", str(case.folder / UI_UPLOAD))
    page.click("#import-form button")
    job = page.wait_for_selector(f'.job[data-file="{UI_UPLOAD}"][data-state="done"]', timeout=120_000)
    text = job.inner_text()
    assert "Reconciliation report" in text and "done" in text
    expected = case.truth["files"][UI_UPLOAD]
    report = json.loads(job.query_selector("pre.report").text_content())
    assert report["rows_read"] == expected["rows_read"]
    assert report["rows_read"] == report["loaded"] + report["merged"] + report["rejected"]
    page.wait_for_selector(f'#import-table td:text-is("{UI_UPLOAD}")')  # the file list refreshes after the job
    assert page.locator(f'#import-table td:text-is("{UI_UPLOAD}")').count() == 1
    _shot(page, "import")


def test_contacts_chart_shows_the_analysis_nodes_and_a_click_adds_neighbours(ui: Watched, case: Case) -> None:
    seed = case.truth["group"][0]
    result = case.analysis("contacts", {"numbers": [seed], "hops": 1})
    expected = {seed} | {r["a"] for r in result["rows"]} | {r["b"] for r in result["rows"]}
    expected |= {x["number"] for x in result["excluded"]}
    page = _goto(ui, case, "chart")
    page.fill("#chart-form [name=seeds]", seed)
    page.click("#chart-form button[type=submit]")
    page.wait_for_selector('#chart-view[data-ready="1"]')
    shown = set(page.evaluate(_CHART_IDS))
    assert shown == expected

    neighbour, more = _neighbour_with_new_contacts(case, seed, result, shown)
    page.evaluate(
        "id => { const n = csasLinkChart.network; n.selectNodes([]); n.focus(id, {scale: 2, animation: false}); }",
        neighbour,
    )
    box = page.locator("#chart-view canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector('#chart-view[data-expansions="1"]')
    after = set(page.evaluate(_CHART_IDS))
    assert more <= after and shown <= after
    page.evaluate("csasLinkChart.network.fit({animation: false})")
    _shot(page, "link-chart")


_CHART_IDS = """() => {
  const v = csasLinkChart;
  const ids = v.nodes.getIds().filter(id => !String(id).startsWith('collapsed:'));
  for (const group of Object.values(v.collapsed)) ids.push(...group.nodes.map(n => n.id));
  return ids;
}"""


def _neighbour_with_new_contacts(
    case: Case, seed: str, result: dict[str, Any], shown: set[str]
) -> tuple[str, set[str]]:
    neighbours = sorted({r["a"] for r in result["rows"]} | {r["b"] for r in result["rows"]} - {seed})
    for number in neighbours:
        rows = case.analysis("contacts", {"numbers": [number], "hops": 1})["rows"]
        contacts = {r["a"] for r in rows} | {r["b"] for r in rows}
        if contacts - shown:
            return number, contacts
    raise AssertionError(f"no neighbour of {seed} has contacts outside the chart")


def test_map_draws_one_wedge_per_cell_pointing_at_its_azimuth(ui: Watched, case: Case, store: GraphStore) -> None:
    number = case.truth["group"][0]
    rows = case.analysis("timeline", {"number": number})["rows"]
    azimuths = {r["cell"]: r["azimuth"] for r in rows if r["lat"] is not None and r["azimuth"] is not None}
    assert len(azimuths) >= 2
    page = _goto(ui, case, "map")
    page.fill("#map-form [name=number]", number)
    page.click("#map-form button[type=submit]")
    page.wait_for_selector('#map-view[data-ready="1"]')
    wedges = page.evaluate("csasMap.wedgeGeometry()")
    assert sorted(w["key"] for w in wedges) == sorted(azimuths)
    for wedge in wedges:
        drawn = wedge_axis_bearing([tuple(p) for p in wedge["latlngs"]])
        assert angle_difference(drawn, azimuths[wedge["key"]]) < 0.5, wedge["key"]
    assert page.locator("#map-view path.csas-wedge").count() == len(azimuths)
    body = page.inner_text("#tab-map")
    assert "Sectors are illustrative, not coverage" in body and "at or before the time shown" in body
    _shot(page, "map-movement")
    png = page.evaluate("() => new Promise(done => CsasCharts.pngDataUrl(csasMap, done))")
    assert png.startswith("data:image/png;base64,") and len(png) > 5000  # the vector layers as PNG

    located = _count_sector_cells(store, case.case_id)
    assert located > len(azimuths)
    page.fill("#map-form [name=number]", "")
    page.click("#map-form button[type=submit]")
    page.wait_for_selector(f'#map-view[data-wedge-count="{located}"]')  # the whole case's cells
    _shot(page, "map-cells")


def _count_sector_cells(store: GraphStore, case_id: str) -> int:
    rows = store.run_statement(
        "MATCH (c:Cell {case_id: $c}) WHERE c.location IS NOT NULL AND c.azimuth IS NOT NULL RETURN count(c) AS n",
        {"c": case_id},
        write=False,
    )
    return int(rows[0]["n"])


def test_timeline_shows_the_expected_event_count_and_the_heat_map(ui: Watched, case: Case) -> None:
    number = case.truth["group"][1]
    rows = case.analysis("timeline", {"number": number})["rows"]
    top = case.analysis("top-contacts", {"number": number})
    page = _goto(ui, case, "timeline")
    page.fill("#timeline-form [name=number]", number)
    page.click("#timeline-form button[type=submit]")
    page.wait_for_selector('#timeline-view[data-ready="1"]')
    page.wait_for_selector('#heatmap-view[data-ready="1"]')
    assert page.locator(f'#timeline-view .csas-event[data-lane="{number}"]').count() == len(rows) > 0
    assert page.locator("#timeline-view .csas-lane-label").get_attribute("data-count") == str(len(rows))
    counts = page.eval_on_selector_all("#heatmap-view .csas-hour", "els => els.map(e => +e.dataset.count)")
    assert len(counts) == 168
    assert sum(counts) == sum(sum(r) for r in top["extra"]["hour_of_week"])
    _shot(page, "timeline")
    for view in ("timeline", "heatmap"):
        png = page.evaluate(f"() => new Promise(done => CsasCharts.pngDataUrl(csasApp.views.{view}, done))")
        assert png.startswith("data:image/png;base64,") and len(png) > 3000, view


def test_downloads_png_and_standalone_html_with_no_cdn(ui: Watched, case: Case, tmp_path: Path) -> None:
    seed = case.truth["group"][0]
    page = _goto(ui, case, "chart")
    page.fill("#chart-form [name=seeds]", seed)
    page.click("#chart-form button[type=submit]")
    page.wait_for_selector('#chart-view[data-ready="1"]')
    with page.expect_download() as png:
        page.click('#chart-form [data-download="png"]')
    png_path = tmp_path / "chart.png"
    png.value.save_as(png_path)
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png_path.stat().st_size > 5000
    with page.expect_download() as html:
        page.click('#chart-form [data-download="html"]')
    html_path = tmp_path / "chart.html"
    html.value.save_as(html_path)
    text = html_path.read_text(encoding="utf-8")
    assert external_resources(text) == [] and seed in text
    # the standalone file works on its own, from disk, with no server
    standalone = Watched(page.context.new_page())
    standalone.page.goto(html_path.as_uri())
    standalone.page.wait_for_selector('#csas-view[data-ready="1"]')
    assert standalone.page.evaluate("csasLinkChart.nodes.length") > 1
    assert standalone.errors == [] and [u for u in standalone.requests if not u.startswith(("file:", "data:"))] == []
    standalone.page.screenshot(path=str(ARTIFACTS / "standalone-link-chart.png"))


def test_every_analysis_gets_a_form_and_one_runs_to_the_same_hash(ui: Watched, case: Case) -> None:
    catalogue = case.api("GET", "/analyses")["data"]
    page = _goto(ui, case, "analyses")
    page.wait_for_selector("#analysis-name option[value=contacts]", state="attached")
    for analysis in catalogue:
        page.select_option("#analysis-name", analysis["name"])
        button = page.locator("#analysis-form button[type=submit]")
        assert button.inner_text() == f"Run {analysis['name']}"
        fields = set(page.eval_on_selector_all("#analysis-form [name]", "els => els.map(e => e.name)"))
        assert fields == set(analysis["params_schema"].get("properties", {})), analysis["name"]
    seed = case.truth["group"][0]
    expected = case.analysis("contacts", {"numbers": [seed], "hops": 2})
    page.select_option("#analysis-name", "contacts")
    page.fill("#analysis-form [name=numbers]", seed)
    page.fill("#analysis-form [name=hops]", "2")
    page.click("#analysis-form button[type=submit]")
    page.wait_for_selector("#analysis-rows")
    assert expected["result_hash"] in page.inner_text("#analysis-result")
    assert page.locator("#analysis-rows tr").count() == len(expected["rows"]) + 1
    _shot(page, "analysis")


def test_search_finds_a_number_and_opens_its_chart(ui: Watched, case: Case) -> None:
    seed = case.truth["group"][0]
    page = _goto(ui, case, "search")
    page.fill("#search-q", seed[-6:])
    page.click("#search-form button")
    row = page.locator("#search-table tr", has_text=seed).first
    row.get_by_role("button", name="Chart").click()
    page.wait_for_selector("#tab-chart.active")
    page.wait_for_selector('#chart-view[data-ready="1"]')
    assert seed in page.evaluate("csasLinkChart.nodes.getIds()")


def test_export_tab_downloads_the_case_with_its_digest(ui: Watched, case: Case, tmp_path: Path) -> None:
    page = _goto(ui, case, "export")
    page.select_option("#export-form [name=fmt]", "csv")
    with page.expect_download() as download:
        page.click("#export-form button[type=submit]")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.stat().st_size > 0
    page.wait_for_selector("#export-result:has-text('SHA-256')")
    import hashlib

    assert hashlib.sha256(path.read_bytes()).hexdigest() in page.inner_text("#export-result")


def test_clicking_a_collapsed_marker_opens_its_contacts(browser: Any, tmp_path: Path) -> None:
    from viz.link_chart import Link, build_link_chart, render_html

    hub, seed = "+447700900099", "+447700900001"
    leaves = [f"+4477009005{i:02d}" for i in range(30)]
    chart = build_link_chart(
        [Link(seed, hub, count=5), *(Link(hub, leaf) for leaf in leaves)],
        seeds=[seed],
        collapse_degree=10,
        excluded=[{"number": "VOICEMAIL:" + seed, "reason": "voicemail"}],
    )
    path = tmp_path / "collapsed.html"
    path.write_text(render_html(chart), encoding="utf-8")
    page = Watched(browser.new_page(viewport={"width": 1000, "height": 800}))
    page.page.goto(path.as_uri())
    page.page.wait_for_selector('#csas-view[data-ready="1"]')
    marker = f"collapsed:{hub}"
    assert set(page.page.evaluate("csasLinkChart.nodes.getIds()")) == {seed, hub, marker, "VOICEMAIL:" + seed}
    page.page.evaluate(f"csasLinkChart.network.focus('{marker}', {{scale: 2.5, animation: false}})")
    box = page.page.locator("#csas-view canvas").bounding_box()
    page.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.page.wait_for_selector('#csas-view[data-node-count="33"]')
    assert set(page.page.evaluate("csasLinkChart.nodes.getIds()")) == {seed, hub, "VOICEMAIL:" + seed, *leaves}
    assert page.page.evaluate("csasLinkChart.edges.length") == 31
    assert page.errors == [] and [u for u in page.requests if not u.startswith(("file:", "data:"))] == []
    page.page.evaluate("csasLinkChart.network.fit({animation: false})")
    page.page.screenshot(path=str(ARTIFACTS / "standalone-collapsed-opened.png"))
    page.page.close()
