"""Link charts: aggregated links in, a vis-network chart (JSON payload or standalone HTML) out.

pyvis builds the node and edge lists; the page is rendered with this package's own template and
the vendored vis-network, because pyvis 0.3.2's template emits CDN ``<script>``/``<link>`` tags
even with ``cdn_resources="local"`` (pyvis #228, verified in ``tests/test_viz.py``).

Limitations, stated on every chart:

- an edge is an *aggregate*: its width grows with the number of events between the two parties,
  not with their importance; first and last dates bound the events but say nothing between them;
- supernodes (voicemail, short codes, numbers above the degree threshold) are excluded by the
  analysis or collapsed here, so a missing link may be inside a collapsed marker.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from pyvis.network import Network

from viz import assets
from viz.layout import layout_positions
from viz.styles import SUPERNODE_NUMBER_KINDS, legend, style_for, vis_groups
from viz.values import first_present, iso, number_kind, to_int

#: above this many nodes the layout is computed server-side and physics is off
PHYSICS_MAX_NODES = 150
#: above this many nodes icons give way to plain shapes (drawing images is slower)
ICONS_MAX_NODES = 600
LINK_CAPTIONS = (
    "Edge width grows with the number of events between two parties; it is not a measure of importance.",
    "Supernodes (voicemail, short codes, very high-degree numbers) are excluded or collapsed; a missing "
    "link may sit inside a collapsed marker.",
)


@dataclass(frozen=True)
class Link:
    """One aggregated link between two entities, e.g. all calls and texts between two numbers."""

    source: str
    target: str
    source_kind: str = "number"
    target_kind: str = "number"
    count: int = 1
    first: str | None = None
    last: str | None = None
    relation: str = "contact"
    #: per-type counts and anything else worth a tooltip line (e.g. {"voice": 3, "sms": 2})
    detail: Mapping[str, Any] = field(default_factory=dict)


def links_from_contact_rows(rows: Iterable[Mapping[str, Any]]) -> list[Link]:
    """Adapt the contacts analysis' aggregated-edge rows to :class:`Link`.

    Tolerates the spellings in use (``a``/``b``, ``source``/``target``, ``from``/``to``…), so the
    chart does not break when the analysis renames a column; rows without two parties are skipped.
    """
    links = []
    for row in rows:
        a = first_present(row, "a", "source", "from", "number_a", "caller", "src")
        b = first_present(row, "b", "target", "to", "number_b", "callee", "dst")
        if a is None or b is None:
            continue
        detail = {
            key: row[key]
            for key in ("voice", "calls", "sms", "mms", "video", "data", "other", "duration_s", "total_duration_s")
            if isinstance(row.get(key), int | float) and row.get(key)
        }
        for key in ("direction", "hop", "hops"):
            if row.get(key) not in (None, ""):
                detail[key] = row[key]
        evidence = row.get("evidence")
        if isinstance(evidence, list):
            detail["evidence refs"] = len(evidence)
        count = to_int(first_present(row, "events", "count", "total", "n", "event_count"))
        if count is None:
            count = sum(int(detail.get(k, 0)) for k in ("voice", "calls", "sms", "mms", "video", "data", "other"))
        links.append(
            Link(
                source=str(a),
                target=str(b),
                source_kind=str(row.get("a_kind") or row.get("source_kind") or number_kind(str(a))),
                target_kind=str(row.get("b_kind") or row.get("target_kind") or number_kind(str(b))),
                count=max(count or 0, 1),
                first=iso(first_present(row, "first", "first_contact", "first_seen", "first_start", "since")),
                last=iso(first_present(row, "last", "last_contact", "last_seen", "last_start", "until")),
                detail=detail,
            )
        )
    return links


def build_link_chart(
    links: Sequence[Link],
    *,
    seeds: Sequence[str] = (),
    excluded: Sequence[Mapping[str, Any]] = (),
    collapse_degree: int = 40,
    layout: str = "auto",
    title: str = "Link chart",
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The chart payload: vis-network nodes, edges, options, legend, captions and metadata.

    Parameters
    ----------
    links
        Aggregated links; two links between the same pair are summed.
    seeds
        Numbers the chart was asked about; drawn larger and never collapsed.
    excluded
        The analysis' excluded supernodes (``{"key"/"number", "reason", ...}``): drawn as unlinked
        markers so the reader knows they were left out.
    collapse_degree
        A node with more neighbours than this has its leaf neighbours folded into one
        "+N contacts" marker (the members travel in the payload and open on click).
    layout
        ``"server"`` (networkx positions, physics off), ``"physics"`` (the browser settles it) or
        ``"auto"`` (server above :data:`PHYSICS_MAX_NODES` nodes).
    """
    graph = _graph(links, seeds)
    collapsed = _collapse_supernodes(graph, set(seeds), collapse_degree)
    for entry in excluded:
        _add_excluded(graph, entry)
    server = layout == "server" or (layout == "auto" and graph.number_of_nodes() > PHYSICS_MAX_NODES)
    positions = layout_positions(graph) if server else {}
    icons = graph.number_of_nodes() <= ICONS_MAX_NODES
    nodes, edges = _vis_lists(graph, positions)
    return {
        "kind": "link_chart",
        "title": title,
        "captions": list(LINK_CAPTIONS),
        "layout": "server" if server else "physics",
        "nodes": nodes,
        "edges": edges,
        "collapsed": collapsed,
        "options": chart_options(server=server, icons=icons, node_count=len(nodes)),
        "legend": legend(),
        "seeds": list(seeds),
        "meta": dict(meta or {}),
    }


def _graph(links: Sequence[Link], seeds: Sequence[str]) -> nx.Graph:
    graph = nx.Graph()
    for seed in seeds:
        graph.add_node(seed, kind=number_kind(seed), seed=True)
    for link in links:
        for key, kind in ((link.source, link.source_kind), (link.target, link.target_kind)):
            if key not in graph:
                graph.add_node(key, kind=kind, seed=False)
        a, b = link.source, link.target
        if graph.has_edge(a, b):
            _merge_edge(graph.edges[a, b], link)
        else:
            graph.add_edge(
                a,
                b,
                count=link.count,
                first=link.first,
                last=link.last,
                relation=link.relation,
                detail=dict(link.detail),
                ends=(a, b),
            )
    for node, data in graph.nodes(data=True):
        data["supernode"] = data["kind"] in SUPERNODE_NUMBER_KINDS
        incident = [graph.edges[node, other] for other in graph.neighbors(node)]
        data["events"] = sum(e["count"] for e in incident)
        data["first"] = min((e["first"] for e in incident if e["first"]), default=None)
        data["last"] = max((e["last"] for e in incident if e["last"]), default=None)
    return graph


def _merge_edge(edge: dict[str, Any], link: Link) -> None:
    edge["count"] += link.count
    edge["first"] = min(filter(None, (edge["first"], link.first)), default=None)
    edge["last"] = max(filter(None, (edge["last"], link.last)), default=None)
    for key, value in link.detail.items():
        if isinstance(value, int | float) and isinstance(edge["detail"].get(key), int | float):
            edge["detail"][key] += value
        else:
            edge["detail"].setdefault(key, value)


def _collapse_supernodes(graph: nx.Graph, seeds: set[str], threshold: int) -> dict[str, dict[str, Any]]:
    """Fold the leaf neighbours of each node above ``threshold`` into one marker node.

    Returns ``marker id -> {"parent", "nodes", "edges"}`` with the folded items in vis form, so the
    page can open a marker without asking the server again.
    """
    collapsed: dict[str, dict[str, Any]] = {}
    for hub in sorted((n for n in graph if graph.degree(n) > threshold), key=str):
        leaves = sorted((n for n in graph.neighbors(hub) if graph.degree(n) == 1 and n not in seeds), key=str)
        if len(leaves) < 2:
            continue
        graph.nodes[hub]["supernode"] = True
        sub = graph.subgraph([hub, *leaves]).copy()
        marker = f"collapsed:{hub}"
        nodes, edges = _vis_lists(sub, {}, skip={hub})
        collapsed[marker] = {"parent": hub, "nodes": nodes, "edges": edges}
        count = sum(graph.edges[hub, leaf]["count"] for leaf in leaves)
        firsts = [graph.edges[hub, leaf]["first"] for leaf in leaves if graph.edges[hub, leaf]["first"]]
        lasts = [graph.edges[hub, leaf]["last"] for leaf in leaves if graph.edges[hub, leaf]["last"]]
        graph.remove_nodes_from(leaves)
        graph.add_node(
            marker,
            kind="collapsed",
            seed=False,
            supernode=False,
            label=f"+{len(leaves)} contacts",
            events=count,
            first=min(firsts, default=None),
            last=max(lasts, default=None),
            members=len(leaves),
        )
        graph.add_edge(
            hub,
            marker,
            count=count,
            first=min(firsts, default=None),
            last=max(lasts, default=None),
            relation="collapsed",
            detail={"contacts folded": len(leaves)},
            ends=(hub, marker),
        )
    return collapsed


def _add_excluded(graph: nx.Graph, entry: Mapping[str, Any]) -> None:
    key = first_present(entry, "key", "number", "id", "node")
    if key is None:
        return
    key = str(key)
    reason = str(entry.get("reason") or entry.get("why") or "supernode")
    degree = first_present(entry, "degree", "contacts", "count")
    if key in graph:
        graph.nodes[key]["supernode"] = True
        graph.nodes[key]["excluded_reason"] = reason
        return
    graph.add_node(
        key,
        kind="supernode",
        seed=False,
        supernode=True,
        excluded_reason=reason,
        degree=degree,
        events=0,
        first=None,
        last=None,
    )


def _vis_lists(
    graph: nx.Graph, positions: Mapping[Any, tuple[float, float]], skip: set[Any] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """vis-network node and edge dicts, built with pyvis, in a deterministic order."""
    net = Network(directed=True)
    max_count = max((d["count"] for _, _, d in graph.edges(data=True)), default=1)
    for node in sorted(graph.nodes, key=str):
        if skip and node in skip:
            continue
        data = graph.nodes[node]
        options: dict[str, Any] = {
            "group": style_for(data["kind"]).kind,
            "title": node_tooltip(str(node), data),
            "kind": data["kind"],
            "events": data.get("events", 0),
            "first": data.get("first"),
            "last": data.get("last"),
        }
        if data.get("seed"):
            options.update(size=26, borderWidth=4, seed=True)
        if data.get("supernode"):
            options.update(supernode=True, borderWidth=4, shapeProperties={"borderDashes": [6, 4]})
        if node in positions:
            options.update(x=positions[node][0], y=positions[node][1])
        style = style_for(data["kind"])
        net.add_node(str(node), label=node_label(str(node), data), shape=style.shape, **options)
    for a, b in sorted(graph.edges, key=lambda e: (str(e[0]), str(e[1]))):
        if skip and (a in skip and b in skip):
            continue
        data = graph.edges[a, b]
        src, dst = data.get("ends", (a, b))
        for end in (src, dst):
            if str(end) not in net.node_map:  # an edge to a skipped hub: keep the id, pyvis checks it
                net.add_node(str(end), label=str(end), shape="dot", hidden=True, placeholder=True)
        net.add_edge(
            str(src),
            str(dst),
            id=f"{src}|{dst}",
            width=edge_width(data["count"], max_count),
            title=edge_tooltip(str(src), str(dst), data),
            count=data["count"],
            first=data.get("first"),
            last=data.get("last"),
            relation=data.get("relation", "contact"),
            arrows=_arrows(data),
            dashes=data.get("relation") == "collapsed",
        )
    # pyvis always sets a shape; drop it so the kind's group decides (an icon, or a plain shape
    # for big charts)
    nodes = [{k: v for k, v in n.items() if k != "shape"} for n in net.nodes if not n.get("placeholder")]
    return nodes, list(net.edges)


def _arrows(edge: Mapping[str, Any]) -> str:
    direction = str(edge.get("detail", {}).get("direction", "")).lower()
    if direction in ("out", "a->b", "outbound", "mo"):
        return "to"
    if direction in ("in", "b->a", "inbound", "mt"):
        return "from"
    return ""


def edge_width(count: int, max_count: int) -> float:
    """1 px for one event up to 12 px for the busiest link, on a log scale (counts are skewed)."""
    if max_count <= 1:
        return 1.5
    return round(1.0 + 11.0 * math.log(max(count, 1)) / math.log(max_count), 2)


def node_label(key: str, data: Mapping[str, Any]) -> str:
    if data.get("label"):
        return str(data["label"])
    if data["kind"] == "supernode":
        return f"{key}\n(excluded)"
    if data.get("supernode"):
        return f"{key} ⚑"
    return key


def node_tooltip(key: str, data: Mapping[str, Any]) -> str:
    """Plain text (vis-network shows it as text, so nothing in it can run as HTML)."""
    lines = [f"{style_for(data['kind']).label}: {key}"]
    if data.get("seed"):
        lines.append("Seed of this chart")
    if data.get("excluded_reason"):
        lines.append(f"Excluded by the analysis: {data['excluded_reason']}")
    if data.get("degree") is not None:
        lines.append(f"Degree: {data['degree']}")
    if data.get("members"):
        lines.append(f"{data['members']} contacts folded into this marker; click to open")
    elif data.get("supernode") and data["kind"] != "supernode":
        lines.append("Supernode: its one-contact neighbours are collapsed")
    if data.get("events"):
        lines.append(f"Events on links shown: {data['events']}")
    lines.extend(_span(data))
    return "\n".join(lines)


def edge_tooltip(a: str, b: str, data: Mapping[str, Any]) -> str:
    lines = [f"{a} — {b}", f"Events: {data['count']}"]
    for key, value in sorted(data.get("detail", {}).items()):
        lines.append(f"{key}: {value}")
    lines.extend(_span(data))
    return "\n".join(lines)


def _span(data: Mapping[str, Any]) -> list[str]:
    lines = []
    if data.get("first"):
        lines.append(f"First: {data['first']}")
    if data.get("last"):
        lines.append(f"Last: {data['last']}")
    return lines


def chart_options(*, server: bool, icons: bool, node_count: int) -> dict[str, Any]:
    """vis-network options: physics off with server positions, else a bounded stabilisation."""
    options: dict[str, Any] = {
        "groups": vis_groups(icons=icons),
        "nodes": {"font": {"size": 12, "face": "sans-serif"}, "borderWidth": 2},
        "edges": {
            "color": {"color": "#7a8a99", "highlight": "#d35400", "inherit": False},
            "smooth": False,
            "font": {"size": 10},
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "navigationButtons": False,
            "hideEdgesOnDrag": node_count > 500,
            "hideEdgesOnZoom": node_count > 1000,
        },
    }
    if server:
        options["physics"] = {"enabled": False}
        options["layout"] = {"improvedLayout": False}
    else:
        options["physics"] = {
            "enabled": True,
            "solver": "barnesHut",
            "barnesHut": {"gravitationalConstant": -6000, "springLength": 120, "avoidOverlap": 0.2},
            "stabilization": {"enabled": True, "iterations": 300, "fit": True},
        }
    return options


def render_html(payload: Mapping[str, Any]) -> str:
    """A standalone HTML page: vendored vis-network and the chart script in-lined, no network use."""
    return assets.render_page(
        "standalone.html",
        title=str(payload.get("title", "Link chart")),
        payload=payload,
        styles=["vendor/vis-network/vis-network.min.css", "css/charts.css"],
        scripts=["vendor/vis-network/vis-network.min.js", "js/charts.js"],
    )
