"""The content of an exhibit report: deterministic plain data, hashed and then rendered.

Everything shown in the report comes from here, and nothing here depends on the clock, so the
same exhibit regenerates with identical content (only the "generated at" line of a rendering
changes). The content hash recorded at approval is SHA-256 over the canonical JSON of this
content; the review block (status, reviewer, time) is kept out of the hash.

Sources are those the exhibit's runs saw (their recorded data state), not whatever the case
holds today, so a later import does not change an exhibit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import cypher
from csas_graph.analyses.base import canonical_json
from csas_graph.cases import get_case
from csas_graph.exhibits import adapters
from csas_graph.exhibits.model import Exhibit
from csas_graph.graph_store import GraphStore
from csas_graph.runs import AnalysisRun, get_run, result_columns, source_files
from ingest.reasons import MERGES, REJECTS, Reason

#: the limitation statements every exhibit carries (FSR-C-135 uncertainty; College of Policing wording)
AT_OR_BEFORE = "A phone used this cell at or before the time shown."
SECTORS_NOT_COVERAGE = (
    "Sectors are illustrative, not coverage: a drawn sector shows the recorded azimuth and beamwidth "
    "of an antenna, not the area the cell serves nor where the phone was."
)
GENERAL_MOVEMENT = (
    "Cell data shows general movement, not a precise location: a phone may be served by a cell "
    "some distance from its site."
)
NOT_OPINION = (
    "This exhibit presents recorded data and the results of stated analyses; an opinion on where a "
    "person or phone was requires an expert (R v Calland [2017] EWCA Crim 2308)."
)
STANDARD_LIMITATIONS = (AT_OR_BEFORE, SECTORS_NOT_COVERAGE, GENERAL_MOVEMENT, NOT_OPINION)

#: how many result rows the report tabulates; every row is hashed and reproducible regardless
DEFAULT_MAX_ROWS = 200
_REASON_CODES = {r.value for r in Reason}


def build_content(store: GraphStore, exhibit: Exhibit, *, max_rows: int = DEFAULT_MAX_ROWS) -> dict[str, Any]:
    """The report's content for ``exhibit``: case, sources, rules, methods, results, hashes."""
    case = get_case(store, exhibit.case_id)
    runs = [get_run(store, run_id) for run_id in exhibit.run_ids]
    sources = _sources(store, exhibit.case_id, runs)
    cell_lists = _cell_lists(store, exhibit.case_id, sources)
    rules = _rules(case.timezone, cell_lists)
    analyses = [_analysis(store, run, max_rows) for run in runs]
    return {
        "case": {"case_id": case.case_id, "name": case.name, "timezone": case.timezone},
        "exhibit": {
            "exhibit_id": exhibit.exhibit_id,
            "ref": exhibit.ref,
            "version": exhibit.version,
            "title": exhibit.title,
            "author": exhibit.author,
            "contributors": sorted(exhibit.contributors),
            "notes": exhibit.notes,
            "supersedes": exhibit.supersedes,
        },
        "sources": sources,
        "cell_lists": cell_lists,
        "rules": rules,
        "analyses": analyses,
        "limitations": list(STANDARD_LIMITATIONS),
        "reproducibility": {
            "software_versions": sorted({str(r.data_state.get("software_version")) for r in runs}),
            "source_sha256": [s["sha256"] for s in sources],
            "runs": [
                {
                    "run_id": r.run_id,
                    "analysis": r.analysis,
                    "result_hash": r.result_hash,
                    "row_count": r.row_count,
                    "command": f"csas reproduce {r.run_id}",
                }
                for r in runs
            ],
        },
    }


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


# ----------------------------------------------------------------------------------- sources
def _sources(store: GraphStore, case_id: str, runs: list[AnalysisRun]) -> list[dict[str, Any]]:
    current = {f["sha256"]: f for f in source_files(store, case_id)}
    seen: dict[str, dict[str, Any]] = {}
    for run in runs:
        for src in run.data_state.get("sources", []):
            seen.setdefault(src["sha256"], src)
    out = []
    for sha in sorted(seen):
        recorded = seen[sha]
        now = current.get(sha, {})
        out.append(
            {
                "sha256": sha,
                "file_name": recorded.get("file_name") or now.get("file_name"),
                "kind": recorded.get("kind") or now.get("kind"),
                "template_id": recorded.get("template_id"),
                "template_version": recorded.get("template_version"),
                "software_version": recorded.get("software_version"),
                "rows_read": now.get("rows_read"),
                "rows_loaded": now.get("rows_loaded"),
                "rows_merged": now.get("rows_merged"),
                "rows_rejected": now.get("rows_rejected"),
                "reasons": reason_counts(now.get("report")),
                "in_case": sha in current,
            }
        )
    return out


def reason_counts(report: Any) -> list[dict[str, Any]]:
    """Reason-code counts found anywhere in a reconciliation report, with each code's outcome.

    The report's layout belongs to the loader; any mapping whose keys are all reason codes and
    whose values are counts is taken (merged over the whole report, largest first).
    """
    totals: dict[str, int] = {}
    for mapping in _reason_maps(report):
        for code, count in mapping.items():
            totals[code] = max(totals.get(code, 0), int(count))
    return [
        {"code": code, "outcome": _outcome(code), "count": count}
        for code, count in sorted(totals.items(), key=lambda kv: (_outcome_rank(kv[0]), -kv[1], kv[0]))
    ]


def _reason_maps(value: Any) -> Iterable[dict[str, Any]]:
    if isinstance(value, dict):
        if value and all(k in _REASON_CODES for k in value) and all(_is_count(v) for v in value.values()):
            yield value
            return
        for child in value.values():
            yield from _reason_maps(child)
    elif isinstance(value, list):
        for child in value:
            yield from _reason_maps(child)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _outcome(code: str) -> str:
    if code in REJECTS:
        return "rejected"
    if code in MERGES:
        return "merged"
    return "flagged"


def _outcome_rank(code: str) -> int:
    return {"rejected": 0, "merged": 1, "flagged": 2}[_outcome(code)]


def _cell_lists(store: GraphStore, case_id: str, sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = {s["sha256"]: s["file_name"] for s in sources}
    lists = []
    for row in store.read(cypher.load("evidence/cell_lists"), case_id=case_id):
        if row["sha256"] not in names:
            continue
        lists.append(
            {
                "sha256": row["sha256"],
                "file_name": names[row["sha256"]],
                "cells": row["cells"],
                "valid_from": _iso(row["valid_from"]),
                "valid_to": _iso(row["valid_to"]),
                "open_ended": row["open_ended"],
            }
        )
    return lists


def _rules(timezone: str, cell_lists: list[dict[str, Any]]) -> list[str]:
    rules = [
        f"Time zone: times are held in UTC and shown in UTC; the case's local time zone is {timezone}. "
        "Operator times given in local time were converted to UTC by the rule of each file's template; "
        "local times that occur twice (autumn) or never (spring) at a daylight-saving change are flagged "
        "(dst_ambiguous, dst_nonexistent), never silently resolved.",
        "De-duplication: every event has a content key (SHA-256 over case, type, parties, UTC start and "
        "duration). A row that repeats a loaded event (exact, mirrored in the other party's records, a "
        "further call leg or data-session partial, or an overlapping delivery) is merged into it and its "
        "source file and row are kept on the event; no row is dropped.",
        "Numbers are normalised to E.164; withheld, unknown, short-code and alphanumeric parties are kept "
        "as typed sentinels. A cell missing from every cell list is kept and flagged unresolved_cell.",
    ]
    if cell_lists:
        for cl in cell_lists:
            until = cl["valid_to"] or "open-ended"
            rules.append(
                f"Cell list {cl['file_name']} (SHA-256 {cl['sha256']}): {cl['cells']} cell configurations, "
                f"valid from {cl['valid_from'] or 'unknown'} to {until}; each event's cell was resolved "
                "against the configuration valid at the event's time."
            )
    else:
        rules.append("Cell list: none was loaded for the sources of this exhibit; cells are unresolved.")
    return rules


# ---------------------------------------------------------------------------------- analyses
def _analysis(store: GraphStore, run: AnalysisRun, max_rows: int) -> dict[str, Any]:
    spec = adapters.analysis_spec(run.analysis)
    rows = run.result.get("rows", [])
    columns = run.columns or result_columns(rows)
    evidence = sorted({e for r in rows for e in (r.get("evidence") or [])})
    return {
        "run_id": run.run_id,
        "analysis": run.analysis,
        "params": run.params,
        "user": run.user,
        "at": run.at,
        "result_hash": run.result_hash,
        "row_count": run.row_count,
        "method": spec["method"] or f"The registered analysis '{run.analysis}' (no method statement registered).",
        "limitations": spec["limitations"],
        "columns": columns,
        "rows": [[_cell(r.get(c)) for c in columns] for r in rows[:max_rows]],
        "rows_not_shown": max(0, len(rows) - max_rows),
        "excluded": len(run.result.get("excluded", [])),
        "evidence_events": len(evidence),
        "sources": [s["sha256"] for s in run.data_state.get("sources", [])],
        "cells": _event_cells(store, run.case_id, evidence),
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        if len(value) > 4:
            return "; ".join(str(v) for v in value[:3]) + f"; … ({len(value)} in all)"
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return canonical_json(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _event_cells(store: GraphStore, case_id: str, event_ids: list[str]) -> list[dict[str, Any]]:
    if not event_ids:
        return []
    rows = store.read(cypher.load("evidence/event_cells"), case_id=case_id, event_ids=event_ids)
    return [{**r, "valid_from": _iso(r["valid_from"]), "valid_to": _iso(r["valid_to"])} for r in rows]


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return str(value.iso_format() if hasattr(value, "iso_format") else value)
