"""Accuracy against generated truth: synthetic cases (three seeds) imported with the real loader.

Each seed's case is generated and imported once (module scope). The figures asserted:

* planted meetings: co-location among the criminal group's numbers, episodes with strength ≥ 2
  (both phones seen at least twice) matched to truth meetings by pair and overlapping time;
* phone–vehicle pairs: for each planted vehicle the top-ranked phone, and for each planted phone
  the top-ranked vehicle (the decoy sharing its road must rank below the true vehicle);
* successors: rank-1 candidates with score ≥ 0.5 against truth's ``successors`` (the two burner
  hand-overs and the SIM swap to a new number, which is a successor as well);
* handset swaps and SIM swaps from a whole-case attribution;
* home cells from pattern-of-life for every number with a planted home;
* the criminal group's community: the ``core`` of the community holding most of the group
  (weighted Louvain on the numbers in contact with at least two distinct users; peripheral
  numbers are attached afterwards and listed apart). Measured at 5000 rows: precision 1.00 and
  recall 1.00 (10 of 10 numbers, no outsider) on seeds 1, 2, 3 and 4; counting the attached
  numbers too (each member's private family and friends), precision is 0.17 (57-58 numbers).
  Before (Louvain over every number; group ties no stronger than outside ties) precision was
  0.21-0.22 at recall 1.00 on the same seeds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import cypher
from csas_graph.analyses.attribution import device_id
from csas_graph.analyses.registry import ANALYSES, run_analysis
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings

pytestmark = pytest.mark.slow

SEEDS = (1, 2, 3)
ROWS = int(os.environ.get("CSAS_TEST_SYNTH_ROWS", "5000"))
FLOOR = 0.95


def generate_and_import(store: GraphStore, settings: Settings, out: Path, seed: int, case_id: str) -> dict[str, Any]:
    """``csas synth`` into ``out`` and every file imported in truth's import order."""
    from csas_graph import importer
    from csas_graph.synth.generate import PLAIN_TEMPLATE_FILE, generate

    generate(out, seed=seed, rows=ROWS)
    truth = json.loads((out / "truth.json").read_text())
    for name in truth["import_order"]:
        template_file = out / PLAIN_TEMPLATE_FILE if name.startswith("f_") else None
        importer.import_file(store, case_id, out / name, template_file=template_file, settings=settings)
    return truth


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def synth(request: pytest.FixtureRequest, store: GraphStore, settings: Settings, tmp_path_factory: Any) -> Any:
    seed = request.param
    case_id = f"T-acc-{seed}-{os.getpid()}"
    out = tmp_path_factory.mktemp(f"synth{seed}")
    truth = generate_and_import(store, settings, out, seed, case_id)
    return case_id, truth, out


def pr(predicted: set[Any], actual: set[Any]) -> tuple[float, float]:
    hit = len(predicted & actual)
    return (hit / len(predicted) if predicted else 0.0, hit / len(actual) if actual else 1.0)


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# ----------------------------------------------------------------------- the measurements
def meeting_scores(store: GraphStore, case_id: str, truth: dict[str, Any]) -> tuple[float, float]:
    group = sorted(set(truth["group"]) & set(truth["targets"]))
    res = run_analysis(store, case_id, "co-location", {"numbers": group, "min_strength": 2, "exclude_routine": True})
    slack = timedelta(minutes=15)
    planted = [(frozenset((m["a"], m["b"])), _t(m["start"]) - slack, _t(m["end"]) + slack) for m in truth["meetings"]]
    found_ok = 0
    matched: set[int] = set()
    for r in res.rows:
        pair, start, end = frozenset((r["a"], r["b"])), _t(r["start"]), _t(r["end"])
        hits = [i for i, (p, s, e) in enumerate(planted) if p == pair and start <= e and end >= s]
        found_ok += bool(hits)
        matched.update(hits)
    precision = found_ok / len(res.rows) if res.rows else 0.0
    return precision, len(matched) / len(planted)


def vehicle_scores(store: GraphStore, case_id: str, truth: dict[str, Any]) -> tuple[float, float, bool]:
    pairs = {(p["vrm"], p["number"]) for p in truth["vehicle_phone_pairs"]}
    predicted: set[tuple[str, str]] = set()
    for vrm, number in sorted(pairs):
        fwd = run_analysis(store, case_id, "anpr-association", {"vrm": vrm})
        if fwd.rows:
            predicted.add((vrm, fwd.rows[0]["number"]))
        rev = run_analysis(store, case_id, "anpr-association", {"number": number})
        if rev.rows:
            predicted.add((rev.rows[0]["vrm"], number))
    decoy_below = True
    for decoy in truth["decoy_vehicles"]:
        rev = run_analysis(store, case_id, "anpr-association", {"number": decoy["shares_road_with"], "min_support": 1})
        ranks = {r["vrm"]: i for i, r in enumerate(rev.rows)}
        true_vrm = next(v for v, n in pairs if n == decoy["shares_road_with"])
        decoy_below &= ranks.get(true_vrm, 10**6) < ranks.get(decoy["vrm"], 10**6)
    precision, recall = pr(predicted, pairs)
    return precision, recall, decoy_below


def successor_scores(store: GraphStore, case_id: str, truth: dict[str, Any]) -> tuple[float, float]:
    actual = {(s["old"], s["new"]) for s in truth["successors"]}
    assert {(s["old_number"], s["new_number"]) for s in truth["sim_swaps"]} <= actual
    res = run_analysis(store, case_id, "successors", {})
    predicted = {(r["number"], r["successor"]) for r in res.rows if r["rank"] == 1 and r["score"] >= 0.5}
    return pr(predicted, actual)


def swap_scores(store: GraphStore, case_id: str, truth: dict[str, Any]) -> tuple[float, float, float, float]:
    res = run_analysis(store, case_id, "attribution", {})
    handset = {(r["number"], device_id(r["from"]), device_id(r["to"])) for r in res.rows if r["kind"] == "handset_swap"}
    sim = {(device_id(r["imei"]), r["from"], r["to"]) for r in res.rows if r["kind"] == "sim_swap"}
    t_handset = {(s["number"], device_id(s["old_imei"]), device_id(s["new_imei"])) for s in truth["handset_swaps"]}
    t_sim = {(device_id(s["imei"]), s["old_imsi"], s["new_imsi"]) for s in truth["sim_swaps"]}
    return (*pr(handset, t_handset), *pr(sim, t_sim))


def home_scores(store: GraphStore, case_id: str, truth: dict[str, Any]) -> tuple[float, float]:
    actual = set(truth["home_cells"].items())
    predicted = set()
    for number in truth["home_cells"]:
        res = run_analysis(store, case_id, "pattern-of-life", {"number": number})
        home = [r for r in res.rows if r["kind"] == "home"]
        if home:
            predicted.add((number, home[0]["cgi"]))
    return pr(predicted, actual)


def group_scores(store: GraphStore, case_id: str, truth: dict[str, Any], **params: Any) -> tuple[float, float]:
    """Precision and recall of the group's community: of all communities, the one whose core
    (the numbers Louvain partitioned, not the peripheral numbers attached afterwards) holds most
    of the group, the smaller one on a tie. The analysis never sees the truth; the choice of
    the best community is the only use of it, as an analyst would pick the community holding
    the known suspects."""
    group = set(truth["group"])
    res = run_analysis(store, case_id, "communities", params)
    best = max((set(r["core"]) for r in res.rows), key=lambda m: (len(m & group), -len(m)), default=set())
    return pr(best, group)


# ---------------------------------------------------------------------------------- tests
def test_planted_meetings(store: GraphStore, synth: Any) -> None:
    case_id, truth, _ = synth
    precision, recall = meeting_scores(store, case_id, truth)
    assert precision >= FLOOR and recall >= FLOOR, (precision, recall)


def test_phone_vehicle_pairs_and_decoy(store: GraphStore, synth: Any) -> None:
    case_id, truth, _ = synth
    precision, recall, decoy_below = vehicle_scores(store, case_id, truth)
    assert precision >= FLOOR and recall >= FLOOR, (precision, recall)
    assert decoy_below


def test_successors(store: GraphStore, synth: Any) -> None:
    case_id, truth, _ = synth
    precision, recall = successor_scores(store, case_id, truth)
    assert precision >= FLOOR and recall >= FLOOR, (precision, recall)


def test_handset_and_sim_swaps(store: GraphStore, synth: Any) -> None:
    case_id, truth, _ = synth
    hp, hr, sp, sr = swap_scores(store, case_id, truth)
    assert min(hp, hr, sp, sr) >= FLOOR, (hp, hr, sp, sr)


def test_home_cells(store: GraphStore, synth: Any) -> None:
    case_id, truth, _ = synth
    precision, recall = home_scores(store, case_id, truth)
    assert precision >= FLOOR and recall >= FLOOR, (precision, recall)


def test_group_community(store: GraphStore, synth: Any) -> None:
    case_id, truth, _ = synth
    precision, recall = group_scores(store, case_id, truth)
    assert precision >= FLOOR and recall >= FLOOR, (precision, recall)


def test_peel_keeps_numbers_tied_to_two_users() -> None:
    """The periphery test behind the community core: a leaf, a chain hanging off the core, and a
    number whose two ties lead to one user (an old number and its SIM-swap successor sharing a
    handset) are peeled; a number tied to two distinct users stays."""
    import networkx as nx

    from csas_graph.analyses.graph import peel

    g = nx.Graph()
    g.add_edges_from([("a", "b"), ("b", "c"), ("c", "a"), ("c", "old"), ("b", "new"), ("c", "new"), ("old", "a")])
    g.add_edges_from([("a", "leaf"), ("c", "x"), ("x", "y"), ("fam", "old"), ("fam", "new"), ("z", "a"), ("z", "b")])
    user = {n: n for n in g.nodes} | {"new": "old"}
    core, order = peel(g, user, 2)
    assert core == {"a", "b", "c", "old", "new", "z"}
    assert order == ["fam", "leaf", "y", "x"]
    assert peel(g, {n: n for n in g.nodes}, 2)[0] == core | {"fam"}  # without the handset, two users
    assert peel(g, user, 1)[0] == set(g.nodes)


# ------------------------------------------------------------------ determinism, evidence
def test_evidence_resolves_to_source_rows(store: GraphStore, synth: Any) -> None:
    case_id, truth, _ = synth
    group = sorted(set(truth["group"]) & set(truth["targets"]))
    pair = truth["vehicle_phone_pairs"][0]
    results = [
        run_analysis(store, case_id, "co-location", {"numbers": group, "min_strength": 2}),
        run_analysis(store, case_id, "anpr-association", {"vrm": pair["vrm"]}),
        run_analysis(store, case_id, "attribution", {"number": truth["handset_swaps"][0]["number"]}),
        run_analysis(store, case_id, "contacts", {"numbers": group[:1], "hops": 2}),
    ]
    files = {
        r["sha256"]: r
        for r in store.run_statement(
            "MATCH (f:SourceFile {case_id: $c}) RETURN f.sha256 AS sha256, f.file_name AS name, "
            "f.evidence_path AS path",
            {"c": case_id},
            write=False,
        )
    }
    for res in results:
        ids = res.evidence
        assert ids, res.name
        resolved = store.read(cypher.load("analyses/resolve_evidence"), case_id=case_id, ids=ids)
        assert {r["event_id"] for r in resolved} == set(ids), res.name
        for r in resolved:
            assert r["files_found"] == len(r["sources"]) >= 1
            for source in r["sources"]:
                sha, _, row = source.rpartition(":")
                assert sha in files and int(row) >= 1, source
                if not files[sha]["name"].endswith(".xlsx"):
                    # the row is a physical line of the byte-identical copy in the evidence store
                    assert int(row) <= _lines(files[sha]["path"]), source


def _lines(path: str) -> int:
    data = Path(path).read_bytes()
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def test_hash_stable_and_changes_only_where_data_changed(
    store: GraphStore, settings: Settings, tmp_path_factory: Any
) -> None:
    """Import all but one CDR file, run analyses twice, import the last file: only results that
    touch the new file's events change hash."""
    from csas_graph import importer
    from csas_graph.synth.generate import PLAIN_TEMPLATE_FILE, generate

    out = tmp_path_factory.mktemp("synth-incr")
    generate(out, seed=7, rows=3000)
    truth = json.loads((out / "truth.json").read_text())
    case_id = f"T-incr-{os.getpid()}"
    order = truth["import_order"]
    last = next(n for n in reversed(order) if n.startswith("a_"))  # one target's own records
    for name in order:
        if name != last:
            template_file = out / PLAIN_TEMPLATE_FILE if name.startswith("f_") else None
            importer.import_file(store, case_id, out / name, template_file=template_file, settings=settings)
    target = "+44" + last.split("_")[-1].split(".")[0][1:]
    others = [n for n in truth["targets"] if n != target]
    probe = {"numbers": [target], "hops": 1}
    before = run_analysis(store, case_id, "contacts", probe)
    assert run_analysis(store, case_id, "contacts", probe).hash == before.hash
    before_events = _events_per_number(store, case_id)
    untouched = [(n, run_analysis(store, case_id, "pattern-of-life", {"number": n}).hash) for n in others]
    importer.import_file(store, case_id, out / last, settings=settings)
    after = run_analysis(store, case_id, "contacts", probe)
    assert after.hash != before.hash  # the new file holds this number's own records
    after_events = _events_per_number(store, case_id)
    affected = {n for n in after_events if after_events[n] != before_events.get(n)}
    changed = {n for n, h in untouched if run_analysis(store, case_id, "pattern-of-life", {"number": n}).hash != h}
    assert changed <= affected, changed - affected
    assert len(untouched) - len(affected) >= 5  # enough numbers untouched for the check to mean something


def _events_per_number(store: GraphStore, case_id: str) -> dict[str, int]:
    rows = store.run_statement(
        "MATCH (n:Number {case_id: $c}) "
        "RETURN n.key AS n, COUNT { (n)-[:CALLED]-() } + COUNT { (n)-[:SEEN_AT]->() } AS events",
        {"c": case_id},
        write=False,
    )
    return {r["n"]: r["events"] for r in rows}


def test_every_analysis_from_the_cli(cli_env: dict[str, str], synth: Any) -> None:
    case_id, truth, _ = synth
    if not case_id.startswith("T-acc-1-"):
        pytest.skip("one seed is enough for the CLI shape check")
    group = sorted(set(truth["group"]) & set(truth["targets"]))
    scene = truth["scenes"][0]
    pair = truth["vehicle_phone_pairs"][0]
    params = {
        "contacts": [f"numbers={group[0]}", "hops=2"],
        "top-contacts": [f"number={group[0]}"],
        "common-contacts": [f"numbers={','.join(group[:3])}"],
        "call-chains": [f"origin={group[0]}"],
        "co-location": [f"numbers={','.join(group)}", "min_strength=2"],
        "tower-dump": [
            f"lat={scene['lat']}",
            f"lon={scene['lon']}",
            f"radius_m={scene['radius_m']}",
            f"since={scene['start']}",
            f"until={scene['end']}",
        ],
        "anpr-association": [f"vrm={pair['vrm']}"],
        "convoy": [f"vrm={pair['vrm']}", "min_cameras=2"],
        "attribution": [f"number={truth['handset_swaps'][0]['number']}"],
        "successors": [],
        "pattern-of-life": [f"number={group[0]}"],
        "timeline": [f"number={group[0]}"],
        "centrality": [f"numbers={group[0]}"],
        "communities": [],
        "path": [f"source={group[0]}", f"target={group[1]}"],
    }
    assert set(params) == set(ANALYSES)
    for name, ps in params.items():
        args = [sys.executable, "-m", "csas_graph", "analyse", name, "--case", case_id, "--json"]
        for p in ps:
            args += ["-p", p]
        out = subprocess.run(args, env=cli_env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, (name, out.stderr)
        doc = json.loads(out.stdout)
        assert set(doc) == {
            "analysis",
            "case_id",
            "params",
            "result_hash",
            "row_count",
            "rows",
            "excluded",
            "extra",
            "run_id",
        }
        assert doc["analysis"] == name and doc["row_count"] == len(doc["rows"]), name
        assert len(doc["result_hash"]) == 64
        for row in doc["rows"]:
            assert isinstance(row["evidence"], list) and isinstance(row["evidence_total"], int), name
