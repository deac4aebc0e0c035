# ruff: noqa: E501
"""A small hand-built case written per docs/model.md, where every expected row is known by construction.

Times are in March 2024 before the clocks change, so Europe/London local time equals UTC.

Numbers: A, B, C, D, E, F (A's successor), VM (A's voicemail), S (a short code).
Cells: C1 and C2 70 m apart, C3 11 km north, C4 unresolved. Cameras: K1 beside C1, K2 beside C3.
"""

from __future__ import annotations

from typing import Any

from csas_graph.cases import create_case
from csas_graph.graph_store import GraphStore

A, B, C, D, E, F = (f"+4477009000{i:02d}" for i in range(1, 7))
VM = f"VOICEMAIL:{A}"
S = "SHORT:150"
SHA = "ab" * 32
H1, H2 = "356938035643809", "356938035643817"
S1, S2, S3 = "234100000000001", "234100000000002", "234100000000003"
V1, V2, V3 = "AB12CDE", "XY99ZZZ", "CONVOY1"

NUMBERS = [
    (A, "e164"),
    (B, "e164"),
    (C, "e164"),
    (D, "e164"),
    (E, "e164"),
    (F, "e164"),
    (VM, "voicemail"),
    (S, "short_code"),
]
CELLS = [
    {"key": "C1@2024-01-01", "cgi": "234-10-100-1", "lat": 51.5, "lon": -0.1, "azimuth": 90, "beamwidth": 65},
    {"key": "C2@2024-01-01", "cgi": "234-10-100-2", "lat": 51.5, "lon": -0.099, "azimuth": 200, "beamwidth": 65},
    {"key": "C3@2024-01-01", "cgi": "234-10-200-3", "lat": 51.6, "lon": -0.1, "azimuth": 0, "beamwidth": 120},
    {"key": "234-10-300-4", "cgi": "234-10-300-4", "lat": None, "lon": None, "azimuth": None, "beamwidth": None},
]
CAMERAS = [{"id": "K1", "lat": 51.5005, "lon": -0.1}, {"id": "K2", "lat": 51.6, "lon": -0.1005}]


def t(day: int, hh: int, mm: int = 0) -> str:
    return f"2024-03-{day:02d}T{hh:02d}:{mm:02d}:00Z"


# event_id, src, dst, type, start, duration, imei, imsi
CALLS = [
    ("e01", A, B, "voice", t(4, 9), 60, None, S1),
    ("e02", B, C, "voice", t(4, 9, 10), 30, None, None),
    ("e03", C, D, "sms", t(4, 9, 20), 0, None, None),
    ("e04", A, B, "sms", t(4, 10), 0, None, S1),
    ("e05", B, A, "voice", t(4, 11), 120, None, None),
    ("e06", A, C, "voice", t(4, 12), 10, None, S3),
    ("e08", A, VM, "voice", t(4, 13), 20, None, None),
    ("e07", A, B, "sms", t(5, 20), 0, None, None),
    ("e09", E, S, "sms", t(4, 14), 0, None, None),
    ("e10", F, B, "voice", t(6, 10), 5, None, None),
    ("e11", F, C, "voice", t(6, 11), 5, None, None),
    ("e13", F, B, "sms", t(19, 10), 0, None, None),
    ("e12", B, C, "voice", t(20, 10), 5, None, None),
]
# event_id, number, cell, t, imei
SIGHTINGS = [
    ("s01", A, "C1@2024-01-01", t(4, 9), H1),
    ("s02", B, "C1@2024-01-01", t(4, 9, 5), None),
    ("s03", A, "C1@2024-01-01", t(4, 9, 30), H1),
    ("s04", B, "C2@2024-01-01", t(4, 9, 40), None),
    ("s05", C, "C3@2024-01-01", t(4, 9, 2), None),
    ("s12", A, "C3@2024-01-01", t(4, 10, 3), H1),
    ("s06", A, "C3@2024-01-01", t(4, 23), H1),
    ("s07", A, "C3@2024-01-01", t(5, 1), H1),
    ("s13", A, "C1@2024-01-01", t(5, 8, 58), H1),
    ("s08", A, "C3@2024-01-01", t(5, 23, 30), H1),
    ("s09", A, "C1@2024-01-01", t(6, 2), H1),
    ("s10", A, "C1@2024-01-01", t(8, 10), H2),
    ("s11", A, "C3@2024-01-01", t(8, 10, 1), H2),
    ("s14", B, "C1@2024-01-01", t(6, 12), None),
    ("s15", B, "234-10-300-4", t(6, 13), None),
]
# event_id, vrm, camera, t
READS = [
    ("r01", V1, "K1", t(4, 9, 1)),
    ("r02", V1, "K2", t(4, 10)),
    ("r03", V1, "K1", t(5, 9)),
    ("r04", V2, "K1", t(4, 9, 3)),
    ("r05", V2, "K1", t(6, 12)),
    ("r06", V2, "K1", t(7, 12)),
    ("r07", V3, "K1", t(4, 9, 2)),
    ("r08", V3, "K2", t(4, 10, 1)),
    ("r09", V3, "K1", t(5, 9, 1)),
]
ROW = {eid: i + 2 for i, eid in enumerate([c[0] for c in CALLS] + [s[0] for s in SIGHTINGS] + [r[0] for r in READS])}


def build(store: GraphStore, case_id: str) -> None:
    create_case(store, case_id, timezone="Europe/London")
    run = store.run_statement
    p: dict[str, Any] = {"c": case_id, "sha": SHA}
    run(
        "MATCH (k:Case {case_id: $c}) CREATE (f:SourceFile {case_id: $c, sha256: $sha, file_name: 'fixture.csv', "
        "kind: 'cdr', status: 'complete'})-[:IN_CASE]->(k)",
        p,
        write=True,
    )
    run(
        "UNWIND $rows AS r CREATE (:Number {case_id: $c, key: r[0], kind: r[1], raw: r[0]})",
        {**p, "rows": [list(n) for n in NUMBERS]},
        write=True,
    )
    run(
        "UNWIND $rows AS r CREATE (:Cell {case_id: $c, key: r.key, cgi: r.cgi, kind: 'cell', resolved: r.lat IS NOT NULL, "
        "location: CASE WHEN r.lat IS NULL THEN null ELSE point({latitude: r.lat, longitude: r.lon}) END, "
        "azimuth: r.azimuth, beamwidth: r.beamwidth, site_name: 'site ' + r.cgi})",
        {**p, "rows": CELLS},
        write=True,
    )
    run(
        "UNWIND $rows AS r CREATE (:Camera {case_id: $c, camera_id: r.id, location: point({latitude: r.lat, longitude: r.lon})})",
        {**p, "rows": CAMERAS},
        write=True,
    )
    run(
        "UNWIND $rows AS r MATCH (a:Number {case_id: $c, key: r.src}), (b:Number {case_id: $c, key: r.dst}) "
        "CREATE (a)-[:CALLED {case_id: $c, event_id: r.id, type: r.type, start: datetime(r.start), "
        "end: datetime(r.start) + duration({seconds: r.dur}), duration_s: r.dur, direction: 'MO', imei: r.imei, "
        "imsi: r.imsi, sources: [$sha + ':' + r.row], src_sha256: $sha, src_row: r.row}]->(b)",
        {
            **p,
            "rows": [
                {
                    "id": c[0],
                    "src": c[1],
                    "dst": c[2],
                    "type": c[3],
                    "start": c[4],
                    "dur": c[5],
                    "imei": c[6],
                    "imsi": c[7],
                    "row": ROW[c[0]],
                }
                for c in CALLS
            ],
        },
        write=True,
    )
    run(
        "UNWIND $rows AS r MATCH (n:Number {case_id: $c, key: r.n}), (cell:Cell {case_id: $c, key: r.cell}) "
        "CREATE (n)-[:SEEN_AT {case_id: $c, event_id: r.id, party: r.n, t: datetime(r.t), role: 'first', type: 'data', "
        "imei: r.imei, time_basis: 'at_or_before', sources: [$sha + ':' + r.row], src_sha256: $sha, src_row: r.row}]->(cell)",
        {
            **p,
            "rows": [
                {"id": s[0], "n": s[1], "cell": s[2], "t": s[3], "imei": s[4], "row": ROW[s[0]]} for s in SIGHTINGS
            ],
        },
        write=True,
    )
    run(
        "UNWIND $rows AS r MERGE (v:Vehicle {case_id: $c, vrm: r.vrm}) WITH v, r "
        "MATCH (k:Camera {case_id: $c, camera_id: r.cam}) "
        "CREATE (v)-[:READ_AT {case_id: $c, event_id: r.id, t: datetime(r.t), confidence: 0.99, "
        "sources: [$sha + ':' + r.row], src_sha256: $sha, src_row: r.row}]->(k)",
        {**p, "rows": [{"id": r[0], "vrm": r[1], "cam": r[2], "t": r[3], "row": ROW[r[0]]} for r in READS]},
        write=True,
    )
    # identity links, as the loader builds them
    run(
        "MATCH (a:Number {case_id: $c, key: $a}), (f:Number {case_id: $c, key: $f}) "
        "CREATE (h1:Handset {case_id: $c, imei: $h1, placeholder: false}), (h2:Handset {case_id: $c, imei: $h2, placeholder: false}), "
        "(s1:SIM {case_id: $c, imsi: $s1}), (s2:SIM {case_id: $c, imsi: $s2}), (s3:SIM {case_id: $c, imsi: $s3}), "
        "(a)-[:USED_HANDSET {case_id: $c}]->(h1), (a)-[:USED_HANDSET {case_id: $c}]->(h2), "
        "(a)-[:USED_SIM {case_id: $c}]->(s1), (a)-[:USED_SIM {case_id: $c}]->(s3), (f)-[:USED_SIM {case_id: $c}]->(s2), "
        "(f)-[:USED_HANDSET {case_id: $c}]->(h2), "
        "(s1)-[:IN_HANDSET {case_id: $c}]->(h1), (s1)-[:IN_HANDSET {case_id: $c}]->(h2), (s2)-[:IN_HANDSET {case_id: $c}]->(h2)",
        {**p, "a": A, "f": F, "h1": H1, "h2": H2, "s1": S1, "s2": S2, "s3": S3},
        write=True,
    )
