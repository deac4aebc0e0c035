"""The precomputed contact summary: equal to the event-level answer, refreshed on import, never stale."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from csas_graph import importer
from csas_graph.analyses import anpr as anpr_module
from csas_graph.analyses import attribution as attribution_module
from csas_graph.analyses import contacts as contacts_module
from csas_graph.analyses import movement as movement_module
from csas_graph.analyses import summaries
from csas_graph.analyses._common import (
    EARLIEST,
    EVENT_TYPES,
    LATEST,
    CellIndex,
    data_version,
    read_data_version,
    read_fast,
)
from csas_graph.analyses.contacts import contact_edges
from csas_graph.analyses.registry import run_analysis
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings


def _import(store: GraphStore, case_id: str, out: Path, name: str, settings: Settings) -> None:
    from csas_graph.synth.generate import PLAIN_TEMPLATE_FILE

    template_file = out / PLAIN_TEMPLATE_FILE if name.startswith("f_") else None
    importer.import_file(store, case_id, out / name, template_file=template_file, settings=settings)


@pytest.fixture(scope="module")
def synth_case(
    store: GraphStore, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, dict[str, Any], Path, list[str]]:
    """A generated case imported with the hook registered, but for two CDR files held back."""
    from csas_graph.synth.generate import generate

    out = tmp_path_factory.mktemp("synth-summary")
    truth = generate(out, seed=5, rows=3_000)
    held = [n for n in truth["import_order"] if n.startswith("a_")][-2:]
    case_id = f"T-summary-{uuid.uuid4().hex[:8]}"
    assert summaries.refresh_summaries in importer.POST_IMPORT_HOOKS
    for name in truth["import_order"]:
        if name not in held:
            _import(store, case_id, out, name, settings)
    return case_id, truth, out, held


def all_numbers(store: GraphStore, case_id: str) -> set[str]:
    rows = store.run_statement("MATCH (n:Number {case_id: $c}) RETURN n.key AS k", {"c": case_id}, write=False)
    return {r["k"] for r in rows}


def edges_both_ways(store: GraphStore, case_id: str) -> tuple[dict[Any, Any], dict[Any, Any]]:
    keys = all_numbers(store, case_id)
    events = contact_edges(store, case_id, keys, EARLIEST, LATEST, list(EVENT_TYPES))
    summary = contact_edges(store, case_id, keys, EARLIEST, LATEST, list(EVENT_TYPES), summary=True)
    return events, summary


def event_level(store: GraphStore, case_id: str, monkeypatch: pytest.MonkeyPatch, **params: Any) -> Any:
    with monkeypatch.context() as m:
        m.setattr(contacts_module, "summary_usable", lambda *a, **k: False)
        return run_analysis(store, case_id, "contacts", params)


def test_summary_equals_events_everywhere(
    store: GraphStore, synth_case: tuple[str, dict[str, Any], Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, truth, _, _ = synth_case
    assert summaries.summary_usable(store, case_id)
    events, summary = edges_both_ways(store, case_id)
    assert len(events) > 100
    assert summary == events  # every pair: counts, direction, duration, first/last, evidence ids
    for seed in truth["group"][:3]:
        for hops in (1, 2, 3):
            fast = run_analysis(store, case_id, "contacts", {"numbers": [seed], "hops": hops})
            slow = event_level(store, case_id, monkeypatch, numbers=[seed], hops=hops)
            assert fast.rows and fast.as_dict() == slow.as_dict() and fast.hash == slow.hash
            # evidence references resolve to events carrying a source file and row
            ids = fast.evidence[:200]
            found = store.run_statement(
                "UNWIND $ids AS id MATCH ()-[r:CALLED {case_id: $c, event_id: id}]->() RETURN r.sources AS s",
                {"c": case_id, "ids": ids},
                write=False,
            )
            assert len(found) == len(ids) and all(":" in s for r in found for s in r["s"])


def presence_both_ways(store: GraphStore, case_id: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any]]:
    """Exposure counts from PRESENCE and from the events, for every number at busy cells, over several spans."""
    keys = sorted(all_numbers(store, case_id))
    cells = [
        r["k"]
        for r in store.run_statement(
            "MATCH (c:Cell {case_id: $c})<-[s:SEEN_AT]-() WITH c, count(s) AS n ORDER BY n DESC, c.key LIMIT 12 "
            "RETURN c.key AS k",
            {"c": case_id},
            write=False,
        )
    ]
    bounds = store.run_statement(
        "MATCH (:Number {case_id: $c})-[s:SEEN_AT]->() RETURN min(s.t) AS lo, max(s.t) AS hi",
        {"c": case_id},
        write=False,
    )[0]
    lo, hi = bounds["lo"].to_native(), bounds["hi"].to_native()
    mid = lo + (hi - lo) / 2
    out = []
    for since, until in ((EARLIEST, LATEST), (lo, mid), (mid, hi), (mid, mid + (hi - mid) / 7)):
        fast = anpr_module.sighting_counts(store, case_id, keys, cells, since, until)
        with monkeypatch.context() as m:
            m.setattr(anpr_module, "summary_usable", lambda *a, **k: False)
            slow = anpr_module.sighting_counts(store, case_id, keys, cells, since, until)
        out.append((fast, slow))
    return out


def test_presence_equals_events(
    store: GraphStore, synth_case: tuple[str, dict[str, Any], Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, truth, _, _ = synth_case
    assert summaries.summary_usable(store, case_id, summaries.PRESENCE)
    pairs = presence_both_ways(store, case_id, monkeypatch)
    assert all(fast == slow for fast, slow in pairs) and sum(pairs[0][1].values()) > 100
    for pair in truth["vehicle_phone_pairs"][:2]:
        fast = run_analysis(store, case_id, "anpr-association", {"vrm": pair["vrm"]})
        with monkeypatch.context() as m:
            m.setattr(anpr_module, "summary_usable", lambda *a, **k: False)
            slow = run_analysis(store, case_id, "anpr-association", {"vrm": pair["vrm"]})
        assert fast.rows and fast.as_dict() == slow.as_dict()


def test_presence_counts_exact_at_window_edges(
    store: GraphStore, synth_case: tuple[str, dict[str, Any], Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows that start or end on a sighting, on an hour boundary, or last less than an hour: the hourly counts
    and the sightings read at the window's ends give the event-level counts exactly."""
    from datetime import timedelta

    case_id, _, _, _ = synth_case
    keys = sorted(all_numbers(store, case_id))
    busy = store.run_statement(
        "MATCH (c:Cell {case_id: $c})<-[s:SEEN_AT]-() WITH c, count(s) AS n ORDER BY n DESC, c.key LIMIT 20 "
        "RETURN collect(c.key) AS cells",
        {"c": case_id},
        write=False,
    )[0]["cells"]
    times = [
        r["t"].to_native()
        for r in store.run_statement(
            "MATCH (:Number {case_id: $c})-[s:SEEN_AT]->(c:Cell) WHERE c.key IN $cells "
            "WITH s.t AS t ORDER BY t RETURN t",
            {"c": case_id, "cells": busy},
            write=False,
        )
    ]
    assert len(times) > 100
    a, b = times[len(times) // 5], times[4 * len(times) // 5]
    hour = a.replace(minute=0, second=0, microsecond=0)
    spans = [
        (a, b),  # both ends on a sighting (first and last sightings are at different times)
        (a, a),
        (a + timedelta(milliseconds=1), b - timedelta(milliseconds=1)),
        (hour, hour + timedelta(hours=1) - timedelta(milliseconds=1)),  # exactly one hour
        (hour + timedelta(hours=1), b.replace(minute=0, second=0, microsecond=0)),
        (a, a + timedelta(minutes=20)),
        (a - timedelta(hours=5), a + timedelta(hours=5)),
    ]
    for since, until in spans:
        fast = anpr_module.sighting_counts(store, case_id, keys, busy, since, until)
        with monkeypatch.context() as m:
            m.setattr(anpr_module, "summary_usable", lambda *a, **k: False)
            slow = anpr_module.sighting_counts(store, case_id, keys, busy, since, until)
        assert fast == slow == whole_hour_counts(store, case_id, busy, since, until), (since, until)
    assert anpr_module.sighting_counts(store, case_id, keys, busy, a, b)


def whole_hour_counts(store: GraphStore, case_id: str, cells: list[str], since: Any, until: Any) -> dict[str, int]:
    """Distinct events seeing each number at the cells from the start of since's hour to the end of until's, by hand."""
    from datetime import timedelta

    start = since.replace(minute=0, second=0, microsecond=0)
    end = until.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    rows = store.run_statement(
        "MATCH (n:Number {case_id: $c})-[s:SEEN_AT]->(cell:Cell) WHERE cell.key IN $cells AND s.t >= $a AND s.t < $b "
        "RETURN n.key AS k, count(DISTINCT s.event_id) AS n",
        {"c": case_id, "cells": cells, "a": start, "b": end},
        write=False,
    )
    return {r["k"]: r["n"] for r in rows}


def test_presence_counts_short_span_counted_from_events(
    store: GraphStore, synth_case: tuple[str, dict[str, Any], Path, list[str]]
) -> None:
    """A span shorter than a number's longest first-to-last gap gets no summary answer (null): events count it."""
    case_id, _, _, _ = synth_case
    row = store.run_statement(
        "MATCH (n:Number {case_id: $c})-[q:PRESENCE_PAIR]->(c:Cell) WITH n, q, c ORDER BY q.band DESC, n.key LIMIT 1 "
        "RETURN n.key AS k, q.band AS band, [c.key, q.other] AS cells, q.d[0] AS hour",
        {"c": case_id},
        write=False,
    )[0]
    assert row["band"] >= 1
    ask = {"case_id": case_id, "keys": [row["k"]], "cells": row["cells"], "lo_hour": row["hour"]}
    long_enough = read_fast(store, "analyses/summary/presence_counts", **ask, hi_hour=row["hour"] + row["band"])
    too_short = read_fast(store, "analyses/summary/presence_counts", **ask, hi_hour=row["hour"] + row["band"] - 2)
    assert long_enough[0]["sightings"] is not None and too_short[0]["sightings"] is None


def test_anpr_summary_equals_events_for_every_vehicle_and_the_reverse(
    store: GraphStore, synth_case: tuple[str, dict[str, Any], Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every scripted vehicle, the decoy and a background vehicle: same rows and hash from the summary as from the
    events; evidence resolves to source rows. The reverse (phone -> vehicles) reads no summary and is unchanged."""
    case_id, truth, _, _ = synth_case
    assert summaries.summary_usable(store, case_id, summaries.PRESENCE)
    vrms = [p["vrm"] for p in truth["vehicle_phone_pairs"]] + [d["vrm"] for d in truth["decoy_vehicles"]]
    busiest = store.run_statement(
        "MATCH (v:Vehicle {case_id: $c})-[r:READ_AT]->() WITH v, count(r) AS n ORDER BY n DESC, v.vrm "
        "RETURN collect(v.vrm)[..3] AS vrms",
        {"c": case_id},
        write=False,
    )[0]["vrms"]
    for vrm in dict.fromkeys(vrms + busiest):
        fast = run_analysis(store, case_id, "anpr-association", {"vrm": vrm})
        with monkeypatch.context() as m:
            m.setattr(anpr_module, "summary_usable", lambda *a, **k: False)
            slow = run_analysis(store, case_id, "anpr-association", {"vrm": vrm})
        assert fast.as_dict() == slow.as_dict() and fast.hash == slow.hash, vrm
        ids = sorted({i for r in fast.rows for i in r["evidence"]})[:100]
        found = store.run_statement(
            "UNWIND $ids AS id OPTIONAL MATCH ()-[s:SEEN_AT {case_id: $c, event_id: id}]->() "
            "OPTIONAL MATCH ()-[r:READ_AT {case_id: $c, event_id: id}]->() "
            "RETURN id, collect(s.sources) + collect(r.sources) AS src",
            {"c": case_id, "ids": ids},
            write=False,
        )
        assert all(r["src"] and all(":" in x for xs in r["src"] for x in xs) for r in found), vrm
    phone = truth["vehicle_phone_pairs"][0]["number"]
    fast = run_analysis(store, case_id, "anpr-association", {"number": phone})
    with monkeypatch.context() as m:
        m.setattr(anpr_module, "summary_usable", lambda *a, **k: False)
        slow = run_analysis(store, case_id, "anpr-association", {"number": phone})
    assert fast.rows and fast.hash == slow.hash


def test_windowed_question_reads_events(
    store: GraphStore, synth_case: tuple[str, dict[str, Any], Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, truth, _, _ = synth_case
    calls: list[str] = []
    real = contacts_module.read_fast

    def spy(store: GraphStore, name: str, **params: Any) -> Any:
        calls.append(name)
        return real(store, name, **params)

    monkeypatch.setattr(contacts_module, "read_fast", spy)
    run_analysis(store, case_id, "contacts", {"numbers": [truth["group"][0]], "types": ["voice"]})
    assert "analyses/contact_edges" in calls and "analyses/summary/contact_edges" not in calls
    calls.clear()
    run_analysis(store, case_id, "contacts", {"numbers": [truth["group"][0]]})
    assert "analyses/summary/contact_edges" in calls and "analyses/contact_edges" not in calls


def test_import_refreshes_and_unhooked_import_is_never_served(
    store: GraphStore,
    settings: Settings,
    synth_case: tuple[str, dict[str, Any], Path, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case_id, truth, out, held = synth_case
    before, _ = edges_both_ways(store, case_id)
    version = read_data_version(store, case_id)
    kept = CellIndex.load(store, case_id, version)
    assert version is not None and CellIndex.load(store, case_id, version) is kept
    # a further file through the hook: the summary follows it
    _import(store, case_id, out, held[0], settings)
    # ... and the case's data version moves on, so cells kept for the old one are not reused
    assert read_data_version(store, case_id) not in (None, version)
    assert CellIndex.load(store, case_id, read_data_version(store, case_id)) is not kept
    assert data_version({"files": ["x"], "completed": ["t"], "loading": 1}) is None
    assert summaries.summary_usable(store, case_id)
    events, summary = edges_both_ways(store, case_id)
    assert summary == events and events != before
    grown = [k for k in events if k in before and events[k]["events"] > before[k]["events"]]
    assert grown or set(events) - set(before)
    state = read_fast(store, "analyses/summary/state", case_id=case_id, summary="contacts")[0]
    assert state["built_files"] == state["files"] and len(state["files"]) == len(truth["import_order"]) - 1
    assert summaries.summary_usable(store, case_id, summaries.PRESENCE)
    assert all(fast == slow for fast, slow in presence_both_ways(store, case_id, monkeypatch))
    assert summaries.summary_usable(store, case_id, summaries.IDENTITY)
    swapper = truth["handset_swaps"][0]["number"]
    fast, slow = attribution_both_ways(store, case_id, swapper, monkeypatch)
    assert fast.hash == slow.hash
    assert summaries.summary_usable(store, case_id, summaries.LIFE)
    for n in truth["group"][:3]:  # the hook refreshed the digests with the new file
        fast, slow, calls = life_both_ways(store, case_id, n, monkeypatch)
        assert "analyses/life_events" not in calls and fast.as_dict() == slow.as_dict()
    # a file imported by a process without the hook: the summary is refused, answers stay right
    seed = truth["group"][0]
    with monkeypatch.context() as m:
        m.setattr(importer, "POST_IMPORT_HOOKS", [])
        _import(store, case_id, out, held[1], settings)
    assert not summaries.summary_usable(store, case_id)
    assert not summaries.summary_usable(store, case_id, summaries.PRESENCE)
    assert not summaries.summary_usable(store, case_id, summaries.IDENTITY)
    assert not summaries.summary_usable(store, case_id, summaries.LIFE)
    life_refused = {n: life_both_ways(store, case_id, n, monkeypatch) for n in truth["group"][:3]}
    assert all("analyses/life_events" in calls for _, _, calls in life_refused.values())
    refused = run_analysis(store, case_id, "attribution", {"number": swapper})
    fallback = run_analysis(store, case_id, "contacts", {"numbers": [seed], "hops": 2})
    assert fallback.as_dict() == event_level(store, case_id, monkeypatch, numbers=[seed], hops=2).as_dict()
    # the next refresh (any later import, or an explicit one) catches up incrementally
    done = summaries.refresh_contact_summary(store, case_id)
    assert 0 < done["numbers_checked"] < len(all_numbers(store, case_id))
    assert summaries.summary_usable(store, case_id)
    events, summary = edges_both_ways(store, case_id)
    assert summary == events
    assert run_analysis(store, case_id, "contacts", {"numbers": [seed], "hops": 2}).hash == fallback.hash
    assert summaries.refresh_presence_summary(store, case_id)["numbers_rebuilt"] > 0
    assert all(fast == slow for fast, slow in presence_both_ways(store, case_id, monkeypatch))
    assert summaries.refresh_identity_summary(store, case_id)["numbers_rebuilt"] > 0
    fast, slow = attribution_both_ways(store, case_id, swapper, monkeypatch)
    assert fast.as_dict() == slow.as_dict() == refused.as_dict()
    assert 0 < summaries.refresh_life_summary(store, case_id)["numbers_rebuilt"] < len(all_numbers(store, case_id))
    for n, (old, _, _) in life_refused.items():
        fast, slow, calls = life_both_ways(store, case_id, n, monkeypatch)
        assert "analyses/life_events" not in calls and fast.hash == slow.hash == old.hash


# ------------------------------------------------------------------ identity digests (attribution)
def attribution_both_ways(
    store: GraphStore, case_id: str, number: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, Any]:
    """One number's attribution from the digests and from the events (summary refused)."""
    calls: list[str] = []
    real = attribution_module.read_fast

    def spy(store: GraphStore, name: str, **params: Any) -> Any:
        calls.append(name)
        return real(store, name, **params)

    with monkeypatch.context() as m:
        m.setattr(attribution_module, "read_fast", spy)
        fast = run_analysis(store, case_id, "attribution", {"number": number})
    assert "analyses/identity_events_of" not in calls  # answered from the digests
    with monkeypatch.context() as m:
        m.setattr(summaries, "summary_usable", lambda *a, **k: False)
        slow = run_analysis(store, case_id, "attribution", {"number": number})
    return fast, slow


def test_identity_digest_equals_events(
    store: GraphStore, synth_case: tuple[str, dict[str, Any], Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, truth, _, _ = synth_case
    assert summaries.summary_usable(store, case_id, summaries.IDENTITY)
    numbers = sorted({s["number"] for s in truth["handset_swaps"]} | set(truth["group"][:4]))
    kinds: set[str] = set()
    for number in numbers:
        fast, slow = attribution_both_ways(store, case_id, number, monkeypatch)
        assert fast.as_dict() == slow.as_dict() and fast.hash == slow.hash
        kinds |= {r["kind"] for r in fast.rows}
    assert {"number-handset", "number-sim", "handset_swap"} <= kinds
    # windowed questions are answered from the events
    with monkeypatch.context() as m:
        m.setattr(summaries, "identity_digests", lambda *a, **k: pytest.fail("digest read for a window"))
        run_analysis(store, case_id, "attribution", {"number": numbers[0], "since": "2020-01-01T00:00:00Z"})


def test_identity_digest_on_hand_built_swaps(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hand-built case's handset swap, SIM change, SIM swap and multi-SIM handset, both ways."""
    from analyses_fixture import A, F, build

    case_id = f"T-hand-digest-{uuid.uuid4().hex[:8]}"
    build(store, case_id)
    assert summaries.refresh_identity_summary(store, case_id)["numbers_rebuilt"] > 0
    assert summaries.summary_usable(store, case_id, summaries.IDENTITY)
    for number in (A, F):
        fast, slow = attribution_both_ways(store, case_id, number, monkeypatch)
        assert fast.as_dict() == slow.as_dict() and fast.hash == slow.hash
    fast, _ = attribution_both_ways(store, case_id, A, monkeypatch)
    assert {"handset_swap", "number_sim_change", "handset_multi_sim"} <= {r["kind"] for r in fast.rows}
    # every evidence reference resolves to an event with a source file and row
    ids = sorted({i for r in fast.rows for i in r["evidence"]})
    resolved = read_fast(store, "analyses/resolve_evidence", case_id=case_id, ids=ids)
    assert ids and {r["event_id"] for r in resolved} == set(ids)
    assert all(r["sources"] and r["files_found"] for r in resolved)


# ------------------------------------------------------------------ pattern-of-life digests
LIFE_PARAMS: list[dict[str, Any]] = [
    {},
    {"night_start_hour": 23, "night_end_hour": 5, "dormant_hours": 3, "top_cells": 5},
    {"night_start_hour": 1, "night_end_hour": 4, "bands": [{"name": "wrap", "start": 21, "end": 2}]},
]


def life_both_ways(
    store: GraphStore, case_id: str, number: str, monkeypatch: pytest.MonkeyPatch, **params: Any
) -> tuple[Any, Any, list[str]]:
    """One number's pattern of life as served (and the queries read) and from the events."""
    calls: list[str] = []
    real = movement_module.read_fast

    def spy(store: GraphStore, name: str, **kw: Any) -> Any:
        calls.append(name)
        return real(store, name, **kw)

    with monkeypatch.context() as m:
        m.setattr(movement_module, "read_fast", spy)
        served = run_analysis(store, case_id, "pattern-of-life", {"number": number, **params})
    with monkeypatch.context() as m:
        m.setattr(summaries, "summary_usable", lambda *a, **k: False)
        slow = run_analysis(store, case_id, "pattern-of-life", {"number": number, **params})
    return served, slow, calls


def test_life_digest_equals_events(
    store: GraphStore, synth_case: tuple[str, dict[str, Any], Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, truth, _, _ = synth_case
    assert summaries.summary_usable(store, case_id, summaries.LIFE)
    kinds: set[str] = set()
    for number in truth["group"][:4]:
        for params in LIFE_PARAMS:
            fast, slow, calls = life_both_ways(store, case_id, number, monkeypatch, **params)
            assert "analyses/life_events" not in calls  # served from the digest
            assert fast.as_dict() == slow.as_dict() and fast.hash == slow.hash
            kinds |= {r["kind"] for r in fast.rows}
    assert {"home", "band", "day"} <= kinds
    # a window, or dormancy shorter than the digest keeps, is read from the events
    number = truth["group"][0]
    for params in ({"since": "2020-01-01T00:00:00Z"}, {"dormant_hours": 0.5}):
        fast, slow, calls = life_both_ways(store, case_id, number, monkeypatch, **params)
        assert "analyses/life_events" in calls and fast.hash == slow.hash


def test_life_digest_refused_in_another_time_zone(
    store: GraphStore, synth_case: tuple[str, dict[str, Any], Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from csas_graph.analyses import _common

    case_id, truth, _, _ = synth_case
    number = truth["group"][1]
    london, _, _ = life_both_ways(store, case_id, number, monkeypatch)
    set_zone = "MATCH (k:Case {case_id: $c}) SET k.timezone = $z"
    store.run_statement(set_zone, {"c": case_id, "z": "Asia/Tokyo"}, write=True)
    _common._TIMEZONES.clear()
    try:
        tokyo, slow, calls = life_both_ways(store, case_id, number, monkeypatch)
        assert "analyses/life_events" in calls  # the digest's zone differs: refused
        assert tokyo.as_dict() == slow.as_dict() and tokyo.hash != london.hash
        assert tokyo.extra["timezone"] == "Asia/Tokyo"
        # a refresh in the new zone rebuilds every number, and the digest serves again
        assert summaries.refresh_life_summary(store, case_id)["numbers_rebuilt"] == len(all_numbers(store, case_id))
        fast, slow, calls = life_both_ways(store, case_id, number, monkeypatch)
        assert "analyses/life_events" not in calls and fast.hash == tokyo.hash
    finally:
        store.run_statement(set_zone, {"c": case_id, "z": london.extra["timezone"]}, write=True)
        _common._TIMEZONES.clear()
        summaries.refresh_life_summary(store, case_id)
