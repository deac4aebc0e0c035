"""Analysis runs as records, and ``csas reproduce``.

ACPO principle 3: "an independent third party should be able to examine those processes and
achieve the same result". Every run is stored as an ``(:AnalysisRun)`` holding the analysis name,
its canonical parameters, the *data state* it saw (the SHA-256 of every source file, the template
ids and versions and the ingest and software versions), the user, the time, the result hash and
the result itself (so an exhibit shows exactly the rows that were hashed).

:func:`reproduce` runs the analysis again and compares hashes. When they differ it says why, by
comparing the recorded data state with the current one: files imported since, files removed, a
source loaded with a different template version, or a different software version.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cypher
from csas_graph import __version__
from csas_graph.analyses.base import AnalysisResult, canonical_json
from csas_graph.errors import NotFound
from csas_graph.exhibits import adapters
from csas_graph.graph_store import GraphStore

Runner = Callable[[GraphStore, str, str, dict[str, Any]], AnalysisResult]

#: what identifies the data one source file contributed
_SOURCE_KEYS = ("sha256", "file_name", "kind", "template_id", "template_version", "software_version")


def source_files(store: GraphStore, case_id: str) -> list[dict[str, Any]]:
    """Every ``SourceFile`` of the case with counts and its parsed report, ordered by SHA-256."""
    files = []
    for row in store.read(cypher.load("evidence/source_files"), case_id=case_id):
        report = row.get("report")
        if isinstance(report, str):
            try:
                report = json.loads(report)
            except ValueError:
                report = {"unparsed": report}
        files.append({**row, "report": report, "imported_at": _iso(row.get("imported_at"))})
    return files


def data_state(store: GraphStore, case_id: str) -> dict[str, Any]:
    """The data an analysis of this case sees, as comparable plain values.

    Times of import are left out on purpose: re-importing the identical file adds nothing
    (events are content-keyed), so it does not change the state.
    """
    sources = [{k: f.get(k) for k in _SOURCE_KEYS} for f in source_files(store, case_id)]
    templates = sorted({f"{s['template_id']}@{s['template_version']}" for s in sources if s["template_id"]})
    ingest_versions = sorted({str(s["software_version"]) for s in sources if s["software_version"]})
    return {
        "sources": sources,
        "templates": templates,
        "ingest_versions": ingest_versions,
        "software_version": __version__,
    }


def new_run_id() -> str:
    return f"RUN-{uuid.uuid4().hex[:16].upper()}"


def record_run(store: GraphStore, result: AnalysisResult, user: str) -> str:
    """Store ``result`` as an ``AnalysisRun`` with the current data state; returns the run id.

    Call it right after the analysis, so the data state is the one the analysis saw.
    """
    run_id = new_run_id()
    store.write(
        cypher.load("evidence/run_create"),
        run_id=run_id,
        case_id=result.case_id,
        analysis=result.name,
        params=canonical_json(result.params),
        data_state=canonical_json(data_state(store, result.case_id)),
        user=user,
        result_hash=result.hash,
        row_count=len(result.rows),
        result_json=canonical_json(result.as_dict()),
        columns=result_columns(result.rows),
        software_version=__version__,
    )
    return run_id


def result_columns(rows: list[dict[str, Any]]) -> list[str]:
    """Column names in the order the analysis returned them (canonical JSON sorts them)."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)


def run_and_record(
    store: GraphStore, case_id: str, analysis: str, params: dict[str, Any], user: str
) -> tuple[AnalysisResult, str]:
    """Run a registered analysis and record the run (what ``csas analyse`` should call)."""
    result = adapters.run_analysis(store, case_id, analysis, params)
    return result, record_run(store, result, user)


@dataclass(frozen=True)
class AnalysisRun:
    """A recorded run as read back from the graph."""

    run_id: str
    case_id: str
    analysis: str
    params: dict[str, Any]
    data_state: dict[str, Any]
    user: str
    at: str | None
    result_hash: str
    row_count: int
    result: dict[str, Any]
    columns: list[str] = field(default_factory=list)

    def as_dict(self, with_result: bool = False) -> dict[str, Any]:
        data = {
            "run_id": self.run_id,
            "case_id": self.case_id,
            "analysis": self.analysis,
            "params": self.params,
            "data_state": self.data_state,
            "user": self.user,
            "at": self.at,
            "result_hash": self.result_hash,
            "row_count": self.row_count,
        }
        if with_result:
            data["result"] = self.result
        return data


def get_run(store: GraphStore, run_id: str) -> AnalysisRun:
    rows = store.read(cypher.load("evidence/run_get"), run_id=run_id)
    if not rows:
        raise NotFound(f"no analysis run {run_id}", run_id=run_id)
    r = rows[0]["run"]
    return AnalysisRun(
        run_id=r["run_id"],
        case_id=r["case_id"],
        analysis=r["analysis"],
        params=json.loads(r["params"]),
        data_state=json.loads(r["data_state"]),
        user=r["user"],
        at=_iso(r.get("at")),
        result_hash=r["result_hash"],
        row_count=int(r.get("row_count") or 0),
        result=json.loads(r["result_json"]) if r.get("result_json") else {},
        columns=list(r.get("columns") or []),
    )


def list_runs(store: GraphStore, case_id: str) -> list[dict[str, Any]]:
    runs = []
    for row in store.read(cypher.load("evidence/run_list"), case_id=case_id):
        run = dict(row["run"])
        run["params"] = json.loads(run["params"])
        run["at"] = _iso(run.get("at"))
        runs.append(run)
    return runs


@dataclass(frozen=True)
class Reproduction:
    """The outcome of re-running a recorded analysis."""

    run_id: str
    analysis: str
    case_id: str
    recorded_hash: str
    current_hash: str
    recorded_rows: int
    current_rows: int
    files_added: list[dict[str, Any]] = field(default_factory=list)
    files_removed: list[dict[str, Any]] = field(default_factory=list)
    template_changes: list[dict[str, Any]] = field(default_factory=list)
    software_change: dict[str, Any] | None = None
    rows_only_now: int = 0
    rows_only_then: int = 0

    @property
    def matches(self) -> bool:
        return self.recorded_hash == self.current_hash

    @property
    def explanation(self) -> list[str]:
        """Plain sentences: why the hash differs (or that it does not)."""
        if self.matches:
            return [f"reproduced: result hash {self.current_hash} is identical ({self.current_rows} rows)"]
        lines = [
            f"NOT reproduced: recorded hash {self.recorded_hash} ({self.recorded_rows} rows), "
            f"now {self.current_hash} ({self.current_rows} rows; {self.rows_only_now} rows only now, "
            f"{self.rows_only_then} rows only then)"
        ]
        for f in self.files_added:
            lines.append(f"file imported since the run: {f['file_name']} (sha256 {f['sha256']}, kind {f['kind']})")
        for f in self.files_removed:
            lines.append(f"file present at the run but no longer in the case: {f['file_name']} (sha256 {f['sha256']})")
        for t in self.template_changes:
            lines.append(
                f"template changed for {t['file_name']} (sha256 {t['sha256']}): {t['then']} at the run, {t['now']} now"
            )
        if self.software_change:
            lines.append(
                f"software version changed: {self.software_change['then']} at the run, "
                f"{self.software_change['now']} now"
            )
        if len(lines) == 1:
            lines.append(
                "the data state (source files, templates, software version) is unchanged; the case data "
                "was altered outside an import, or the analysis is not deterministic: investigate"
            )
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "analysis": self.analysis,
            "case_id": self.case_id,
            "matches": self.matches,
            "recorded_hash": self.recorded_hash,
            "current_hash": self.current_hash,
            "recorded_rows": self.recorded_rows,
            "current_rows": self.current_rows,
            "files_added": self.files_added,
            "files_removed": self.files_removed,
            "template_changes": self.template_changes,
            "software_change": self.software_change,
            "rows_only_now": self.rows_only_now,
            "rows_only_then": self.rows_only_then,
            "explanation": self.explanation,
        }


def reproduce(
    store: GraphStore,
    run_id: str,
    *,
    user: str,
    client: str = "cli",
    runner: Runner | None = None,
) -> Reproduction:
    """Re-run a recorded analysis with its recorded parameters and compare the result hash.

    Parameters
    ----------
    runner
        The analysis runner; default :func:`csas_graph.analyses.registry.run_analysis`.

    Notes
    -----
    The re-run is audited (action ``reproduce``). The comparison of data states explains a
    difference but cannot prove its cause: a file imported since is the likely cause of a new row.
    """
    run = get_run(store, run_id)
    run_fn = runner or adapters.run_analysis
    result = run_fn(store, run.case_id, run.analysis, run.params)
    now_state = data_state(store, run.case_id)
    outcome = compare(run, result, now_state)
    adapters.record_audit(
        store,
        user=user,
        action="reproduce",
        case_id=run.case_id,
        params={"run_id": run_id, "analysis": run.analysis, "matches": outcome.matches},
        result_count=len(result.rows),
        result_hash=result.hash,
        client=client,
    )
    return outcome


def compare(run: AnalysisRun, result: AnalysisResult, now_state: dict[str, Any]) -> Reproduction:
    """Compare a recorded run with a fresh result and the current data state (pure)."""
    then_sources = {s["sha256"]: s for s in run.data_state.get("sources", [])}
    now_sources = {s["sha256"]: s for s in now_state.get("sources", [])}
    added = [now_sources[k] for k in sorted(now_sources.keys() - then_sources.keys())]
    removed = [then_sources[k] for k in sorted(then_sources.keys() - now_sources.keys())]
    changes = []
    for sha in sorted(now_sources.keys() & then_sources.keys()):
        then_t = _template(then_sources[sha])
        now_t = _template(now_sources[sha])
        if then_t != now_t:
            changes.append({"sha256": sha, "file_name": now_sources[sha]["file_name"], "then": then_t, "now": now_t})
    software = None
    if run.data_state.get("software_version") != now_state.get("software_version"):
        software = {"then": run.data_state.get("software_version"), "now": now_state.get("software_version")}
    then_rows = {canonical_json(r) for r in run.result.get("rows", [])}
    now_rows = {canonical_json(r) for r in json.loads(canonical_json(result.rows))}
    return Reproduction(
        run_id=run.run_id,
        analysis=run.analysis,
        case_id=run.case_id,
        recorded_hash=run.result_hash,
        current_hash=result.hash,
        recorded_rows=run.row_count,
        current_rows=len(result.rows),
        files_added=added,
        files_removed=removed,
        template_changes=changes,
        software_change=software,
        rows_only_now=len(now_rows - then_rows),
        rows_only_then=len(then_rows - now_rows),
    )


def _template(source: dict[str, Any]) -> str:
    return f"{source.get('template_id')}@{source.get('template_version')} (ingest {source.get('software_version')})"


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return str(value.iso_format() if hasattr(value, "iso_format") else value)
