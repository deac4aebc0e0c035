"""A small hand-built case per docs/model.md, users per role and a test analysis, for the evidence
and export tests (no tests here; shared by test_evidence*.py and test_exports*.py)."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from csas_graph import auth
from csas_graph.analyses.base import AnalysisResult
from csas_graph.cases import create_case
from csas_graph.graph_store import GraphStore

A, B, C, D = "+447700900001", "+447700900002", "+447700900003", "+447700900004"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Users:
    author: str
    reviewer: str
    lead: str
    viewer: str


def make_users(store: GraphStore) -> Users:
    tag = uuid.uuid4().hex[:8]
    users = Users(f"alice-{tag}", f"bob-{tag}", f"tina-{tag}", f"vic-{tag}")
    auth.create_user(store, users.author, "analyst")
    auth.create_user(store, users.reviewer, "analyst")
    auth.create_user(store, users.lead, "team-lead")
    auth.create_user(store, users.viewer, "viewer")
    return users


_SEED = """
MATCH (k:Case {case_id: $case_id})
UNWIND $files AS f
CREATE (sf:SourceFile {case_id: $case_id, sha256: f.sha256, file_name: f.file_name, kind: f.kind, size: 1000,
        template_id: f.template_id, template_version: f.template_version, software_version: '0.1.0',
        imported_by: 'alice', imported_at: datetime('2024-03-01T09:00:00Z'), rows_read: f.rows_read,
        rows_loaded: f.rows_loaded, rows_merged: f.rows_merged, rows_rejected: f.rows_rejected,
        report: f.report, status: 'complete'})-[:IN_CASE]->(k)
WITH count(*) AS _
UNWIND $numbers AS n
CREATE (:Number {case_id: $case_id, key: n, kind: 'e164', raw: n})
WITH count(*) AS _
UNWIND $cells AS c
CREATE (:Cell {case_id: $case_id, key: c.key, cgi: c.cgi, kind: 'cell', resolved: c.lat IS NOT NULL,
        location: CASE WHEN c.lat IS NULL THEN null ELSE point({latitude: c.lat, longitude: c.lon}) END,
        azimuth: c.azimuth, beamwidth: c.beamwidth, site_name: c.site,
        valid_from: CASE WHEN c.lat IS NULL THEN null ELSE date('2024-01-01') END,
        source_sha256: c.src})
WITH count(*) AS _
UNWIND $calls AS e
MATCH (a:Number {case_id: $case_id, key: e.a}), (b:Number {case_id: $case_id, key: e.b})
CREATE (a)-[:CALLED {case_id: $case_id, event_id: e.id, type: e.type, start: datetime(e.start),
        duration_s: e.dur, direction: 'MO', first_cell: e.cell, imei: '356938035643809',
        imsi: '234100000000001', sources: [e.src + ':' + toString(e.row)], src_sha256: e.src, src_row: e.row}]->(b)
WITH a, e
MATCH (c:Cell {case_id: $case_id, key: e.cell})
CREATE (a)-[:SEEN_AT {case_id: $case_id, event_id: e.id, t: datetime(e.start), role: 'first', type: e.type,
        time_basis: 'at_or_before', sources: [e.src + ':' + toString(e.row)], src_sha256: e.src, src_row: e.row}]->(c)
WITH count(*) AS _
MATCH (a:Number {case_id: $case_id, key: $a})
CREATE (a)-[:USED_SIM {case_id: $case_id, first_seen: datetime('2024-03-01T10:00:00Z'),
        last_seen: datetime('2024-03-01T12:00:00Z'), events: 3}]->
       (s:SIM {case_id: $case_id, imsi: '234100000000001', mcc: '234', mnc: '10'})-[:IN_HANDSET {case_id: $case_id,
        first_seen: datetime('2024-03-01T10:00:00Z'), last_seen: datetime('2024-03-01T12:00:00Z'), events: 3}]->
       (h:Handset {case_id: $case_id, imei: '356938035643809', tac: '35693803', luhn_ok: true, placeholder: false})
CREATE (a)-[:USED_HANDSET {case_id: $case_id, first_seen: datetime('2024-03-01T10:00:00Z'),
        last_seen: datetime('2024-03-01T12:00:00Z'), events: 3}]->(h)
CREATE (a)-[:ATTRIBUTED_TO {case_id: $case_id, sources: [$anpr + ':1']}]->
       (:Person {case_id: $case_id, key: 'P1', name: 'Jo Bloggs'})
CREATE (v:Vehicle {case_id: $case_id, vrm: 'AB12CDE'})
CREATE (cam:Camera {case_id: $case_id, camera_id: 'CAM-7', name: 'A38 Northbound',
        location: point({latitude: 52.481, longitude: -1.902})})
CREATE (v)-[:READ_AT {case_id: $case_id, event_id: 'anpr0000000000000000001', t: datetime('2024-03-01T10:20:00Z'),
        direction: 'N', confidence: 98, sources: [$anpr + ':2'], src_sha256: $anpr, src_row: 2}]->(cam)
RETURN count(*) AS n
"""


def seed_case(store: GraphStore, case_id: str) -> dict[str, Any]:
    """A case with 3 source files, 4 numbers, 3 cells (1 unresolved), 4 calls, 1 vehicle read."""
    create_case(store, case_id, name="Operation Test", timezone="Europe/London")
    cdr, cells, anpr = sha(f"{case_id}-cdr"), sha(f"{case_id}-cells"), sha(f"{case_id}-anpr")
    report = {"outcomes": {"rejected": {"bad_timestamp": 1}, "merged": {"exact_duplicate": 2}}}
    files = [
        _file(cdr, "o2_cdr_0001.csv", "cdr", "o2-cdr", "1.2", 7, 4, 2, 1, report),
        _file(cells, "cells_2024.csv", "cells", "cells-generic", "1.0", 2, 2, 0, 0, {}),
        _file(anpr, "anpr_reads.csv", "anpr", "anpr-nadc", "1.0", 1, 1, 0, 0, {}),
    ]
    cell_rows = [
        {
            "key": "234-10-100-1001@2024-01-01",
            "cgi": "234-10-100-1001",
            "lat": 52.480,
            "lon": -1.900,
            "azimuth": 120,
            "beamwidth": 65,
            "site": "Bull Ring",
            "src": cells,
        },
        {
            "key": "234-10-100-1002@2024-01-01",
            "cgi": "234-10-100-1002",
            "lat": 52.490,
            "lon": -1.880,
            "azimuth": 300,
            "beamwidth": 90,
            "site": "Aston",
            "src": cells,
        },
        {
            "key": "234-10-100-9999",
            "cgi": "234-10-100-9999",
            "lat": None,
            "lon": None,
            "azimuth": None,
            "beamwidth": None,
            "site": None,
            "src": None,
        },
    ]
    calls = [
        _call("e" * 23 + "1", A, B, "voice", "2024-03-01T10:00:00Z", 65, "234-10-100-1001@2024-01-01", cdr, 2),
        _call("e" * 23 + "2", A, C, "sms", "2024-03-01T10:30:00Z", 0, "234-10-100-1002@2024-01-01", cdr, 3),
        _call("e" * 23 + "3", B, A, "voice", "2024-03-01T11:00:00Z", 12, "234-10-100-9999", cdr, 4),
        _call("e" * 23 + "4", A, B, "voice", "2024-03-01T12:00:00Z", 30, "234-10-100-1002@2024-01-01", cdr, 5),
    ]
    store.run_statement(
        _SEED,
        {
            "case_id": case_id,
            "files": files,
            "numbers": [A, B, C, D],
            "cells": cell_rows,
            "calls": calls,
            "a": A,
            "anpr": anpr,
        },
        write=True,
    )
    return {"cdr": cdr, "cells": cells, "anpr": anpr, "calls": calls}


def add_import(store: GraphStore, case_id: str) -> str:
    """Simulate a later delivery: one more file with one more call between A and B."""
    new = sha(f"{case_id}-cdr-2")
    store.run_statement(
        """
        MATCH (k:Case {case_id: $case_id}), (a:Number {case_id: $case_id, key: $a}),
              (b:Number {case_id: $case_id, key: $b})
        CREATE (:SourceFile {case_id: $case_id, sha256: $sha, file_name: 'o2_cdr_0002.csv', kind: 'cdr',
                template_id: 'o2-cdr', template_version: '1.2', software_version: '0.1.0', rows_read: 1,
                rows_loaded: 1, rows_merged: 0, rows_rejected: 0, report: '{}', status: 'complete'})-[:IN_CASE]->(k)
        CREATE (a)-[:CALLED {case_id: $case_id, event_id: 'f00000000000000000000005', type: 'voice',
                start: datetime('2024-03-02T09:00:00Z'), duration_s: 5, sources: [$sha + ':2'],
                src_sha256: $sha, src_row: 2}]->(b)
        """,
        {"case_id": case_id, "a": A, "b": B, "sha": new},
        write=True,
    )
    return new


def contact_counts(store: GraphStore, case_id: str, name: str, params: dict[str, Any]) -> AnalysisResult:
    """A real (if tiny) analysis for the tests: calls per ordered pair, with evidence."""
    rows = store.run_statement(
        """
        MATCH (a:Number {case_id: $case_id})-[r:CALLED {case_id: $case_id}]->(b:Number)
        WHERE r.duration_s >= $min_duration
        WITH a.key AS caller, b.key AS callee, r.event_id AS id ORDER BY id
        RETURN caller, callee, count(*) AS calls, collect(id) AS evidence
        ORDER BY caller, callee
        """,
        {"case_id": case_id, "min_duration": params.get("min_duration", 0)},
        write=False,
    )
    return AnalysisResult(name=name, case_id=case_id, params=dict(params), rows=rows)


def _file(
    sha256: str,
    name: str,
    kind: str,
    tid: str,
    tver: str,
    read: int,
    loaded: int,
    merged: int,
    rejected: int,
    report: dict[str, Any],
) -> dict[str, Any]:
    return {
        "sha256": sha256,
        "file_name": name,
        "kind": kind,
        "template_id": tid,
        "template_version": tver,
        "rows_read": read,
        "rows_loaded": loaded,
        "rows_merged": merged,
        "rows_rejected": rejected,
        "report": json.dumps(report),
    }


def _call(
    event_id: str, a: str, b: str, kind: str, start: str, dur: int, cell: str, src: str, row: int
) -> dict[str, Any]:
    return {
        "id": event_id,
        "a": a,
        "b": b,
        "type": kind,
        "start": start,
        "dur": dur,
        "cell": cell,
        "src": src,
        "row": row,
    }
