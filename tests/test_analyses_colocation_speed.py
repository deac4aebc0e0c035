"""Co-location of target pairs joined in numpy: the same rows and hash as the per-sighting sweep."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from itertools import combinations
from typing import Any

import pytest

from csas_graph import importer
from csas_graph.analyses import colocation
from csas_graph.analyses.colocation import CoLocationParams, co_location, fetch_places
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings


@pytest.fixture(scope="module")
def synth_case(store: GraphStore, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Any]:
    """A generated case, imported."""
    from csas_graph.synth.generate import PLAIN_TEMPLATE_FILE, generate

    out = tmp_path_factory.mktemp("synth-colocation-speed")
    truth = generate(out, seed=11, rows=3_000)
    case_id = f"T-colo-speed-{uuid.uuid4().hex[:8]}"
    for name in truth["import_order"]:
        template = out / PLAIN_TEMPLATE_FILE if name.startswith("f_") else None
        importer.import_file(store, case_id, out / name, template_file=template, settings=settings)
    return case_id, truth


def both_ways(
    store: GraphStore, case_id: str, monkeypatch: pytest.MonkeyPatch, **params: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(vectorised, reference) answers; asserts each really took its own path."""
    p = CoLocationParams(limit=100_000, **params)
    calls: list[str] = []
    real = colocation.read_fast

    def spy(store: GraphStore, name: str, **kw: Any) -> Any:
        calls.append(name)
        return real(store, name, **kw)

    monkeypatch.setattr(colocation, "read_fast", spy)
    fast = co_location(store, case_id, p)
    assert "analyses/colocation_places_by_cell" in calls and "analyses/sighting_places" not in calls
    calls.clear()
    slow = co_location(store, case_id, p, vectorised=False)
    assert "analyses/sighting_places" in calls and "analyses/colocation_places_by_cell" not in calls
    return fast.as_dict(), slow.as_dict()


def test_pairs_equal_events(store: GraphStore, synth_case: tuple[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    case_id, truth = synth_case
    found = 0
    for meeting in truth["meetings"][:3]:
        start = datetime.fromisoformat(meeting["start"].replace("Z", "+00:00"))
        window = {"since": start - timedelta(days=15), "until": start + timedelta(days=15)}
        for radius in (0, 1500):
            for extra in ({}, {"window_minutes": 5, "gap_minutes": 10, "min_strength": 2}, {"exclude_routine": True}):
                fast, slow = both_ways(
                    store,
                    case_id,
                    monkeypatch,
                    numbers=[meeting["a"], meeting["b"]],
                    radius_m=radius,
                    **window,
                    **extra,
                )
                assert fast == slow
                found += len(fast["rows"])
    assert found > 0


def test_pair_without_shared_cell(
    store: GraphStore, synth_case: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, _ = synth_case
    rows = store.run_statement("MATCH (n:Number {case_id: $c}) RETURN n.key AS k", {"c": case_id}, write=False)
    keys = sorted(r["k"] for r in rows)
    early, late = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    places = fetch_places(store, case_id, keys, early, late)
    cells = {k: {s["cell"] for s in ss} for k, ss in places.items() if ss}
    apart = next((a, b) for a, b in combinations(sorted(cells), 2) if cells[a].isdisjoint(cells[b]))
    fast, slow = both_ways(store, case_id, monkeypatch, numbers=list(apart))
    assert fast == slow and fast["rows"] == []
    # a number never sighted in the window is a pair with nothing to find either
    fast, slow = both_ways(store, case_id, monkeypatch, numbers=[apart[0], "+440000000000"])
    assert fast == slow and fast["rows"] == []


def test_all_pairs_equal_events(
    store: GraphStore, synth_case: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, truth = synth_case
    group = sorted(set(truth["group"]) | {m["a"] for m in truth["meetings"]} | {m["b"] for m in truth["meetings"]})
    assert len(group) >= 4
    for radius in (0, 2000):
        fast, slow = both_ways(store, case_id, monkeypatch, numbers=group, radius_m=radius)
        assert fast == slow and fast["rows"]
        assert fast["extra"]["pairs_examined"] == len(group) * (len(group) - 1) // 2
