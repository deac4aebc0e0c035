"""The evidence commands end to end: ``csas runs``, ``reproduce``, ``exhibit`` and ``export``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from test_evidence_support import A, add_import, make_users, seed_case

from csas_graph.graph_store import GraphStore

CSAS = [sys.executable, "-m", "csas_graph"]


def csas(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CSAS, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
def test_record_reproduce_exhibit_and_export_from_the_command_line(
    store: GraphStore, case_id: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    pytest.importorskip("csas_graph.analyses.registry")
    seed_case(store, case_id)
    users = make_users(store)

    done = csas(cli_env, "runs", "record", "top-contacts", "--case", case_id, "-p", f"number={A}", "-u", users.author)
    assert done.returncode == 0, done.stderr
    run_id = re.search(r"recorded run (RUN-[0-9A-F]+)", done.stdout).group(1)  # type: ignore[union-attr]

    done = csas(cli_env, "reproduce", run_id, "-u", users.reviewer)
    assert done.returncode == 0 and done.stdout.startswith("reproduced"), done.stdout + done.stderr

    done = csas(cli_env, "exhibit", "create", "--case", case_id, "--ref", "JS/1", "--run", run_id, "-u", users.author)
    assert done.returncode == 0, done.stderr
    exhibit_id = re.search(r"(EX-[0-9A-F]+)", done.stdout).group(1)  # type: ignore[union-attr]

    refused = csas(cli_env, "exhibit", "approve", exhibit_id, "-u", users.author)
    assert refused.returncode == 8 and "second person" in refused.stderr and "Traceback" not in refused.stderr
    refused = csas(cli_env, "exhibit", "approve", exhibit_id, "-u", users.viewer)
    assert refused.returncode == 8 and "viewer" in refused.stderr
    done = csas(cli_env, "exhibit", "approve", exhibit_id, "-u", users.lead)
    assert done.returncode == 0 and "is final" in done.stdout, done.stderr
    shown = json.loads(csas(cli_env, "exhibit", "show", exhibit_id).stdout)
    assert shown["status"] == "final" and shown["approved_by"] == users.lead and shown["final_hash"]

    done = csas(cli_env, "exhibit", "render", exhibit_id, "--out", str(tmp_path / "report"), "-u", users.reviewer)
    assert done.returncode == 0, done.stderr
    pdfs = list((tmp_path / "report").glob("*.pdf"))
    assert len(pdfs) == 1 and pdfs[0].read_bytes().startswith(b"%PDF")
    assert shown["final_hash"] in done.stdout

    out = tmp_path / "schedule.xlsx"
    done = csas(cli_env, "export", "xlsx", "--case", case_id, "--out", str(out), "-u", users.author)
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(out).sheetnames == ["Events", "Sources", "Notes"]
    refused = csas(cli_env, "export", "csv", "--case", case_id, "--out", str(tmp_path / "x.csv"), "-u", users.viewer)
    assert refused.returncode == 8 and not (tmp_path / "x.csv").exists()

    add_import(store, case_id)
    done = csas(cli_env, "reproduce", run_id, "-u", users.reviewer)
    assert done.returncode == 1 and "NOT reproduced" in done.stdout
    assert "file imported since the run: o2_cdr_0002.csv" in done.stdout
