"""Benchmark: the HTTP API under 20 concurrent clients on loopback, audit on, beside a peer.

Run: ``python -m bench.api [--clients 20] [--requests 25] [--rows 20000] [--home DIR] [--write-docs]``.
Not a test. A case of ``--rows`` CDR rows (plain CSV layout, 400 numbers) is imported once with
the real loader into ``--home`` (a CSAS_HOME of its own); later runs reuse it.

Measured, in one go:

* **api** - ``csas serve`` (uvicorn, its own process) on 127.0.0.1, ``--clients`` threads each
  with a keep-alive HTTP client sending ``--requests`` analysis requests (a mix of top-contacts,
  contacts, common-contacts and call-chains), each authenticated with an API token, case access
  checked, and audited before the answer (hash-chained, group commit). Requests/s, p50/p95
  latency, and the share of request time spent writing audit records (from the server's own
  ``/metrics`` histograms).
* **peer: in-process** - the same mix, the same threads, calling ``run_analysis`` directly: no
  HTTP, no authentication, no audit. The floor the API adds its overhead to.

The audit chain is verified at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import open_store

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
CASE, TEAM = "BENCH-API", "bench"
NUMBERS = 400


def number(i: int) -> str:
    return f"07700{900000 + i:06d}"


def e164(i: int) -> str:
    return "+44" + number(i)[1:]


def write_cdr(path: Path, rows: int) -> None:
    """A plain-CSV CDR: skewed contact pattern so that analyses have real work to do."""
    t0 = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("from,to,start,duration,cell\n")
        for i in range(rows):
            a = (i * 7) % NUMBERS if i % 3 else i % 20
            b = (a * 13 + i % 11 + 1) % NUMBERS
            t = (t0 + timedelta(seconds=41 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            fh.write(f"{number(a)},{number(b)},{t},{i % 600},234-10-{1000 + i % 7}-{11 + i % 40}\n")


def ensure_world(store: Any, home: Path, rows: int) -> str:
    """The case, team and an analyst token (a fresh token each run; the case is imported once)."""
    from csas_graph import auth, importer
    from csas_graph.cases import create_case
    from csas_graph.errors import Conflict

    for call in (lambda: auth.create_team(store, TEAM), lambda: create_case(store, CASE, team=TEAM)):
        try:
            call()
        except Conflict:
            pass
    for user, role in (("bench-analyst", "analyst"), ("bench-admin", "admin")):
        try:
            auth.create_user(store, user, role, teams=[TEAM] if role == "analyst" else [])
        except Conflict:
            pass
    loaded = store.run_statement(
        "MATCH (f:SourceFile {case_id: $c, status: 'complete'}) RETURN count(f) AS n", {"c": CASE}, write=False
    )[0]["n"]
    if not loaded:
        path = home / f"bench-cdr-{rows}.csv"
        write_cdr(path, rows)
        t0 = time.perf_counter()
        importer.import_file(store, CASE, path, template="plain_csv", user="bench")
        print(f"imported {rows} rows in {time.perf_counter() - t0:.1f} s")
    return auth.create_token(store, "bench-analyst", expires_days=1)


def light_mix() -> list[tuple[str, str, dict[str, Any] | None]]:
    """Cheap case requests (case read, entity search): what the HTTP, auth and audit layers cost."""
    return [
        ("GET", f"/cases/{CASE}", None),
        ("GET", f"/cases/{CASE}/entities?q=7700900{1:03d}&limit=20", None),
    ]


def analysis_requests() -> list[tuple[str, str, dict[str, Any] | None]]:
    return [("POST", f"/cases/{CASE}/analyses/{name}", params) for name, params in mix()]


def mix() -> list[tuple[str, dict[str, Any]]]:
    return [
        ("top-contacts", {"number": e164(1)}),
        ("contacts", {"numbers": [e164(2)], "hops": 1}),
        ("common-contacts", {"numbers": [e164(3), e164(4), e164(5)], "min_targets": 2}),
        ("call-chains", {"origin": e164(6), "max_hops": 3, "within_minutes": 30, "limit": 50}),
    ]


def run_threads(clients: int, requests: int, work: Callable[[int, int], None]) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        mine = []
        for i in range(requests):
            t = time.perf_counter()
            work(n, i)
            mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, latencies


def summary(label: str, wall: float, latencies: list[float]) -> dict[str, Any]:
    q = statistics.quantiles(latencies, n=100)
    return {
        "label": label,
        "requests": len(latencies),
        "rps": len(latencies) / wall,
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
    }


def metric_sum(text: str, name: str, endpoint: str | None = None) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "_sum") and (endpoint is None or f'endpoint="{endpoint}' in line):
            total += float(line.rsplit(" ", 1)[1])
    return total


def start_server(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``csas serve`` in its own process (as deployed), on a free loopback port."""
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "CSAS_HOME": str(home)}
    log = (home / "api-access.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "csas_graph", "serve", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"csas serve exited with {proc.returncode}; see {home / 'api-access.log'}")
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("csas serve did not come up")
        time.sleep(0.3)


def bench_api(
    home: Path,
    token: str,
    admin_token: str,
    clients: int,
    requests: int,
    jobs: list[tuple[str, str, dict[str, Any] | None]],
    label: str,
) -> dict[str, Any]:
    import httpx

    proc, base = start_server(home)
    sessions = [httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=300)
                for _ in range(clients)]  # fmt: skip
    admin = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin_token}"}, timeout=60)
    try:
        for method, path, body in jobs:  # warm-up (and a correctness check)
            r = sessions[0].request(method, path, json=body)
            assert r.status_code == 200, r.text
        before = admin.get("/metrics").text
        failures: list[int] = []

        def work(n: int, i: int) -> None:
            method, path, body = jobs[(n + i) % len(jobs)]
            r = sessions[n].request(method, path, json=body)
            if r.status_code != 200:
                failures.append(r.status_code)

        wall, latencies = run_threads(clients, requests, work)
        after = admin.get("/metrics").text
        assert not failures, f"{len(failures)} failed requests: {sorted(set(failures))}"
    finally:
        for c in sessions:
            c.close()
        admin.close()
        proc.terminate()
        proc.wait(timeout=30)
    request_s = metric_sum(after, "csas_http_request_duration_seconds", "/cases") - metric_sum(
        before, "csas_http_request_duration_seconds", "/cases"
    )
    audit_s = metric_sum(after, "csas_audit_write_seconds") - metric_sum(before, "csas_audit_write_seconds")
    result = summary(label, wall, latencies)
    result["audit_share"] = audit_s / request_s if request_s else float("nan")
    result["audit_ms_mean"] = audit_s / len(latencies) * 1000
    return result


def bench_peer(store: Any, clients: int, requests: int) -> dict[str, Any]:
    from csas_graph.analyses.registry import run_analysis

    jobs = mix()

    def work(n: int, i: int) -> None:
        name, params = jobs[(n + i) % len(jobs)]
        run_analysis(store, CASE, name, params)

    wall, latencies = run_threads(clients, requests, work)
    return summary("peer: analyses in-process, run_analysis (no HTTP, no auth, no audit)", wall, latencies)


def render(results: list[dict[str, Any]], args: argparse.Namespace, chain: Any) -> str:
    lines = [
        "## api",
        "",
        f"`python -m bench.api --clients {args.clients} --requests {args.requests} --rows {args.rows}` "
        f"on {datetime.now(UTC):%Y-%m-%d} (this machine: {os.cpu_count()} cores shared with the other "
        "builds; Neo4j local, loopback HTTP). A mix of top-contacts, contacts, common-contacts and "
        "call-chains on one imported case; every API request authenticated by token, case access "
        "checked and audited before the answer.",
        "",
        "| run | requests | requests/s | p50 ms | p95 ms | audit share of request time |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        share = f"{r['audit_share'] * 100:.1f}% ({r['audit_ms_mean']:.1f} ms/request)" if "audit_share" in r else "-"
        lines.append(
            f"| {r['label']} | {r['requests']} | {r['rps']:.1f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {share} |"
        )
    lines += [
        "",
        f"Audit chain verified after the run: {chain.ok} ({chain.checked} records). Targets: >= 200 "
        "requests/s and audit <= 10% of request time.",
        "",
    ]
    return "\n".join(lines)


def write_docs(section: str) -> None:
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## api\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    DOCS.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=15, help="Requests per client.")
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--home", type=Path, default=Path("/tmp/csas-bench-api"))
    ap.add_argument("--write-docs", action="store_true", help="Write the figures into docs/benchmarks.md.")
    args = ap.parse_args()
    args.home.mkdir(parents=True, exist_ok=True)
    store = open_store(args.home)
    try:
        from csas_graph import audit, auth

        token = ensure_world(store, args.home, args.rows)
        admin_token = auth.create_token(store, "bench-admin", expires_days=1)
        results = [
            bench_api(
                args.home,
                token,
                admin_token,
                args.clients,
                args.requests,
                analysis_requests(),
                "api: analyses (csas serve, HTTP, token auth, audit on)",
            ),
            bench_api(
                args.home,
                token,
                admin_token,
                args.clients,
                args.requests * 2,
                light_mix(),
                "api: case read + entity search (same layers, cheap queries)",
            ),
            bench_peer(store, args.clients, args.requests),
        ]
        chain = audit.verify_chain(store)
    finally:
        store.close()
    section = render(results, args, chain)
    print(section)
    if args.write_docs:
        write_docs(section)


if __name__ == "__main__":
    main()
