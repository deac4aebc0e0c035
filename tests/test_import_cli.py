"""``csas import`` end to end with the real reader: CLI output, re-import, kill -9 mid-import."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from csas_graph import importer
from csas_graph.errors import IngestError
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings

CSAS = [sys.executable, "-m", "csas_graph"]


def run_csas(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CSAS, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def plain_cdr(path: Path, rows: int, *, duplicate_every: int = 0) -> Path:
    """A plain-layout CDR (from, to, start, duration, cell) with ``rows`` distinct calls."""
    lines = ["from,to,start,duration,cell"]
    for i in range(rows):
        a = f"077009{(i % 997):05d}"
        b = f"077009{(i * 7 % 991) + 1000:05d}"
        day, sec = divmod(i, 86_000)
        h, rem = divmod(sec, 3600)
        start = f"2024-01-{1 + day % 28:02d} {h:02d}:{rem // 60:02d}:{rem % 60:02d}"
        lines.append(f"{a},{b},{start},{30 + i % 600},234-10-{1000 + i % 50}-{11 + i % 3}")
        if duplicate_every and i % duplicate_every == 0:
            lines.append(lines[-1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cli_import_shows_report_and_reimport_says_already_imported(
    store: GraphStore, cli_env: dict[str, str], case_id: str, tmp_path: Path
) -> None:
    path = plain_cdr(tmp_path / "calls.csv", 50, duplicate_every=10)
    first = run_csas(["import", "--case", case_id, str(path)], cli_env)
    assert first.returncode == 0, first.stderr
    assert "loaded" in first.stdout and "exact_duplicate" in first.stdout
    second = run_csas(["import", "--case", case_id, "--json", str(path)], cli_env)
    assert second.returncode == 0, second.stderr
    [outcome] = json.loads(second.stdout)
    assert outcome["already_imported"] is True
    assert outcome["report"]["rows_read"] == 55 and outcome["report"]["loaded"] == 50
    assert outcome["report"]["reasons"] == {"exact_duplicate": 5}
    third = run_csas(["import", "--case", case_id, str(path)], cli_env)
    assert "already imported" in third.stdout
    assert importer.event_counts(store, case_id)["called"] == 50


def test_cli_bad_file_is_one_clear_line_and_leaves_the_case_unchanged(
    store: GraphStore, cli_env: dict[str, str], case_id: str, tmp_path: Path
) -> None:
    good = plain_cdr(tmp_path / "good.csv", 5)
    assert run_csas(["import", "--case", case_id, str(good)], cli_env).returncode == 0
    before = importer.event_counts(store, case_id)
    for name, data in (("empty.csv", b""), ("garbage.bin", os.urandom(4096))):
        bad = tmp_path / name
        bad.write_bytes(data)
        proc = run_csas(["import", "--case", case_id, str(bad)], cli_env)
        assert proc.returncode != 0
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and name in lines[0], proc.stderr
        assert "Traceback" not in proc.stderr
    assert importer.event_counts(store, case_id) == before


def test_bad_file_through_the_api_names_the_file(
    store: GraphStore, settings: Settings, case_id: str, tmp_path: Path
) -> None:
    empty = tmp_path / "nothing.csv"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match="nothing.csv"):
        importer.import_file(store, case_id, empty, settings=settings)
    assert importer.list_sources(store, case_id) == []
    assert not list((settings.home / "evidence" / case_id).glob("[0-9a-f]*"))


@pytest.mark.slow
def test_kill_mid_import_then_rerun_gives_exact_counts(
    store: GraphStore, settings: Settings, cli_env: dict[str, str], case_id: str, tmp_path: Path
) -> None:
    rows = 40_000
    path = plain_cdr(tmp_path / "big.csv", rows)
    env = {**cli_env, "CSAS_INGEST_BATCH_SIZE": "500", "CSAS_INGEST_CHUNK_ROWS": "2000"}
    proc = subprocess.Popen([*CSAS, "import", "--case", case_id, str(path)], env=env, stdout=subprocess.DEVNULL)
    count_calls = "MATCH ()-[r:CALLED]->() WHERE r.case_id = $c RETURN count(r) AS n"
    deadline = time.monotonic() + 240
    partial = 0
    while time.monotonic() < deadline and proc.poll() is None:
        partial = store.run_statement(count_calls, {"c": case_id}, write=False)[0]["n"]
        if partial > 0:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the import finished before it could be killed; use a bigger file"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    after_kill = store.run_statement(count_calls, {"c": case_id}, write=False)[0]["n"]
    assert 0 < after_kill < rows
    # the partial load is marked: its file is 'loading' and every event in the case came from it
    [sf] = importer.list_sources(store, case_id)
    assert sf["status"] == "loading"
    # the next import into the case rolls it back first (the dead loader is detected) ...
    assert importer.recover_case(store, case_id) == [sf["sha256"]]
    assert importer.event_counts(store, case_id) == {
        "called": 0,
        "seen_at": 0,
        "read_at": 0,
        "numbers": 0,
        "cells": 0,
        "files": 0,
    }
    # ... and a rerun lands the whole file with the exact counts
    rerun = run_csas(["import", "--case", case_id, "--json", str(path)], env)
    assert rerun.returncode == 0, rerun.stderr
    [outcome] = json.loads(rerun.stdout)
    assert outcome["report"]["rows_read"] == rows and outcome["report"]["loaded"] == rows
    counts = importer.event_counts(store, case_id)
    assert counts["called"] == rows and counts["files"] == 1
    dupes = store.run_statement(
        "MATCH ()-[r:CALLED]->() WHERE r.case_id = $c WITH r.event_id AS e, count(*) AS n WHERE n > 1 "
        "RETURN count(*) AS n",
        {"c": case_id},
        write=False,
    )
    assert dupes == [{"n": 0}]
