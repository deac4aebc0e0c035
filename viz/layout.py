"""Server-side layout for large link charts, so the browser never runs physics for minutes.

vis-network's own physics is O(n²) per step in the browser and a few thousand nodes take minutes
to settle (visjs/vis #2558: 47k nodes, 17 hours). Here the positions are computed once in Python
and the page draws them with physics off.

Method: Fruchterman-Reingold with the grid (cut-off) variant of the repulsive force from the
original paper: each node is only repelled by nodes within ``2k`` (found with a k-d tree), so an
iteration costs O(n + m) instead of O(n²). Connected components are laid out separately (a
cut-off repulsion cannot push components apart) and packed in rows, largest first. Leaves
(degree-1 nodes) are not simulated: they are placed on a ring round their one neighbour, which
keeps the simulated graph small for the star-shaped networks call data usually gives.

The result is deterministic for a given graph and seed: node order is sorted, and the random start
comes from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

#: the average edge length in the browser's coordinate units (pixels at zoom 1)
EDGE_PX = 110.0


def layout_positions(graph: nx.Graph, *, seed: int = 7, iterations: int = 50) -> dict[Hashable, tuple[float, float]]:
    """Positions (pixels) for every node of ``graph``, components packed in rows.

    Parameters
    ----------
    graph
        Any networkx graph; direction and multi-edges are ignored.
    seed
        Seed of the random start, so the same graph always gets the same picture.
    iterations
        Force-directed steps per component.

    Returns
    -------
    dict
        ``node -> (x, y)`` in pixels, roughly ``EDGE_PX`` apart along edges.
    """
    simple = nx.Graph(graph)
    simple.remove_edges_from(nx.selfloop_edges(simple))
    components = sorted(
        (sorted(c, key=str) for c in nx.connected_components(simple)), key=lambda c: (-len(c), str(c[0]))
    )
    boxes = [_component_layout(simple.subgraph(c), seed=seed, iterations=iterations) for c in components]
    return _pack(boxes)


def _component_layout(graph: nx.Graph, *, seed: int, iterations: int) -> dict[Hashable, np.ndarray]:
    nodes = sorted(graph.nodes, key=str)
    if len(nodes) == 1:
        return {nodes[0]: np.zeros(2)}
    leaves = {n: next(iter(graph.neighbors(n))) for n in nodes if graph.degree(n) == 1}
    # a two-node component is two leaves of each other: keep one of them in the core
    core = [n for n in nodes if n not in leaves or leaves[n] in leaves and str(n) < str(leaves[n])]
    index = {n: i for i, n in enumerate(core)}
    edges = np.array(
        [(index[a], index[b]) for a, b in graph.subgraph(core).edges() if a in index and b in index], dtype=np.int64
    ).reshape(-1, 2)
    coords = fruchterman_reingold(len(core), edges, seed=seed, iterations=iterations) * EDGE_PX
    positions = {n: coords[index[n]] for n in core}
    positions.update(_leaf_rings(leaves, positions))
    return positions


def _leaf_rings(leaves: dict[Hashable, Hashable], positions: dict[Hashable, np.ndarray]) -> dict[Hashable, np.ndarray]:
    """Leaves on a ring round their parent, pointing away from the parent's own neighbours."""
    by_parent: dict[Hashable, list[Hashable]] = {}
    for leaf, parent in leaves.items():
        if leaf not in positions:
            by_parent.setdefault(parent, []).append(leaf)
    centre = np.mean(np.array(list(positions.values())), axis=0) if positions else np.zeros(2)
    placed: dict[Hashable, np.ndarray] = {}
    for parent, children in by_parent.items():
        origin = positions[parent]
        outward = math.atan2(*(origin - centre)[::-1]) if np.any(origin != centre) else 0.0
        radius = EDGE_PX * (0.6 + 0.12 * math.sqrt(len(children)))
        spread = min(2 * math.pi, 0.9 + 0.25 * len(children))
        for i, child in enumerate(sorted(children, key=str)):
            angle = outward + spread * ((i + 0.5) / len(children) - 0.5)
            placed[child] = origin + radius * np.array([math.cos(angle), math.sin(angle)])
    return placed


def fruchterman_reingold(n: int, edges: np.ndarray, *, seed: int = 7, iterations: int = 50) -> np.ndarray:
    """Grid-variant Fruchterman-Reingold on ``n`` nodes; ``edges`` is an (m, 2) index array.

    The neighbour pairs for the repulsion are found every other step within a slightly larger
    radius (nodes move little per step), which halves the k-d tree work.

    Returns an (n, 2) array in units of the ideal edge length ``k`` (so about 1 apart).
    """
    if n == 0:
        return np.zeros((0, 2))
    rng = np.random.default_rng(seed)
    side = math.sqrt(n)
    pos = rng.random((n, 2)) * side
    k = 1.0
    temperature = side / 10.0
    cooling = temperature / (iterations + 1)
    pairs = np.zeros((0, 2), dtype=np.int64)
    for step in range(iterations):
        if step % 2 == 0:
            pairs = cKDTree(pos).query_pairs(2.5 * k, output_type="ndarray")
        disp = _repulsion(pos, pairs, k) + _attraction(pos, edges, k)
        length = np.maximum(np.linalg.norm(disp, axis=1), 1e-9)
        pos += disp / length[:, None] * np.minimum(length, temperature)[:, None]
        temperature -= cooling
    return pos - pos.mean(axis=0)


def _repulsion(pos: np.ndarray, pairs: np.ndarray, k: float) -> np.ndarray:
    """k²/d between each pair closer than 2k (the grid variant's cut-off)."""
    disp = np.zeros_like(pos)
    if len(pairs) == 0:
        return disp
    delta = pos[pairs[:, 0]] - pos[pairs[:, 1]]
    dist = np.maximum(np.sqrt(np.einsum("ij,ij->i", delta, delta)), 0.01 * k)
    near = dist < 2 * k
    force = np.where(near, (k * k / dist) / dist, 0.0)
    vec = delta * force[:, None]
    return _scatter(disp, pairs, vec)


def _attraction(pos: np.ndarray, edges: np.ndarray, k: float) -> np.ndarray:
    disp = np.zeros_like(pos)
    if len(edges) == 0:
        return disp
    delta = pos[edges[:, 0]] - pos[edges[:, 1]]
    dist = np.maximum(np.sqrt(np.einsum("ij,ij->i", delta, delta)), 0.01 * k)
    vec = -delta * (dist / k)[:, None]
    return _scatter(disp, edges, vec)


def _scatter(disp: np.ndarray, pairs: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """disp[i] += vec, disp[j] -= vec for each pair (i, j), with bincount (faster than add.at)."""
    n = len(disp)
    for axis in (0, 1):
        disp[:, axis] += np.bincount(pairs[:, 0], weights=vec[:, axis], minlength=n)
        disp[:, axis] -= np.bincount(pairs[:, 1], weights=vec[:, axis], minlength=n)
    return disp


def _pack(boxes: Iterable[dict[Hashable, np.ndarray]]) -> dict[Hashable, tuple[float, float]]:
    """Place each component's box left to right in rows about as wide as the largest box."""
    boxes = list(boxes)
    result: dict[Hashable, tuple[float, float]] = {}
    if not boxes:
        return result
    extents = []
    for box in boxes:
        arr = np.array(list(box.values()))
        lo, hi = arr.min(axis=0), arr.max(axis=0)
        extents.append((lo, hi))
    row_width = max(
        float((extents[0][1] - extents[0][0])[0]),
        math.sqrt(sum(float(np.prod(hi - lo + EDGE_PX)) for lo, hi in extents)),
    )
    x = y = row_height = 0.0
    gap = EDGE_PX
    for box, (lo, hi) in zip(boxes, extents, strict=True):
        width, height = (hi - lo) + gap
        if x > 0 and x + width > row_width + gap:
            x, y, row_height = 0.0, y + row_height, 0.0
        offset = np.array([x, y]) - lo
        for node, p in box.items():
            q = p + offset
            result[node] = (round(float(q[0]), 1), round(float(q[1]), 1))
        x += float(width)
        row_height = max(row_height, float(height))
    return result
