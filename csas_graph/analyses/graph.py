"""Graph algorithms on the extracted contact graph (networkx): centrality, communities, paths.

The contact graph is pulled from Neo4j once per call: CALLED events in the window aggregated
per pair of numbers (weight = events), supernodes removed, optionally cut down to the k-hop
neighbourhood of seed numbers. networkx then runs on that subgraph, so the same code serves
Neo4j Community, Enterprise and Aura with no server plugin.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any, Literal

import networkx as nx
from pydantic import Field, model_validator

from csas_graph.analyses._common import (
    EVENT_TYPES,
    EVIDENCE_CAP,
    Key,
    KeyList,
    SupernodeParams,
    TypeList,
    all_supernodes,
    excluded_list,
    read_fast,
)
from csas_graph.analyses.attribution import device_id, is_placeholder_imei
from csas_graph.analyses.base import AnalysisResult
from csas_graph.errors import NotFound
from csas_graph.graph_store import GraphStore

Row = dict[str, Any]
#: exact betweenness up to this many nodes; above it a seeded sample of pivots
EXACT_BETWEENNESS_NODES = 3000


class GraphParams(SupernodeParams):
    numbers: KeyList | None = Field(None, description="Seed numbers: restrict to their k-hop neighbourhood.")
    hops: int = Field(2, ge=1, le=4, description="Neighbourhood radius around the seeds.")
    types: TypeList = Field(None, description="Event types that make an edge (default: all).")
    min_events: int = Field(1, ge=1, le=1_000_000, description="Drop pairs with fewer events than this.")


def _types(p: GraphParams | Any) -> list[str]:
    return sorted(p.types) if p.types else list(EVENT_TYPES)


def contact_graph(store: GraphStore, case_id: str, p: GraphParams | Any) -> tuple[nx.Graph, dict[str, Row]]:
    """The undirected weighted contact graph (nodes inserted in sorted order, for determinism)."""
    since, until = p.window()
    excluded = {} if p.include_supernodes else all_supernodes(store, case_id, p.max_degree or 0)
    weights: dict[tuple[str, str], list[int]] = {}
    for e in read_fast(store, "analyses/edge_weights", case_id=case_id, since=since, until=until, types=_types(p)):
        a, b = sorted((e["src"], e["dst"]))
        if a == b or a in excluded or b in excluded:
            continue
        w = weights.setdefault((a, b), [0, 0])
        w[0] += e["events"]
        w[1] += int(e["duration_s"] or 0)
    g = nx.Graph()
    for (a, b), (events, duration) in sorted(weights.items()):
        if events >= p.min_events:
            g.add_edge(a, b, weight=events, duration_s=duration)
    seeds = getattr(p, "numbers", None)
    if seeds:
        keep: set[str] = {s for s in seeds if s in g}
        frontier = set(keep)
        for _ in range(p.hops):
            frontier = {n for f in frontier for n in g.neighbors(f)} - keep
            keep |= frontier
        g = _sorted_graph(g.subgraph(keep))
    else:
        g = _sorted_graph(g)
    return g, excluded


def _sorted_graph(g: nx.Graph) -> nx.Graph:
    out = nx.Graph()
    out.add_nodes_from(sorted(g.nodes))
    out.add_edges_from(sorted((min(a, b), max(a, b), d) for a, b, d in g.edges(data=True)))
    return out


def _number_evidence(store: GraphStore, case_id: str, keys: list[str], p: Any) -> dict[str, Row]:
    since, until = p.window()
    rows = read_fast(
        store,
        "analyses/number_evidence",
        case_id=case_id,
        keys=keys,
        since=since,
        until=until,
        types=_types(p),
        cap=EVIDENCE_CAP,
    )
    return {r["number"]: {"evidence": r["ids"], "evidence_total": r["total"]} for r in rows}


# ------------------------------------------------------------------------------ centrality
class CentralityParams(GraphParams):
    order_by: Literal["degree", "betweenness", "eigenvector", "core_number"] = Field(
        "betweenness", description="Ranking measure."
    )
    min_core: int = Field(0, ge=0, le=1_000_000, description="Only numbers in the k-core for this k.")
    limit: int = Field(50, ge=1, le=100_000, description="Most numbers listed.")


def centrality(store: GraphStore, case_id: str, p: CentralityParams) -> AnalysisResult:
    """Degree, betweenness, eigenvector centrality and core number of each number.

    Method
    ------
    On the contact graph (see module docs): ``degree`` = distinct counterparts,
    ``weighted_degree`` = events, ``betweenness`` = normalised shortest-path betweenness
    (unweighted; exact up to 3000 nodes, else 500 pivots sampled with seed 0),
    ``eigenvector`` = eigenvector centrality weighted by events, ``core_number`` = the largest
    k of a k-core containing the number. Values rounded to 9 places. Ranked by ``order_by``,
    then number.

    Parameters
    ----------
    store, case_id
        The graph and the case whose data is read (nothing else is).
    p : CentralityParams
        Validated parameters; every field is documented on the model
        (``csas analyse --list``, the API's OpenAPI schema).

    Limitations
    -----------
    Centrality describes the records delivered, not the organisation: a number is central
    because the requested numbers' records revolve around it. Supernodes are removed first.
    """
    g, excluded = contact_graph(store, case_id, p)
    rows: list[Row] = []
    if g.number_of_nodes():
        k = None if g.number_of_nodes() <= EXACT_BETWEENNESS_NODES else 500
        btw = nx.betweenness_centrality(g, k=k, seed=0, normalized=True)
        try:
            eig = nx.eigenvector_centrality(g, weight="weight", max_iter=1000, tol=1e-9)
        except nx.PowerIterationFailedConvergence:
            eig = nx.eigenvector_centrality_numpy(g, weight="weight")
        core = nx.core_number(g)
        for n in g.nodes:
            if core[n] < p.min_core:
                continue
            rows.append(
                {
                    "number": n,
                    "degree": g.degree(n),
                    "weighted_degree": g.degree(n, weight="weight"),
                    "betweenness": round(btw[n], 9),
                    "eigenvector": round(abs(eig[n]), 9),
                    "core_number": core[n],
                }
            )
    rows.sort(key=lambda r: (-r[p.order_by], r["number"]))
    rows = rows[: p.limit]
    ev = _number_evidence(store, case_id, [r["number"] for r in rows], p)
    for r in rows:
        r.update(ev.get(r["number"], {"evidence": [], "evidence_total": 0}))
    return AnalysisResult(
        "centrality",
        case_id,
        p.model_dump(mode="json"),
        rows,
        excluded=excluded_list(excluded),
        extra={"nodes": g.number_of_nodes(), "edges": g.number_of_edges()},
    )


# ----------------------------------------------------------------------------- communities
class CommunitiesParams(GraphParams):
    resolution: float = Field(1.0, gt=0, le=1000, description="Louvain resolution: higher gives smaller communities.")
    seed: int = Field(42, ge=0, le=2**32 - 1, description="Random seed of Louvain (fixed for reproducibility).")
    min_size: int = Field(3, ge=1, le=1_000_000, description="Smallest community listed.")
    min_ties: int = Field(
        2,
        ge=1,
        le=1_000,
        description=(
            "Numbers in contact with fewer distinct users than this (numbers seen in one handset count as "
            "one user) take no part in the partition: they are attached afterwards to the community of "
            "their strongest tie and listed under `attached`. 1 partitions every number."
        ),
    )


def communities(store: GraphStore, case_id: str, p: CommunitiesParams) -> AnalysisResult:
    """Louvain communities of the contact graph, weighted by tie strength.

    Method
    ------
    1. The contact graph (see module docs): one edge per pair of numbers weighted by its
       events, supernodes removed. 2. Users: numbers whose records show the same handset (TAC
       + serial, the first 14 IMEI digits; placeholder IMEIs ignored) count as one user, as
       after a SIM swap to a new number. 3. Periphery: numbers in contact with fewer than
       ``min_ties`` distinct users are peeled off, repeatedly (a k-core over users). Louvain
       always puts a number whose only ties lead to one user into that user's community, so
       such a number says nothing about where communities lie; left in, a target's family and
       friends swell its community. 4. networkx ``louvain_communities`` on the remaining core,
       weighted by events (members who talk often weigh more than a casual tie), with
       ``resolution`` and a fixed ``seed`` on a graph built in sorted order, so the same data
       gives the same partition. 5. Each peeled number joins the community of its strongest
       tie (most events, then lowest number), innermost first; parts of the graph with no core
       at all are partitioned by Louvain on their own. A row lists ``core`` (the partitioned
       members), ``attached`` (the peeled ones) and ``members`` (both). Communities of at least
       ``min_size`` members are listed largest first (ties: first member), numbered from 1,
       with their internal edges, events and density.

    Parameters
    ----------
    store, case_id
        The graph and the case whose data is read (nothing else is).
    p : CommunitiesParams
        Validated parameters; every field is documented on the model
        (``csas analyse --list``, the API's OpenAPI schema).

    Limitations
    -----------
    A community is a densely connected set of numbers in these records, not an organised
    group: Louvain finds numbers that call each other more than chance would have it, not
    criminal intent, and a family or a workplace forms a community just as well. Louvain
    optimises modularity heuristically and can split or merge groups at the margin; a higher
    ``resolution`` gives smaller communities, and a different ``seed`` may give a different
    partition of equal quality, which is why the seed is a recorded parameter. Attached numbers
    are placed by one tie only: a burner in contact with a single member is attached, not core.
    A handset shared by two people, or moved between them, joins their numbers into one user
    for the periphery test; numbers whose records carry no handset stand alone. With ``numbers``
    the graph is cut at ``hops``, so numbers at the edge lose ties and may be peeled. A group
    whose members never contact each other directly (cut-outs, one coordinator) is no dense
    cluster and is not found as one.
    """
    g, excluded = contact_graph(store, case_id, p)
    parts = _partition(g, _users(store, case_id, sorted(g.nodes)), p) if g else []
    groups = sorted(
        ((sorted(core | attached), sorted(core), sorted(attached)) for core, attached in parts),
        key=lambda c: (-len(c[0]), c[0][0]),
    )
    groups = [c for c in groups if len(c[0]) >= p.min_size]
    since, until = p.window()
    rows = []
    for i, (members, core, attached) in enumerate(groups, start=1):
        sub = g.subgraph(members)
        ev = read_fast(
            store,
            "analyses/group_evidence",
            case_id=case_id,
            keys=members,
            since=since,
            until=until,
            types=_types(p),
            cap=EVIDENCE_CAP,
        )[0]
        rows.append(
            {
                "community": i,
                "size": len(members),
                "members": members,
                "core": core,
                "attached": attached,
                "internal_edges": sub.number_of_edges(),
                "internal_events": int(sub.size(weight="weight")),
                "density": round(nx.density(sub), 9),
                "evidence": ev["ids"],
                "evidence_total": ev["total"],
            }
        )
    core_nodes = sum(len(c) for c, _ in parts)
    return AnalysisResult(
        "communities",
        case_id,
        p.model_dump(mode="json"),
        rows,
        excluded=excluded_list(excluded),
        extra={
            "nodes": g.number_of_nodes(),
            "edges": g.number_of_edges(),
            "core_nodes": core_nodes,
            "attached_nodes": g.number_of_nodes() - core_nodes,
            "communities_total": len(parts),
        },
    )


def _users(store: GraphStore, case_id: str, keys: list[str]) -> dict[str, str]:
    """Number -> user label: numbers whose records show one handset share the smallest of them.

    A union-find over the number-handset links (handsets by TAC + serial; placeholders skipped).
    Numbers with no handset link are their own user.
    """
    parent = {k: k for k in keys}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_number: dict[str, str] = {}
    for link in read_fast(store, "analyses/identity_links", case_id=case_id, keys=keys):
        if link["kind"] != "number-handset" or link["placeholder"] or is_placeholder_imei(link["imei"]):
            continue
        number, handset = link["number"], device_id(link["imei"])
        other = first_number.setdefault(handset, number)
        a, b = root(number), root(other)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {k: root(k) for k in keys}


def peel(g: nx.Graph, user: dict[str, str], min_ties: int) -> tuple[set[str], list[str]]:
    """The core (numbers in contact with at least ``min_ties`` other users among the core) and
    the peeled numbers in the order they were peeled (deterministic: sorted, then as freed)."""
    alive = set(g.nodes)
    ties: dict[str, dict[str, int]] = {}
    for n in g.nodes:
        count: dict[str, int] = {}
        for m in g.neighbors(n):
            if user[m] != user[n]:
                count[user[m]] = count.get(user[m], 0) + 1
        ties[n] = count
    queue = [n for n in sorted(g.nodes) if len(ties[n]) < min_ties]
    queued = set(queue)
    order: list[str] = []
    for n in queue:  # the list grows while it is walked
        alive.discard(n)
        order.append(n)
        for m in sorted(g.neighbors(n)):
            if m not in alive or user[m] == user[n]:
                continue
            left = ties[m][user[n]] - 1
            if left:
                ties[m][user[n]] = left
            else:
                del ties[m][user[n]]
            if len(ties[m]) < min_ties and m not in queued:
                queued.add(m)
                queue.append(m)
    return alive, order


def _partition(g: nx.Graph, user: dict[str, str], p: CommunitiesParams) -> list[tuple[set[str], set[str]]]:
    """(core, attached) per community: Louvain on the core, peeled numbers attached after."""
    core, order = peel(g, user, p.min_ties)
    parts: list[tuple[set[str], set[str]]] = []
    label: dict[str, int] = {}
    if core:
        found = nx.community.louvain_communities(
            _sorted_graph(g.subgraph(core)), weight="weight", resolution=p.resolution, seed=p.seed
        )
        for i, members in enumerate(sorted((sorted(c) for c in found), key=lambda c: c[0])):
            parts.append((set(members), set()))
            label.update(dict.fromkeys(members, i))
    pending = list(reversed(order))  # innermost first: the last peeled lie next to the core
    progress = True
    while progress:
        progress, waiting = False, []
        for n in pending:
            placed = [(-g[n][m]["weight"], m) for m in g.neighbors(n) if m in label]
            if placed:
                label[n] = label[min(placed)[1]]
                parts[label[n]][1].add(n)
                progress = True
            else:
                waiting.append(n)
        pending = waiting
    if pending:  # parts of the graph with no core: partitioned on their own
        rest = _sorted_graph(g.subgraph(pending))
        found = nx.community.louvain_communities(rest, weight="weight", resolution=p.resolution, seed=p.seed)
        parts += [(set(), set(c)) for c in found]
    return parts


# ------------------------------------------------------------------------------------ path
class PathParams(SupernodeParams):
    source: Key = Field(..., description="Number at one end.")
    target: Key = Field(..., description="Number at the other end.")
    types: TypeList = Field(None, description="Event types that make an edge (default: all).")
    max_paths: int = Field(5, ge=1, le=100, description="Most shortest paths listed (they all have equal length).")

    @model_validator(mode="after")
    def _distinct(self) -> PathParams:
        if self.source == self.target:
            raise ValueError("source and target must differ")
        return self


def path(store: GraphStore, case_id: str, p: PathParams) -> AnalysisResult:
    """Shortest contact paths between two numbers.

    Method
    ------
    All unweighted shortest paths in the contact graph (supernodes removed, so a path through
    voicemail does not count), sorted lexicographically, the first ``max_paths`` listed with the
    events of each hop as evidence.

    Limitations
    -----------
    A path links numbers through recorded contact; it says nothing about what passed along it.
    An absent path may only mean the connecting records were not requested.
    """
    g, excluded = contact_graph(store, case_id, GraphParams(**_graph_fields(p)))
    for end in (p.source, p.target):
        if end not in g:
            why = "is a supernode" if end in excluded else "has no contacts in that window"
            raise NotFound(f"number {end} {why} in case {case_id}", field="source" if end == p.source else "target")
    try:
        paths = sorted(nx.all_shortest_paths(g, p.source, p.target))[: p.max_paths]
    except nx.NetworkXNoPath:
        paths = []
    since, until = p.window()
    pairs = sorted({tuple(sorted(h)) for pth in paths for h in pairwise(pth)})
    ev: dict[tuple[str, str], Row] = {}
    if pairs:
        for r in read_fast(
            store,
            "analyses/pair_evidence",
            case_id=case_id,
            pairs=[list(pr) for pr in pairs],
            since=since,
            until=until,
            types=_types(p),
            cap=EVIDENCE_CAP,
        ):
            ev[(r["a"], r["b"])] = r
    rows = []
    for rank, pth in enumerate(paths, start=1):
        hops = [ev.get(tuple(sorted(h)), {"ids": [], "total": 0}) for h in pairwise(pth)]
        ids = sorted({i for h in hops for i in h["ids"]})
        rows.append(
            {
                "rank": rank,
                "numbers": pth,
                "hops": len(pth) - 1,
                "hop_events": [h["total"] for h in hops],
                "evidence": ids[:EVIDENCE_CAP],
                "evidence_total": sum(h["total"] for h in hops),
            }
        )
    return AnalysisResult(
        "path", case_id, p.model_dump(mode="json"), rows, excluded=excluded_list(excluded), extra={"found": bool(rows)}
    )


def _graph_fields(p: PathParams) -> dict[str, Any]:
    return {
        "since": p.since,
        "until": p.until,
        "max_degree": p.max_degree,
        "include_supernodes": p.include_supernodes,
        "types": p.types,
    }
