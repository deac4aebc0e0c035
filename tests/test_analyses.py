"""Every analysis on a small hand-built case, where each expected row is known by construction."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import Any

import pytest
from analyses_fixture import H1, H2, S1, S2, S3, V1, V2, V3, VM, A, B, C, D, E, F, build

import cypher
from csas_graph.analyses.registry import ANALYSES, run_analysis
from csas_graph.errors import InvalidInput, NotFound
from csas_graph.graph_store import GraphStore

C1, C2, C3 = "C1@2024-01-01", "C2@2024-01-01", "C3@2024-01-01"


@pytest.fixture(scope="module")
def hand_case(store: GraphStore) -> str:
    case_id = f"T-hand-{uuid.uuid4().hex[:8]}"
    build(store, case_id)
    return case_id


def run(store: GraphStore, case: str, name: str, **params: Any) -> Any:
    return run_analysis(store, case, name, params)


def pick(rows: list[dict[str, Any]], *keys: str) -> list[tuple[Any, ...]]:
    return [tuple(r[k] for k in keys) for r in rows]


# ------------------------------------------------------------------------------- registry
def test_registry_has_every_analysis() -> None:
    assert sorted(ANALYSES) == sorted(
        [
            "contacts",
            "top-contacts",
            "common-contacts",
            "call-chains",
            "co-location",
            "tower-dump",
            "anpr-association",
            "convoy",
            "attribution",
            "successors",
            "pattern-of-life",
            "timeline",
            "centrality",
            "communities",
            "path",
        ]
    )
    for a in ANALYSES.values():
        assert a.summary and a.method and a.limitations, a.name
        assert "params" in a.describe()


def test_errors(store: GraphStore, hand_case: str) -> None:
    with pytest.raises(NotFound, match="no analysis"):
        run(store, hand_case, "nope")
    with pytest.raises(InvalidInput, match="hops") as err:
        run(store, hand_case, "contacts", numbers=[A], hops=7)
    assert err.value.context["field"] == "hops"
    with pytest.raises(InvalidInput, match="bogus"):
        run(store, hand_case, "contacts", numbers=[A], bogus=1)
    with pytest.raises(NotFound, match="no case"):
        run(store, "T-no-such-case", "contacts", numbers=[A])


# ------------------------------------------------------------------------------- contacts
def test_contacts_one_hop(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "contacts", numbers=[A])
    assert pick(res.rows, "a", "b", "hop", "events", "calls", "sms", "a_to_b", "b_to_a", "direction") == [
        (A, B, 1, 4, 2, 2, 3, 1, "both"),
        (A, C, 1, 1, 1, 0, 1, 0, "a->b"),
    ]
    ab = res.rows[0]
    assert ab["total_duration_s"] == 180
    assert (ab["first"], ab["last"]) == ("2024-03-04T09:00:00+00:00", "2024-03-05T20:00:00+00:00")
    assert ab["evidence"] == ["e01", "e04", "e05", "e07"] and ab["evidence_total"] == 4
    assert [e["number"] for e in res.excluded] == [VM] and res.excluded[0]["reason"] == "voicemail"
    assert res.params["max_degree"] == 200  # resolved from settings, so the hash states it


def test_contacts_two_hops_and_filters(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "contacts", numbers=[A], hops=2)
    assert pick(res.rows, "a", "b", "hop", "events") == [
        (A, B, 1, 4),
        (A, C, 1, 1),
        (B, C, 2, 2),
        (B, F, 2, 2),
        (C, D, 2, 1),
        (C, F, 2, 1),
    ]
    only_sms = run(store, hand_case, "contacts", numbers=A, types="sms", min_count=2)
    assert pick(only_sms.rows, "a", "b", "events") == [(A, B, 2)]
    windowed = run(store, hand_case, "contacts", numbers=[A], until="2024-03-04T10:30:00Z")
    assert windowed.rows[0]["evidence"] == ["e01", "e04"]
    with_vm = run(store, hand_case, "contacts", numbers=[A], include_supernodes=True)
    assert (A, VM) in pick(with_vm.rows, "a", "b") and with_vm.excluded == []


def test_top_contacts(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "top-contacts", number=A)
    assert pick(res.rows, "counterpart", "outbound", "inbound", "net", "total") == [(B, 3, 1, 2, 4), (C, 1, 0, 1, 1)]
    m = res.extra["hour_of_week"]
    assert len(m) == 7 and all(len(r) == 24 for r in m)
    assert [m[0][h] for h in range(9, 14)] == [1, 1, 1, 1, 1]  # Monday 4 March, VM call included
    assert m[1][20] == 1 and sum(map(sum, m)) == 6


def test_common_contacts(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "common-contacts", numbers=[A, B])
    assert pick(res.rows, "number", "targets", "per_target", "evidence") == [
        (C, 2, {A: 1, B: 2}, ["e02", "e06", "e12"])
    ]
    one = run(store, hand_case, "common-contacts", numbers=[A, B], min_targets=1)
    assert {r["number"]: r["is_target"] for r in one.rows} == {A: True, B: True, C: False, F: False}


def test_call_chains(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "call-chains", origin=A)
    assert pick(res.rows, "numbers", "events", "gaps_s") == [([A, B, C, D], ["e01", "e02", "e03"], [600, 600])]
    short = run(store, hand_case, "call-chains", origin=A, max_hops=2)
    assert pick(short.rows, "numbers") == [([A, B, C],)]
    tight = run(store, hand_case, "call-chains", origin=A, within_minutes=5)
    assert tight.rows == []


# ------------------------------------------------------------------------------ co-location
def test_co_location_pair_same_cell(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "co-location", numbers=[A, B])
    assert len(res.rows) == 1
    r = res.rows[0]
    assert (r["a"], r["b"], r["start"], r["end"], r["cells"]) == (
        A,
        B,
        "2024-03-04T09:00:00+00:00",
        "2024-03-04T09:05:00+00:00",
        [C1],
    )
    assert (r["strength"], r["support"], r["evidence"]) == (1, 2, ["s01", "s02"])


def test_co_location_radius_merges_episode(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "co-location", numbers=f"{A},{B}", radius_m=100)
    assert len(res.rows) == 1
    r = res.rows[0]
    assert (r["end"], r["cells"], r["strength"], r["support"]) == ("2024-03-04T09:40:00+00:00", [C1, C2], 2, 4)
    assert r["evidence"] == ["s01", "s02", "s03", "s04"] and 69 < r["max_distance_m"] < 70
    # A has 5 of its 10 sightings at C1/C2, B 3 of 4: a routine place for both, not a meeting
    assert (r["place_share_a"], r["place_share_b"], r["routine"]) == (0.5, 0.75, True)
    assert run(store, hand_case, "co-location", numbers=[A, B], radius_m=100, exclude_routine=True).rows == []


def test_co_location_everyone_with(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "co-location", numbers=[A])
    assert pick(res.rows, "a", "b", "evidence") == [(A, B, ["s01", "s02"])]


def test_tower_dump_and_multi_scene(store: GraphStore, hand_case: str) -> None:
    res = run(
        store,
        hand_case,
        "tower-dump",
        lat=51.5,
        lon=-0.1,
        radius_m=200,
        since="2024-03-04T08:00:00Z",
        until="2024-03-04T10:00:00Z",
    )
    assert pick(res.rows, "number", "events", "evidence") == [(A, 2, ["s01", "s03"]), (B, 2, ["s02", "s04"])]
    assert res.extra["scenes"][0]["cells"] == [C1, C2]
    multi = run(
        store,
        hand_case,
        "tower-dump",
        scenes=[
            {
                "lat": 51.5,
                "lon": -0.1,
                "radius_m": 200,
                "since": "2024-03-04T08:00:00Z",
                "until": "2024-03-04T10:00:00Z",
            },
            {"cells": ["234-10-200-3"], "since": "2024-03-04T10:00:00Z", "until": "2024-03-04T11:00:00Z"},
        ],
    )
    assert pick(multi.rows, "number", "scenes_present", "evidence") == [(A, 2, ["s01", "s03", "s12"])]
    with pytest.raises(InvalidInput, match="since"):
        run(store, hand_case, "tower-dump", lat=51.5, lon=-0.1)


# ------------------------------------------------------------------------------------ ANPR
def test_anpr_phones_for_vehicle(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "anpr-association", vrm=V1, min_support=1)
    assert pick(res.rows, "number", "support", "matched_sightings", "exposure_sightings", "score") == [
        (A, 3, 3, 6, 0.707107),
        (B, 1, 1, 2, 0.408248),
    ]
    assert res.rows[0]["evidence"] == ["r01", "r02", "r03", "s01", "s12", "s13"]
    default = run(store, hand_case, "anpr-association", vrm=V1.lower())
    assert pick(default.rows, "number") == [(A,)]


def test_anpr_vehicles_for_phone_decoy_below(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "anpr-association", number=A, min_support=1)
    assert pick(res.rows, "vrm", "support", "exposure_reads", "score") == [
        (V1, 3, 3, 0.547723),
        (V3, 3, 3, 0.547723),
        (V2, 1, 3, 0.182574),
    ]
    with pytest.raises(InvalidInput, match="exactly one"):
        run(store, hand_case, "anpr-association", vrm=V1, number=A)


def test_convoy(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "convoy", vrm=V1, min_cameras=2)
    assert pick(res.rows, "other_vrm", "cameras", "camera_ids", "co_reads", "evidence") == [
        (V3, 2, ["K1", "K2"], 3, ["r01", "r02", "r03", "r07", "r08", "r09"])
    ]
    assert run(store, hand_case, "convoy", vrm=V1).rows == []  # default needs 3 cameras


# ----------------------------------------------------------------------------- attribution
def test_attribution(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "attribution", number=A)
    rows = res.rows
    assert pick([r for r in rows if r["kind"] == "number-handset"], "imei", "events") == [(H1, 8), (H2, 2)]
    assert pick([r for r in rows if r["kind"] == "number-sim"], "imsi", "events", "evidence") == [
        (S1, 2, ["e01", "e04"]),
        (S3, 1, ["e06"]),
    ]
    assert pick([r for r in rows if r["kind"] == "handset_swap"], "from", "to", "first", "evidence") == [
        (H1, H2, "2024-03-08T10:00:00+00:00", ["s09", "s10"])
    ]
    assert pick([r for r in rows if r["kind"] == "number_sim_change"], "from", "to", "evidence") == [
        (S1, S3, ["e04", "e06"])
    ]
    assert pick([r for r in rows if r["kind"] == "handset_multi_sim"], "imei", "sims", "numbers") == [
        (H2, [S1, S2], [A, F])
    ]
    whole = run(store, hand_case, "attribution")
    assert {
        (r["number"], r["from"], r["to"]) for r in whole.rows if r["kind"] in ("handset_swap", "number_sim_change")
    } == {
        (A, H1, H2),
        (A, S1, S3),
    }


def test_successors(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "successors", min_events=1)
    assert pick(res.rows, "number", "successor", "rank", "jaccard", "score", "same_handset") == [
        (A, F, 1, 1.0, 0.989583, True),
        (D, F, 1, 0.5, 0.481895, False),
    ]
    assert res.rows[0]["evidence"] == ["e01", "e04", "e05", "e06", "e07", "e10", "e11", "e13"]
    assert res.rows[1]["evidence"] == ["e03", "e11"]
    one = run(store, hand_case, "successors", number=A, min_events=1)
    assert pick(one.rows, "successor") == [(F,)]
    assert {e["number"] for e in res.excluded} == {VM, "SHORT:150"}
    assert E not in {r["number"] for r in res.rows}


# ------------------------------------------------------------------------- pattern of life
def test_pattern_of_life(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "pattern-of-life", number=A)
    rows = res.rows
    home = [r for r in rows if r["kind"] in ("home", "night")]
    assert pick(home, "kind", "cell", "nights", "events") == [("home", C3, 2, 3), ("night", C1, 1, 1)]
    bands = {(r["band"], r["rank"]): (r["cell"], r["events"]) for r in rows if r["kind"] == "band"}
    assert bands == {
        ("night", 1): (C1, 1),
        ("night", 2): (C3, 1),
        ("morning", 1): (C1, 3),
        ("day", 1): (C3, 2),
        ("day", 2): (C1, 1),
        ("late", 1): (C3, 2),
    }
    days = pick([r for r in rows if r["kind"] == "day"], "date", "events", "evidence")
    assert days == [
        ("2024-03-04", 9, ["e01", "s06"]),
        ("2024-03-05", 4, ["s07", "s08"]),
        ("2024-03-06", 1, ["s09"]),
        ("2024-03-08", 2, ["s10", "s11"]),
    ]
    assert pick([r for r in rows if r["kind"] == "dormant"], "hours", "evidence") == [(56.0, ["s09", "s10"])]
    assert res.extra["home_cell"] == C3


def test_timeline_flags_impossible_jump(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "timeline", number=A)
    assert [r["event_id"] for r in res.rows] == ["s01", "s03", "s12", "s06", "s07", "s13", "s08", "s09", "s10", "s11"]
    assert [r["event_id"] for r in res.rows if r["impossible"]] == ["s11"]
    assert res.rows[0]["azimuth"] == 90 and res.rows[0]["beamwidth"] == 65 and res.rows[0]["lat"] == 51.5


# ---------------------------------------------------------------------------- graph (nx)
def test_centrality(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "centrality")
    assert pick(res.rows, "number", "degree", "betweenness", "core_number") == [
        (C, 4, 0.583333333, 2),
        (B, 3, 0.083333333, 2),
        (A, 2, 0.0, 2),
        (D, 1, 0.0, 1),
        (F, 2, 0.0, 2),
    ]
    assert res.rows[0]["evidence"] == ["e02", "e03", "e06", "e11", "e12"]
    assert E not in {r["number"] for r in res.rows}  # its only contact is a short code
    core = run(store, hand_case, "centrality", min_core=2, order_by="degree")
    assert [r["number"] for r in core.rows] == [C, B, A, F]


def test_communities_deterministic(store: GraphStore, hand_case: str) -> None:
    one = run(store, hand_case, "communities", min_size=1)
    two = run(store, hand_case, "communities", min_size=1)
    assert one.hash == two.hash
    members = sorted(m for r in one.rows for m in r["members"])
    assert members == sorted([A, B, C, D, F])


def test_path(store: GraphStore, hand_case: str) -> None:
    res = run(store, hand_case, "path", source=A, target=D)
    assert pick(res.rows, "numbers", "hops", "hop_events", "evidence") == [([A, C, D], 2, [1, 1], ["e03", "e06"])]
    with pytest.raises(NotFound, match="supernode"):
        run(store, hand_case, "path", source=A, target=VM)


# ------------------------------------------------------------------ determinism, evidence
TYPICAL: dict[str, dict[str, Any]] = {
    "contacts": {"numbers": [A], "hops": 2},
    "top-contacts": {"number": A},
    "common-contacts": {"numbers": [A, B]},
    "call-chains": {"origin": A},
    "co-location": {"numbers": [A, B], "radius_m": 100},
    "tower-dump": {"lat": 51.5, "lon": -0.1, "since": "2024-03-04T00:00:00Z", "until": "2024-03-09T00:00:00Z"},
    "anpr-association": {"vrm": V1, "min_support": 1},
    "convoy": {"vrm": V1, "min_cameras": 1},
    "attribution": {},
    "successors": {"min_events": 1},
    "pattern-of-life": {"number": A},
    "timeline": {"number": A},
    "centrality": {},
    "communities": {"min_size": 1},
    "path": {"source": A, "target": D},
}


def test_same_hash_twice_and_evidence_resolves(store: GraphStore, hand_case: str) -> None:
    assert set(TYPICAL) == set(ANALYSES)
    for name, params in TYPICAL.items():
        first, second = run(store, hand_case, name, **params), run(store, hand_case, name, **params)
        assert first.hash == second.hash, name
        assert first.rows, name
        ids = first.evidence
        resolved = store.read(cypher.load("analyses/resolve_evidence"), case_id=hand_case, ids=ids)
        assert sorted(r["event_id"] for r in resolved) == ids, name
        assert all(r["files_found"] == len(r["sources"]) >= 1 for r in resolved), name
        for row in first.rows:
            assert row["evidence"] == sorted(set(row["evidence"])) and len(row["evidence"]) <= 50, name
            assert row["evidence_total"] >= len(row["evidence"]), name
        json.dumps(first.as_dict())


def test_cli_json_csv_and_list(cli_env: dict[str, str], hand_case: str) -> None:
    def csas(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "csas_graph", *args], env=cli_env, capture_output=True, text=True, timeout=240
        )

    out = csas("analyse", "contacts", "--case", hand_case, "-p", f"numbers={A}", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["analysis"] == "contacts" and doc["row_count"] == 2 and len(doc["result_hash"]) == 64
    assert doc["rows"][0]["evidence"] == ["e01", "e04", "e05", "e07"]
    # the CLI run is a record that reproduces, and an audited use
    reproduced = csas("reproduce", doc["run_id"])
    assert reproduced.returncode == 0 and doc["result_hash"] in reproduced.stdout, reproduced.stdout + reproduced.stderr
    audit = csas(
        "db",
        "query",
        "MATCH (a:AuditRecord {action: 'analysis', case_id: $c}) RETURN a.params AS p",
        "-p",
        f"c={hand_case}",
    )
    assert doc["run_id"] in audit.stdout
    table = csas("analyse", "contacts", "--case", hand_case, "-p", f"numbers={A}")
    assert doc["result_hash"] in table.stdout
    csv_out = csas("analyse", "top-contacts", "--case", hand_case, "-p", f"number={A}", "--csv")
    assert csv_out.stdout.splitlines()[0].startswith("number,counterpart,outbound")
    bad = csas("analyse", "contacts", "--case", hand_case, "-p", "hops=9", "-p", f"numbers={A}")
    assert bad.returncode == 2 and "hops" in bad.stderr and "Traceback" not in bad.stderr
    listing = csas("analyse", "--list")
    assert listing.returncode == 0 and "co-location" in listing.stdout and "radius_m" in listing.stdout
