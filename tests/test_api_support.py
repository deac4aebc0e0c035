"""Shared set-up for the API tests: two teams, a user per role, seeded cases, tokens, a client.

Team ``red`` owns the case under test; team ``blue`` owns the "other team's case". Blue data uses
numbers and ids that appear nowhere in red data, so any leak is visible in a response body.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.main import create_app
from csas_graph import auth
from csas_graph.audit_writer import WriterProcess
from csas_graph.cases import create_case
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings

RED_NUMBERS = [f"+4477009000{i:02d}" for i in range(1, 7)]
BLUE_NUMBERS = [f"+4477009009{i:02d}" for i in range(1, 4)]
ROLES = ("admin", "team-lead", "analyst", "viewer")


@dataclass
class World:
    suffix: str
    red: str
    blue: str
    red_case: str
    blue_case: str
    users: dict[str, str] = field(default_factory=dict)  # role -> username (red members; admin in no team)
    tokens: dict[str, str] = field(default_factory=dict)  # role -> token
    blue_tokens: dict[str, str] = field(default_factory=dict)
    expired_token: str = ""

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def blue_markers(self) -> list[str]:
        return [self.blue_case, *BLUE_NUMBERS, f"IMEI{self.suffix}B", f"BLU{self.suffix}".upper()]


def event_id(*parts: Any) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:24]


def seed_case(store: GraphStore, case_id: str, numbers: list[str], *, imei: str, imsi: str, vrm: str) -> None:
    """Numbers, calls, a handset, a SIM and a vehicle, per docs/model.md (no import needed)."""
    start = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    calls = []
    for i in range(24):
        a, b = numbers[i % len(numbers)], numbers[(i * 7 + 1) % len(numbers)]
        if a == b:
            b = numbers[(i + 1) % len(numbers)]
        t = start + timedelta(minutes=13 * i)
        eid = event_id(case_id, a, b, t.isoformat())
        calls.append({"a": a, "b": b, "t": t, "eid": eid, "d": 30 + i, "type": "voice" if i % 3 else "sms"})
    store.run_statement(
        """
        UNWIND $numbers AS n MERGE (:Number {case_id: $c, key: n, kind: 'e164', raw: n})
        WITH count(*) AS _
        UNWIND $calls AS call
        MATCH (a:Number {case_id: $c, key: call.a}), (b:Number {case_id: $c, key: call.b})
        CREATE (a)-[:CALLED {case_id: $c, event_id: call.eid, type: call.type, start: call.t,
                 end: call.t + duration({seconds: call.d}), duration_s: call.d, direction: 'MO',
                 sources: ['seed:' + call.eid], src_sha256: 'seed', src_row: 1}]->(b)
        WITH count(*) AS _
        MERGE (h:Handset {case_id: $c, imei: $imei}) SET h.tac = left($imei, 8), h.luhn_ok = true
        MERGE (s:SIM {case_id: $c, imsi: $imsi})
        MERGE (v:Vehicle {case_id: $c, vrm: $vrm})
        WITH h, s
        MATCH (n:Number {case_id: $c, key: $first})
        MERGE (n)-[:USED_SIM {case_id: $c, events: 1}]->(s)
        MERGE (s)-[:IN_HANDSET {case_id: $c, events: 1}]->(h)
        """,
        {"c": case_id, "numbers": numbers, "calls": calls, "imei": imei, "imsi": imsi, "vrm": vrm,
         "first": numbers[0]},
        write=True,
    )  # fmt: skip


def build_world(store: GraphStore) -> World:
    suffix = uuid.uuid4().hex[:6]
    w = World(suffix, f"red-{suffix}", f"blue-{suffix}", f"RED-{suffix}", f"BLUE-{suffix}")
    auth.create_team(store, w.red)
    auth.create_team(store, w.blue)
    for role in ROLES:
        name = f"{role}-{suffix}"
        auth.create_user(store, name, role, teams=[] if role == "admin" else [w.red])
        w.users[role] = name
        w.tokens[role] = auth.create_token(store, name)
    for role in ("team-lead", "analyst"):
        name = f"blue-{role}-{suffix}"
        auth.create_user(store, name, role, teams=[w.blue])
        w.blue_tokens[role] = auth.create_token(store, name)
    w.expired_token = auth.create_token(store, w.users["analyst"], expires_days=1)
    store.run_statement(
        "MATCH (k:ApiToken {token_hash: $h}) SET k.expires_at = datetime() - duration('PT1S')",
        {"h": auth.hash_token(w.expired_token)},
        write=True,
    )
    create_case(store, w.red_case, name="Op Red", team=w.red, created_by="seed")
    create_case(store, w.blue_case, name="Op Blue", team=w.blue, created_by="seed")
    seed_case(store, w.red_case, RED_NUMBERS, imei=f"35{suffix}0000011", imsi=f"23410{suffix}0001",
              vrm=f"RD{suffix}".upper())  # fmt: skip
    seed_case(store, w.blue_case, BLUE_NUMBERS, imei=f"IMEI{suffix}B", imsi=f"23499{suffix}0009",
              vrm=f"BLU{suffix}".upper())  # fmt: skip
    return w


@pytest.fixture(scope="module")
def world(store: GraphStore) -> World:
    return build_world(store)


@contextmanager
def serve_on_loopback(app: FastAPI) -> Iterator[str]:
    """uvicorn serving ``app`` on a free 127.0.0.1 port in a background thread; yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=30)


def run_in_threads(work: Callable[[int], None], count: int, timeout: float = 120) -> list[BaseException]:
    """Run ``work(0..count-1)`` in as many threads at once; the errors they raised."""
    errors: list[BaseException] = []

    def guarded(n: int) -> None:
        try:
            work(n)
        except BaseException as err:  # noqa: BLE001 - returned to the test
            errors.append(err)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "threads did not finish within the deadline"
    return errors


@pytest.fixture(scope="module")
def audit_writer(cli_env: dict[str, str]) -> Iterator[WriterProcess]:
    """The dedicated audit writer process, as ``csas serve`` runs it."""
    writer = WriterProcess(env=cli_env).start()
    try:
        yield writer
    finally:
        writer.stop()


@pytest.fixture(scope="module")
def client(store: GraphStore, settings: Settings) -> Iterator[TestClient]:
    """The app as deployed: each audit record appended and linked by Neo4j before the answer."""
    app = create_app(settings, store)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def plain_csv(rows: int, *, offset: int = 0, base: str = "07700900") -> bytes:
    """A CDR in the plain_csv template's layout: from, to, start, duration, cell."""
    lines = ["from,to,start,duration,cell"]
    t0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    for i in range(offset, offset + rows):
        a, b = f"{base}{i % 50:03d}", f"{base}{(i * 7 + 3) % 50:03d}"
        t = (t0 + timedelta(seconds=97 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(f"{a},{b},{t},{i % 300},234-10-1000-{11 + i % 5}")
    return ("\n".join(lines) + "\n").encode()


def wait_for_import(client: TestClient, case_id: str, import_id: str, headers: dict[str, str],
                    timeout: float = 120) -> dict[str, Any]:  # fmt: skip
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/cases/{case_id}/imports/{import_id}", headers=headers).json()
        if body.get("state") in ("done", "failed"):
            return dict(body)
        time.sleep(0.2)
    raise AssertionError(f"import {import_id} did not finish in {timeout} s")
