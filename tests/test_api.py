"""The HTTP API against the real database: the authorisation matrix, audit, disposal, abuse."""

from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
import test_api_support as support
from fastapi.testclient import TestClient
from test_api_support import RED_NUMBERS, ROLES, World, plain_csv, seed_case, wait_for_import

from api.main import create_app
from csas_graph import audit
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings

world, client, audit_writer = support.world, support.client, support.audit_writer  # module-scoped fixtures
A, B = RED_NUMBERS[0], RED_NUMBERS[1]
OWN, OTHER = "own", "other"


def upload(client: TestClient, case_id: str, headers: dict[str, str], content: bytes, name: str = "cdr.csv",
           template: str | None = "plain_csv") -> Any:  # fmt: skip
    data = {"template": template} if template else None
    return client.post(f"/cases/{case_id}/imports", headers=headers, files={"file": (name, content, "text/csv")},
                       data=data)  # fmt: skip


# ------------------------------------------------------------------------ the matrix
# (method, path, body/params, expected status per role for the OWN case); another team's case
# always answers 404, whatever the role.
CASE_ENDPOINTS: list[tuple[str, str, dict[str, Any], dict[str, int]]] = [
    ("GET", "/cases/{case}", {}, {"admin": 404, "team-lead": 200, "analyst": 200, "viewer": 200}),
    ("PATCH", "/cases/{case}", {"json": {"name": "Op Red renamed"}},
     {"admin": 404, "team-lead": 200, "analyst": 200, "viewer": 403}),
    ("GET", "/cases/{case}/entities", {"params": {"q": "77009"}},
     {"admin": 404, "team-lead": 200, "analyst": 200, "viewer": 200}),
    ("GET", "/cases/{case}/entities", {"params": {"q": "234", "kind": "imsi"}},
     {"admin": 404, "team-lead": 200, "analyst": 200, "viewer": 200}),
    ("POST", "/cases/{case}/analyses/top-contacts", {"json": {"number": A}},
     {"admin": 404, "team-lead": 200, "analyst": 200, "viewer": 200}),
    ("POST", "/cases/{case}/analyses/contacts", {"json": {"numbers": [A], "hops": 2}},
     {"admin": 404, "team-lead": 200, "analyst": 200, "viewer": 200}),
    ("GET", "/cases/{case}/exports/csv", {}, {"admin": 404, "team-lead": 200, "analyst": 200, "viewer": 403}),
    ("GET", "/cases/{case}/exports/graphml", {}, {"admin": 404, "team-lead": 200, "analyst": 200, "viewer": 403}),
    ("POST", "/cases/{case}/imports", {"upload": True},
     {"admin": 404, "team-lead": 202, "analyst": 202, "viewer": 403}),
    ("GET", "/cases/{case}/imports", {}, {"admin": 404, "team-lead": 200, "analyst": 200, "viewer": 200}),
    ("GET", "/cases/{case}/imports/" + "0" * 32, {}, {"admin": 404, "team-lead": 404, "analyst": 404, "viewer": 404}),
    ("GET", "/cases/{case}/imports/" + "0" * 64 + "/rejected", {},
     {"admin": 404, "team-lead": 404, "analyst": 404, "viewer": 404}),
    ("DELETE", "/cases/{case}", {"params": {"reason": "matrix"}},
     {"admin": None, "team-lead": None, "analyst": 403, "viewer": 403}),  # None: tested in test_disposal
]  # fmt: skip

GLOBAL_ENDPOINTS: list[tuple[str, str, dict[str, Any], dict[str, int]]] = [
    ("GET", "/cases", {}, {"admin": 200, "team-lead": 200, "analyst": 200, "viewer": 200}),
    ("POST", "/cases", {"json": {"case_id": "NEW-{uid}", "team": "{red}"}},
     {"admin": 403, "team-lead": 201, "analyst": 201, "viewer": 403}),
    ("GET", "/analyses", {}, {"admin": 200, "team-lead": 200, "analyst": 200, "viewer": 200}),
    ("GET", "/me", {}, {"admin": 200, "team-lead": 200, "analyst": 200, "viewer": 200}),
    ("GET", "/audit", {}, {"admin": 200, "team-lead": 200, "analyst": 403, "viewer": 403}),
    ("GET", "/audit", {"params": {"format": "csv", "case_id": "{blue_case}"}},
     {"admin": 200, "team-lead": 200, "analyst": 403, "viewer": 403}),
    ("GET", "/audit/verify", {}, {"admin": 200, "team-lead": 200, "analyst": 403, "viewer": 403}),
    ("GET", "/admin/users", {}, {"admin": 200, "team-lead": 403, "analyst": 403, "viewer": 403}),
    ("POST", "/admin/users", {"json": {"username": "u-{uid}", "role": "viewer"}},
     {"admin": 201, "team-lead": 403, "analyst": 403, "viewer": 403}),
    ("GET", "/admin/teams", {}, {"admin": 200, "team-lead": 200, "analyst": 403, "viewer": 403}),
    ("POST", "/admin/teams", {"json": {"name": "t-{uid}"}}, {"admin": 201, "team-lead": 403, "analyst": 403,
                                                             "viewer": 403}),
    ("POST", "/teams/{red}/members/{viewer}", {}, {"admin": 200, "team-lead": 200, "analyst": 403, "viewer": 403}),
    ("POST", "/teams/{blue}/members/{viewer}", {}, {"admin": None, "team-lead": 404, "analyst": 403, "viewer": 403}),
    ("DELETE", "/teams/{blue}/members/{viewer}", {}, {"admin": 200, "team-lead": 404, "analyst": 403,
                                                      "viewer": 403}),
    ("GET", "/metrics", {}, {"admin": 200, "team-lead": 403, "analyst": 403, "viewer": 403}),
]  # fmt: skip

PUBLIC_ENDPOINTS = [("GET", "/health"), ("GET", "/version"), ("GET", "/openapi.json")]


def _fill(text: str, w: World, case: str | None = None) -> str:
    return text.format(case=case, uid=uuid.uuid4().hex[:8], red=w.red, blue=w.blue, blue_case=w.blue_case,
                       viewer=w.users["viewer"])  # fmt: skip


def _call(client: TestClient, w: World, method: str, path: str, spec: dict[str, Any], headers: dict[str, str],
          case: str | None = None) -> Any:  # fmt: skip
    url = _fill(path, w, case)
    if spec.get("upload"):
        return upload(client, case or "", headers, plain_csv(5))
    kwargs: dict[str, Any] = {}
    if "json" in spec:
        kwargs["json"] = {k: _fill(v, w, case) if isinstance(v, str) else v for k, v in spec["json"].items()}
    if "params" in spec:
        kwargs["params"] = {k: _fill(v, w, case) for k, v in spec["params"].items()}
    return client.request(method, url, headers=headers, **kwargs)


def _assert_no_blue(w: World, response: Any, context: str) -> None:
    text = response.text
    for marker in w.blue_markers():
        if marker in str(response.request.url):
            continue  # an error may echo the id the caller sent; that is not another team's data
        assert marker not in text, f"{context}: response leaks another team's data ({marker})"


BAD_CREDENTIALS = {
    "no token": {},
    "expired": "expired",
    "forged api token": {"Authorization": "Bearer csas_" + "A" * 43},
    "forged jwt": {"Authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl"},
    "not bearer": {"Authorization": "Basic YWRtaW46YWRtaW4="},
}


def _bad_headers(w: World, kind: str) -> dict[str, str]:
    value = BAD_CREDENTIALS[kind]
    return {"Authorization": f"Bearer {w.expired_token}"} if value == "expired" else dict(value)  # type: ignore[arg-type]


def test_authorisation_matrix(client: TestClient, world: World) -> None:
    w, failures = world, []
    for method, path, spec, expected in CASE_ENDPOINTS:
        for role in ROLES:
            for which, case in ((OWN, w.red_case), (OTHER, w.blue_case)):
                want = expected[role] if which == OWN else 404
                if want is None or (method == "DELETE" and role == "admin"):
                    continue
                r = _call(client, w, method, path, spec, w.auth(role), case)
                if r.status_code != want:
                    failures.append(f"{method} {path} {role} {which}: {r.status_code} != {want}: {r.text[:200]}")
                _assert_no_blue(w, r, f"{method} {path} as {role} on {which}")
            for kind in BAD_CREDENTIALS:
                r = _call(client, w, method, path, spec, _bad_headers(w, kind), w.red_case)
                if r.status_code != 401:
                    failures.append(f"{method} {path} {kind}: {r.status_code} != 401")
                _assert_no_blue(w, r, f"{method} {path} {kind}")
    for method, path, spec, expected in GLOBAL_ENDPOINTS:
        for role in ROLES:
            want = expected[role]
            if want is None:
                continue
            r = _call(client, w, method, path, spec, w.auth(role))
            if r.status_code != want:
                failures.append(f"{method} {path} {role}: {r.status_code} != {want}: {r.text[:200]}")
            if not (role == "admin" and path.startswith(("/audit", "/admin", "/metrics"))):
                _assert_no_blue(w, r, f"{method} {path} as {role}")
        for kind in BAD_CREDENTIALS:
            r = _call(client, w, method, path, spec, _bad_headers(w, kind))
            if r.status_code != 401:
                failures.append(f"{method} {path} {kind}: {r.status_code} != 401")
    for method, path in PUBLIC_ENDPOINTS:
        assert client.request(method, path).status_code == 200
    assert not failures, "\n".join(failures)


def test_listing_shows_only_own_teams_cases_and_flags_review(client: TestClient, world: World,
                                                             store: GraphStore) -> None:  # fmt: skip
    store.run_statement("MATCH (c:Case {case_id: $c}) SET c.review_date = date('2020-01-01')",
                        {"c": world.red_case}, write=True)  # fmt: skip
    body = client.get("/cases", headers=world.auth("analyst")).json()
    ids = {c["case_id"] for c in body["data"]}
    assert world.red_case in ids and world.blue_case not in ids
    assert next(c for c in body["data"] if c["case_id"] == world.red_case)["past_review"] is True
    assert body["past_review"] >= 1
    blue = client.get("/cases", headers={"Authorization": f"Bearer {world.blue_tokens['analyst']}"}).json()
    assert world.red_case not in {c["case_id"] for c in blue["data"]}
    assert client.get("/cases", headers=world.auth("admin")).json()["count"] == 0  # admins: no membership


def test_other_teams_case_is_indistinguishable_from_a_missing_one(client: TestClient, world: World) -> None:
    foreign = client.get(f"/cases/{world.blue_case}", headers=world.auth("analyst"))
    missing = client.get("/cases/NO-SUCH-CASE", headers=world.auth("analyst"))
    assert foreign.status_code == missing.status_code == 404
    strip = {"detail", "instance", "request_id", "case_id"}
    assert {k: v for k, v in foreign.json().items() if k not in strip} == {
        k: v for k, v in missing.json().items() if k not in strip
    }
    assert foreign.headers["content-type"] == "application/problem+json"


def test_analysis_result_carries_params_hash_and_evidence(client: TestClient, world: World) -> None:
    r = client.post(f"/cases/{world.red_case}/analyses/top-contacts", json={"number": A}, headers=world.auth("viewer"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["params"]["number"] == A and len(body["result_hash"]) == 64
    assert body["row_count"] == len(body["rows"]) > 0 and body["evidence"]
    again = client.post(f"/cases/{world.red_case}/analyses/top-contacts", json={"number": A},
                        headers=world.auth("analyst")).json()  # fmt: skip
    assert again["result_hash"] == body["result_hash"]
    catalogue = client.get("/analyses", headers=world.auth("viewer")).json()
    top = next(a for a in catalogue["data"] if a["name"] == "top-contacts")
    assert "number" in top["params_schema"]["properties"]


def test_malformed_params_get_422_naming_the_field(client: TestClient, world: World) -> None:
    r = client.post(f"/cases/{world.red_case}/analyses/top-contacts", json={"number": A, "limit": "many"},
                    headers=world.auth("analyst"))  # fmt: skip
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert any(e["field"] == "body.limit" for e in r.json()["errors"]), r.json()
    r = client.post(f"/cases/{world.red_case}/analyses/top-contacts", json={}, headers=world.auth("analyst"))
    assert r.status_code == 422 and "body.number" in r.json()["detail"]
    r = client.post("/cases", json={"case_id": "../etc", "team": world.red}, headers=world.auth("analyst"))
    assert r.status_code == 422 and "body.case_id" in r.json()["detail"]
    r = client.get(f"/cases/{world.red_case}/entities", params={"q": "1", "kind": "email"},
                   headers=world.auth("analyst"))  # fmt: skip
    assert r.status_code == 422 and "query.kind" in r.json()["detail"]
    r = client.post(
        f"/cases/{world.red_case}/analyses/top-contacts",
        json={"number": A, "since": "2000-01-01T00:00:00+18:01"},
        headers=world.auth("analyst"),
    )
    assert r.status_code == 422 and "body.since" in r.json()["detail"]  # Neo4j holds offsets up to 18 h
    r = client.post(f"/cases/{world.red_case}/analyses/no-such", json={}, headers=world.auth("analyst"))
    assert r.status_code == 404


def test_entity_search_partial_match(client: TestClient, world: World) -> None:
    body = client.get(f"/cases/{world.red_case}/entities", params={"q": "7700 9000"},
                      headers=world.auth("viewer")).json()  # fmt: skip
    assert set(RED_NUMBERS) <= {e["value"] for e in body["data"] if e["kind"] == "number"}
    vrm = client.get(f"/cases/{world.red_case}/entities", params={"q": f"rd{world.suffix}"[:5], "kind": "vrm"},
                     headers=world.auth("viewer")).json()  # fmt: skip
    assert [e["kind"] for e in vrm["data"]] == ["vrm"]
    imei = client.get(f"/cases/{world.red_case}/entities", params={"q": world.suffix, "kind": "imei"},
                      headers=world.auth("viewer")).json()  # fmt: skip
    assert imei["count"] == 1


def test_every_case_request_is_audited_before_the_response(client: TestClient, world: World,
                                                           store: GraphStore) -> None:  # fmt: skip
    requests = [
        ("GET", f"/cases/{world.red_case}", None),
        ("GET", f"/cases/{world.red_case}/entities?q=77", None),
        ("POST", f"/cases/{world.red_case}/analyses/top-contacts", {"number": A}),
        ("GET", f"/cases/{world.red_case}/exports/csv", None),
        ("GET", f"/cases/{world.blue_case}", None),  # a probe of another team's case is audited too
    ]
    for i, (method, path, body) in enumerate(requests):
        rid = f"audit-test-{world.suffix}-{i:02d}"
        r = client.request(method, path, json=body, headers={**world.auth("analyst"), "X-Request-ID": rid})
        assert r.headers["X-Request-ID"] == rid
        found = store.run_statement("MATCH (a:AuditRecord {request_id: $r}) RETURN a {.*} AS a", {"r": rid},
                                    write=False)  # fmt: skip
        assert found, f"{method} {path}: no audit record when the response arrived"
        rec = found[-1]["a"]
        assert rec["user"] == world.users["analyst"] and rec["client"] == "testclient"
        assert rec["case_id"] in (world.red_case, world.blue_case) and rec["at"]
        if r.status_code == 200 and method != "GET" or "entities" in path:
            assert rec["result_count"] is not None and rec["result_hash"]
    assert audit.verify_chain(store).ok
    export = client.get("/audit", params={"case_id": world.red_case, "user": world.users["analyst"]},
                        headers=world.auth("team-lead"))  # fmt: skip
    lines = [json.loads(line) for line in export.text.splitlines()]
    assert lines and {rec["case_id"] for rec in lines} == {world.red_case}
    assert [rec["seq"] for rec in lines] == sorted(rec["seq"] for rec in lines)
    csv_lines = client.get("/audit", params={"case_id": world.red_case, "format": "csv"},
                           headers=world.auth("admin")).text.splitlines()  # fmt: skip
    assert csv_lines[0].startswith("seq,at,user,action") and len(csv_lines) > len(lines)
    lead_view = client.get("/audit", params={"case_id": world.blue_case}, headers=world.auth("team-lead"))
    assert lead_view.status_code == 200 and lead_view.text == ""


def test_audit_failure_fails_the_request(client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import csas_graph.audit as trail
    from csas_graph.audit_writer import RemoteWriter
    from csas_graph.errors import GraphUnavailable

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise GraphUnavailable("audit store down at bolt://10.0.0.1:7687")

    def refused(self: Any, entry: dict[str, Any]) -> trail.Ticket:  # the writer process answers with an error
        ticket = trail.Ticket(5.0)
        ticket.settle({"error": "the audit record could not be written: ServiceUnavailable"})
        return ticket

    monkeypatch.setattr(trail._GroupWriter, "_stage", broken)
    monkeypatch.setattr(RemoteWriter, "send", refused)
    monkeypatch.setattr(GraphStore, "write_once", broken)  # the in-database append, as deployed
    r = client.get(f"/cases/{world.red_case}", headers=world.auth("analyst"))
    assert r.status_code == 503 and "Op Red" not in r.text and "10.0.0.1" not in r.text
    assert r.headers["content-type"] == "application/problem+json" and "audit" in r.json()["detail"]


def test_errors_never_leak_stack_traces_or_cypher(client: TestClient, world: World,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    import api.routers.cases as cases_router

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("MATCH (n:Secret) RETURN n // boom")

    monkeypatch.setattr(cases_router, "case_summary", explode)
    r = client.get(f"/cases/{world.red_case}", headers=world.auth("analyst"))
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
    assert "MATCH" not in r.text and "Traceback" not in r.text and "boom" not in r.text
    r = client.get("/no/such/route")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


def test_import_upload_progress_report_and_rejected_rows(client: TestClient, world: World) -> None:
    content = plain_csv(40) + b"not-a-number,07700900001,yesterday,xx,?\n"
    r = upload(client, world.red_case, world.auth("analyst"), content, name="op red cdr.csv")
    assert r.status_code == 202, r.text
    accepted = r.json()
    assert accepted["file_name"] == "op red cdr.csv" and accepted["size"] == len(content)
    done = wait_for_import(client, world.red_case, accepted["import_id"], world.auth("analyst"))
    assert done["state"] == "done", done
    assert done["rows_done"] == done["rows_total"] == 41 and done["report"]
    rejected = client.get(f"/cases/{world.red_case}/imports/{accepted['import_id']}/rejected",
                          headers=world.auth("viewer"))  # fmt: skip
    assert rejected.status_code == 200 and rejected.headers["content-type"].startswith("text/csv")
    assert len(rejected.text.strip().splitlines()) >= 2
    listed = client.get(f"/cases/{world.red_case}/imports", headers=world.auth("viewer")).json()
    assert done["sha256"] in {i["sha256"] for i in listed["data"]}
    by_sha = client.get(f"/cases/{world.red_case}/imports/{done['sha256']}", headers=world.auth("viewer")).json()
    assert by_sha["state"] == "done" and by_sha["report"]


def test_oversized_upload_is_413_before_it_is_read(store: GraphStore, settings: Settings, world: World) -> None:
    small = settings.model_copy(update={"upload_max_bytes": 2000})
    with TestClient(create_app(small, store), raise_server_exceptions=False) as c:
        r = upload(c, world.red_case, world.auth("analyst"), plain_csv(200))
        assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"

        sent = 0

        def body() -> Any:  # no Content-Length: counted while it streams
            nonlocal sent
            boundary = b"XyZ"
            yield b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
            for _ in range(10_000):
                sent += 1
                yield b"x" * 1000
            yield b"\r\n--" + boundary + b"--\r\n"

        headers = {**world.auth("analyst"), "Content-Type": "multipart/form-data; boundary=XyZ"}
        r = c.post(f"/cases/{world.red_case}/imports", headers=headers, content=body())
        assert r.status_code == 413
        assert not any(small.home.joinpath("uploads", world.red_case).glob("*/big.csv"))
        r = c.post(f"/cases/{world.red_case}/imports", headers={**world.auth("analyst"), "Content-Type": "text/csv"},
                   content=b"a,b\n")  # fmt: skip
        assert r.status_code == 415


def test_path_traversal_through_file_names_is_impossible(client: TestClient, world: World, settings: Settings,
                                                         tmp_path: Path) -> None:  # fmt: skip
    before = {p for p in settings.home.rglob("*") if p.is_file()}
    for evil in ("../../../../tmp/evil.csv", "..\\..\\evil.csv", "/etc/passwd", "....//evil.csv", ".."):
        r = upload(client, world.red_case, world.auth("analyst"), plain_csv(3, offset=1000), name=evil)
        assert r.status_code == 202, r.text
        name = r.json()["file_name"]
        assert "/" not in name and "\\" not in name and not name.startswith(".")
        wait_for_import(client, world.red_case, r.json()["import_id"], world.auth("analyst"))
    home = settings.home.resolve()
    after = {p for p in settings.home.rglob("*") if p.is_file()}
    assert all(p.resolve().is_relative_to(home) for p in after - before)
    assert not Path("/tmp/evil.csv").exists() or Path("/tmp/evil.csv") in before
    r = client.get("/cases/..%2F..%2Fetc/entities", params={"q": "1"}, headers=world.auth("analyst"))
    assert r.status_code in (404, 422)
    r = client.get(f"/cases/{world.red_case}/imports/..%2F..%2Fpasswd/rejected", headers=world.auth("analyst"))
    assert r.status_code in (404, 422)


def test_disposal(client: TestClient, world: World, store: GraphStore, settings: Settings) -> None:
    case = f"DISPOSE-{world.suffix}"
    lead = world.auth("team-lead")
    assert client.post("/cases", json={"case_id": case, "team": world.red}, headers=lead).status_code == 201
    seed_case(store, case, RED_NUMBERS, imei="356938035643809", imsi="234100000000001", vrm="AB12CDE")
    r = upload(client, case, lead, plain_csv(10))
    wait_for_import(client, case, r.json()["import_id"], lead)
    evidence = settings.home / "evidence" / case
    assert any(p.is_file() for p in evidence.rglob("*"))

    assert client.delete(f"/cases/{case}", params={"reason": "RRD"}, headers=world.auth("analyst")).status_code == 403
    blue_lead = {"Authorization": f"Bearer {world.blue_tokens['team-lead']}"}
    assert client.delete(f"/cases/{case}", params={"reason": "RRD"}, headers=blue_lead).status_code == 404
    assert client.request("DELETE", f"/cases/{case}", headers=lead).status_code == 422

    r = client.request("DELETE", f"/cases/{case}", json={"reason": "RRD review 2026: no further action"}, headers=lead)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["nodes"]["Case"] == 1 and report["nodes"]["Number"] >= len(RED_NUMBERS)
    assert report["relationships"]["CALLED"] >= 24 and report["files"] >= 1

    left = store.run_statement(
        "CALL (*) { MATCH (n) WHERE n.case_id = $c AND NOT n:AuditRecord RETURN count(n) AS nodes } "
        "CALL (*) { MATCH ()-[r]->() WHERE r.case_id = $c RETURN count(r) AS rels } RETURN nodes, rels",
        {"c": case},
        write=False,
    )[0]
    assert left == {"nodes": 0, "rels": 0}
    assert not evidence.exists() and not (settings.home / "uploads" / case).exists()
    assert client.get(f"/cases/{case}", headers=lead).status_code == 404
    assert client.get(f"/cases/{case}/imports", headers=lead).status_code == 404
    actions = [r["action"] for r in audit.select_records(store, case_ids=[case])]
    assert actions[-3:] == ["case.dispose", "case.denied", "case.denied"]  # the later reads were refused
    record = [r for r in audit.select_records(store, case_ids=[case]) if r["action"] == "case.dispose"][-1]
    assert record["user"] == world.users["team-lead"] and record["result_count"] == report["total"]
    assert json.loads(record["params"])["nodes"]["Case"] == 1
    assert audit.verify_chain(store).ok

    # an admin needs no membership to dispose (it reads nothing)
    other = f"DISPOSE2-{world.suffix}"
    assert client.post("/cases", json={"case_id": other, "team": world.red}, headers=lead).status_code == 201
    r = client.delete(f"/cases/{other}", params={"reason": "duplicate case"}, headers=world.auth("admin"))
    assert r.status_code == 200 and r.json()["nodes"] == {"Case": 1}


def test_membership_changes_take_effect_at_once(client: TestClient, world: World) -> None:
    lead = world.auth("team-lead")
    viewer = world.users["viewer"]
    assert client.delete(f"/teams/{world.red}/members/{viewer}", headers=lead).status_code == 200
    try:
        assert client.get(f"/cases/{world.red_case}", headers=world.auth("viewer")).status_code == 404
    finally:
        assert client.post(f"/teams/{world.red}/members/{viewer}", headers=lead).status_code == 200
    assert client.get(f"/cases/{world.red_case}", headers=world.auth("viewer")).status_code == 200


def test_jwt_bearer_through_the_api(store: GraphStore, settings: Settings, world: World, tmp_path: Path) -> None:
    from test_auth import AUDIENCE, ISSUER, _keyset, make_jwt

    rsa_key, _, jwks = _keyset(tmp_path)
    oidc = settings.model_copy(update={"oidc_issuer": ISSUER, "oidc_audience": AUDIENCE, "oidc_jwks_file": jwks})
    with TestClient(create_app(oidc, store), raise_server_exceptions=False) as c:
        token = make_jwt(rsa_key, "rsa-1", preferred_username=world.users["analyst"])
        r = c.get(f"/cases/{world.red_case}", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        expired = make_jwt(rsa_key, "rsa-1", preferred_username=world.users["analyst"], exp=int(time.time()) - 600)
        r = c.get(f"/cases/{world.red_case}", headers={"Authorization": f"Bearer {expired}"})
        assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
        forged = token[:-8] + ("AAAAAAAA" if not token.endswith("AAAAAAAA") else "BBBBBBBB")
        assert c.get("/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_threads_for_blocking_work_follow_the_setting(store: GraphStore, settings: Settings) -> None:
    """``CSAS_API_THREADS`` bounds the threads that run sync routes and dependencies: beyond a few,
    they and the event loop (which releases each answer once its audit record commits) queue for
    the GIL."""
    for threads in (1, 3):
        configured = settings.model_copy(update={"api_threads": threads})
        with TestClient(create_app(configured, store)) as c:
            assert c.portal is not None
            limit = c.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
            assert c.get("/health").status_code == 200
        assert limit == threads


def test_metrics_and_structured_logs(client: TestClient, world: World) -> None:
    records: list[str] = []

    class Grab(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    from api.middleware import JsonFormatter

    grab = Grab()
    grab.setFormatter(JsonFormatter())
    logger = logging.getLogger("csas.api.access")
    logger.addHandler(grab)
    try:
        client.get(f"/cases/{world.red_case}", headers={**world.auth("viewer"), "X-Request-ID": "log-test-0001"})
    finally:
        logger.removeHandler(grab)
    entry = json.loads(records[-1])
    assert entry["request_id"] == "log-test-0001" and entry["user"] == world.users["viewer"]
    assert entry["endpoint"] == "/cases/{case_id}" and entry["status"] == 200 and entry["duration_ms"] > 0
    text = client.get("/metrics", headers=world.auth("admin")).text
    assert (
        f'csas_http_requests_total{{endpoint="/cases/{{case_id}}",method="GET",status="200",user="{world.users["viewer"]}"}}'
        in text
    )
    assert "csas_http_request_duration_seconds_bucket" in text and "csas_audit_write_seconds_sum" in text


def test_openapi_document_is_complete(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    paths = doc["paths"]
    for path in ("/cases", "/cases/{case_id}", "/cases/{case_id}/imports", "/cases/{case_id}/imports/{import_id}",
                 "/cases/{case_id}/imports/{import_id}/rejected", "/cases/{case_id}/entities", "/analyses",
                 "/cases/{case_id}/analyses/top-contacts", "/cases/{case_id}/exports/{fmt}", "/audit", "/audit/verify",
                 "/admin/users", "/admin/teams", "/teams/{team}/members/{username}", "/health", "/metrics",
                 "/version", "/me"):  # fmt: skip
        assert path in paths, path
    assert "multipart/form-data" in paths["/cases/{case_id}/imports"]["post"]["requestBody"]["content"]
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    body = paths["/cases/{case_id}/analyses/top-contacts"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"].endswith("/TopContactsParams")  # each analysis documents its parameters
    problem = paths["/cases/{case_id}"]["get"]["responses"]["404"]["content"]
    assert list(problem) == ["application/problem+json"]


@pytest.mark.slow
def test_csas_serve_listens_on_loopback_only_by_default(cli_env: dict[str, str]) -> None:
    import socket
    import subprocess
    import sys

    import httpx
    import psutil

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "csas_graph", "serve", "--port", str(port)], env=cli_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:] if proc.stderr else "exited"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "csas serve did not come up"
            time.sleep(0.5)
        listening = [
            c.laddr
            for c in psutil.Process(proc.pid).net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port
        ]
        assert listening and all(addr.ip == "127.0.0.1" for addr in listening), listening
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
