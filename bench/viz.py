"""Benchmark: a 2,000-node link chart in headless Chromium, server-side layout vs browser physics.

Run: ``python -m bench.viz [--nodes 2000] [--timeout 180]``. Not a test.

The same contact network (a Barabási-Albert graph, m=2: every node has at least two links, so
nothing is folded away as a leaf and the layout has all 2,000 nodes to place) is drawn three ways:

1. ``server``: this project's chart, positions computed in Python (``viz.layout``), physics off;
2. ``physics``: the same chart and page with the browser running vis-network's physics
   (Barnes-Hut, 300 stabilisation iterations, then physics off);
3. ``pyvis``: pyvis 0.3.2's own ``generate_html`` output for the same graph (vis-network 9.1.2
   in-lined, pyvis' default physics), with its CDN tags removed so it runs offline.

"Interactive" is the time from navigation start until the chart has drawn, its physics has
stopped and the page answers a script call (the main thread is free); ``frame`` is the mean time
of a forced redraw afterwards (what panning or zooming costs). Python build time (layout,
node/edge lists, HTML) is reported separately. Pages are written to ``bench/out/`` (gitignored).
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import time
from pathlib import Path
from typing import Any

import networkx as nx
from pyvis.network import Network

from viz import link_chart
from viz.assets import external_resources
from viz.link_chart import Link

OUT = Path(__file__).resolve().parent / "out"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# this project's page marks itself ready after its first drawing with physics stopped; for pyvis'
# page, ready = its network exists and its physics has stopped (the script call itself returning
# shows the main thread is free)
READY = """() => {
  const csas = window.csasLinkChart;
  if (csas) return csas.ready ? csas.readyAt : null;
  const net = window.network;
  if (!net || !net.physics) return null;
  if (net.physics.physicsEnabled && !net.physics.stabilized) return null;
  return performance.now();
}"""
FRAME = """() => {
  const net = (window.csasLinkChart && window.csasLinkChart.network) || window.network;
  const t = performance.now();
  for (let i = 0; i < 5; i++) net.renderer._redraw();
  return (performance.now() - t) / 5;
}"""


def contact_links(n: int, seed: int = 1) -> list[Link]:
    graph = nx.barabasi_albert_graph(n, 2, seed=seed)
    rng = random.Random(seed)
    links = []
    for a, b in graph.edges():
        day = rng.randint(1, 28)
        links.append(
            Link(
                f"+4477009{a:05d}",
                f"+4477009{b:05d}",
                count=rng.randint(1, 60),
                first=f"2024-03-{day:02d}T09:00:00+00:00",
                last=f"2024-04-{day:02d}T18:00:00+00:00",
            )
        )
    return links


def build_pages(n: int) -> dict[str, tuple[Path, float]]:
    """Write the three pages; return name -> (path, Python build CPU seconds).

    CPU time, not wall time: on a shared machine the wall time mostly measures the neighbours.
    """
    OUT.mkdir(parents=True, exist_ok=True)
    links = contact_links(n)
    seed = links[0].source
    pages = {}
    for layout in ("server", "physics"):
        start = time.process_time()
        payload = link_chart.build_link_chart(links, seeds=[seed], collapse_degree=10**9, layout=layout)
        html = link_chart.render_html(payload)
        elapsed = time.process_time() - start
        assert external_resources(html) == [], "the chart page must not load anything from the network"
        path = OUT / f"chart-{layout}-{n}.html"
        path.write_text(html, encoding="utf-8")
        pages[layout] = (path, elapsed)
    start = time.process_time()
    net = Network(cdn_resources="in_line")
    for node in sorted({lk.source for lk in links} | {lk.target for lk in links}):
        net.add_node(node, label=node)
    for lk in links:
        net.add_edge(lk.source, lk.target, value=lk.count, title=f"{lk.count} events")
    html = _strip_cdn(net.generate_html())
    elapsed = time.process_time() - start
    path = OUT / f"pyvis-default-{n}.html"
    path.write_text(html, encoding="utf-8")
    pages["pyvis"] = (path, elapsed)
    return pages


def _strip_cdn(html: str) -> str:
    """pyvis 0.3.2 always adds Bootstrap (and tom-select) from CDNs: drop those tags to run offline."""
    html = re.sub(r"<script[^>]+src=\"https?://[^\"]+\"[^>]*>\s*</script>", "", html)
    return re.sub(r"<link[^>]+href=\"https?://[^\"]+\"[^>]*/?>", "", html)


def measure(browser: Any, path: Path, timeout_s: float) -> dict[str, Any]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="commit")
    ready = None
    deadline = time.monotonic() + timeout_s
    while ready is None and time.monotonic() < deadline:
        ready = page.evaluate(READY)
        if ready is None:
            time.sleep(0.05)
    result: dict[str, Any] = {"interactive_s": None if ready is None else ready / 1000.0}
    if ready is not None:
        result["frame_ms"] = page.evaluate(FRAME)
        result["nodes"] = page.evaluate(
            "() => ((window.csasLinkChart && window.csasLinkChart.network) || window.network).body.nodeIndices.length"
        )
    result["remote_requests"] = [u for u in requests if not u.startswith(("file:", "data:", "blob:"))]
    try:
        page.screenshot(path=str(path.with_suffix(".png")), timeout=20_000)
    except Exception:  # noqa: BLE001 - a page still busy with physics cannot be photographed in time
        pass
    page.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=180.0, help="give up on a page after this many seconds")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    pages = build_pages(args.nodes)
    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("Debian's chromium is needed: apt-get install -y chromium")
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for name, (path, build_s) in pages.items():
                figures = measure(browser, path, args.timeout)
                print(f"  {name}: {figures}", flush=True)
                rows.append((name, build_s, path.stat().st_size / 1e6, figures))
        finally:
            browser.close()
    print(f"link chart, {args.nodes} nodes, headless Chromium ({shutil.which('chromium')})")
    print(f"{'variant':<10} {'python cpu s':>13} {'html MB':>8} {'interactive s':>14} {'frame ms':>9} {'nodes':>6}")
    for name, build_s, size, f in rows:
        interactive = f"{f['interactive_s']:.2f}" if f["interactive_s"] is not None else f">{args.timeout:.0f}"
        frame = f"{f['frame_ms']:.1f}" if f.get("frame_ms") is not None else "-"
        print(f"{name:<10} {build_s:>13.2f} {size:>8.2f} {interactive:>14} {frame:>9} {f.get('nodes', '-'):>6}")
        if f["remote_requests"]:
            print(f"  {name}: requests left the machine: {f['remote_requests'][:3]}")


if __name__ == "__main__":
    main()
