"""GraphML for Gephi (and yEd, Cytoscape, networkx).

Every node of the case and every event (one edge per call, sighting or ANPR read, keyed by its
event id) and link; attributes are scalars of one type per key, as Gephi requires. ``label`` is
the attribute Gephi shows, ``weight`` 1.0 per event (Gephi sums it when it merges parallel edges),
``node_type``/``relationship`` the CSAS label and relationship type, ``event_type`` voice/sms/….
The evidence trail rides along: ``src_sha256``, ``src_row`` and all
``sources`` (``;``-separated ``sha256:row``).
"""

from __future__ import annotations

import io
from typing import Any

import networkx as nx

from csas_graph.exports.data import CaseData, display_label, edge_id

#: attributes that must be written as floats whatever Neo4j returned (Gephi needs one type per key)
_FLOATS = frozenset({"lat", "lon", "azimuth", "beamwidth"})
_INTS = frozenset({"duration_s", "src_row", "events", "confidence"})


def build_graph(data: CaseData) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph(name=f"CSAS-graph case {data.case_id}")
    for node_id, node in data.nodes.items():
        attrs = {k: _scalar(k, v) for k, v in node.items() if k not in {"id"}}
        attrs["node_type"] = attrs.pop("label")
        attrs["label"] = display_label(node)
        graph.add_node(node_id, **{k: v for k, v in attrs.items() if v is not None})
    for edge in data.edges:
        attrs = {k: _scalar(k, v) for k, v in edge.items() if k not in {"source", "target", "type"}}
        # names Gephi reads: label, weight (parallel edges merge by summing it); 'type' is avoided
        attrs["relationship"] = attrs.pop("rel")
        attrs["event_type"] = _scalar("type", edge.get("type"))
        attrs["label"] = attrs["relationship"]
        attrs["weight"] = 1.0
        graph.add_edge(
            edge["source"], edge["target"], key=edge_id(edge), **{k: v for k, v in attrs.items() if v is not None}
        )
    return graph


def export_graphml(data: CaseData) -> tuple[bytes, int]:
    graph = build_graph(data)
    buffer = io.BytesIO()
    nx.write_graphml(graph, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue(), graph.number_of_nodes() + graph.number_of_edges()


def _scalar(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key in _FLOATS:
        return float(value)
    if key in _INTS:
        try:
            return int(value)
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, int | float):
        return float(value)
    return str(value)
