"""Review, retention and disposal (RRD) of cases.

A case carries a ``review_date``; listings flag a case past it (:attr:`Case.past_review`).
Disposal, by a team lead or an admin with a reason, deletes every node and relationship carrying
the case id (and every relationship touching such a node), then the case's files under
``CSAS_HOME`` (evidence copies, rejected rows, uploads, exports), and finally checks that nothing
is left. It is audited twice: before anything is deleted (who, why) and after, with the counts.

Limitations
-----------
Audit records are kept: they are the proof of the disposal and carry the case id by design.
Deletion runs in batches, not one transaction, so an interrupted disposal leaves part of the
case; running it again finishes the job (the ``Case`` node is deleted last, so it can be found).
Copies outside ``CSAS_HOME`` (downloads, exhibits handed over) are out of reach.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cypher
from csas_graph.audit import record_audit
from csas_graph.cases import get_case, validate_case_id
from csas_graph.errors import IntegrityError, InvalidInput
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings

#: folders under CSAS_HOME that hold one sub-folder per case
CASE_FOLDERS = ("evidence", "rejected", "uploads", "exports", "exhibits", "imports")
BATCH = 10_000


@dataclass
class DisposalReport:
    """What a disposal removed."""

    case_id: str
    reason: str
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    files: int = 0
    folders: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.nodes.values()) + sum(self.relationships.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "reason": self.reason,
            "nodes": dict(sorted(self.nodes.items())),
            "relationships": dict(sorted(self.relationships.items())),
            "files": self.files,
            "folders": self.folders,
            "total": self.total,
        }


def dispose_case(
    store: GraphStore,
    settings: Settings,
    case_id: str,
    *,
    user: str,
    reason: str,
    client: str | None = None,
) -> DisposalReport:
    """Delete a case entirely and leave an audit record with the counts.

    Raises
    ------
    NotFound
        No such case.
    InvalidInput
        No reason (at least 3 characters) was given.
    IntegrityError
        Something of the case could not be removed.
    """
    validate_case_id(case_id)
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise InvalidInput("disposal needs a reason of at least 3 characters", field="reason")
    get_case(store, case_id)
    audit_params = {"reason": reason}
    record_audit(
        store,
        user=user,
        action="case.dispose.begin",
        case_id=case_id,
        params=audit_params,
        result_count=None,
        result_hash=None,
        client=client,
    )
    report = DisposalReport(case_id=case_id, reason=reason)
    _drain(store, "retention/delete_relationships", "type", report.relationships, case_id=case_id)
    _drain(store, "retention/delete_nodes", "label", report.nodes, case_id=case_id, include_case=False)
    _drain(store, "retention/delete_nodes", "label", report.nodes, case_id=case_id, include_case=True)
    report.files, report.folders = _delete_case_files(settings, case_id)
    left = store.read(cypher.load("retention/remaining"), case_id=case_id)[0]
    if left["nodes"] or left["relationships"]:
        raise IntegrityError(
            f"disposal of case {case_id} left {left['nodes']} nodes and {left['relationships']} relationships",
            case_id=case_id,
        )
    record_audit(
        store,
        user=user,
        action="case.dispose",
        case_id=case_id,
        params={**audit_params, **{k: v for k, v in report.as_dict().items() if k != "reason"}},
        result_count=report.total,
        result_hash=None,
        client=client,
    )
    return report


def _drain(store: GraphStore, query: str, key: str, counts: dict[str, int], **params: Any) -> None:
    while True:
        rows = store.write(cypher.load(query), batch=BATCH, **params)
        deleted = 0
        for row in rows:
            counts[row[key]] = counts.get(row[key], 0) + int(row["deleted"])
            deleted += int(row["deleted"])
        if deleted == 0:
            return


def case_folders(settings: Settings, case_id: str) -> list[Path]:
    """Every folder under ``CSAS_HOME`` that belongs to this case (existing or not)."""
    validate_case_id(case_id)
    home = settings.home.resolve()
    folders = []
    for name in CASE_FOLDERS:
        folder = (home / name / case_id).resolve()
        if folder.parent != (home / name).resolve():  # belt and braces: never outside its parent
            raise InvalidInput(f"case id {case_id!r} does not name a folder", field="case_id")
        folders.append(folder)
    return folders


def _delete_case_files(settings: Settings, case_id: str) -> tuple[int, list[str]]:
    files, removed = 0, []
    for folder in case_folders(settings, case_id):
        if not folder.exists():
            continue
        files += sum(1 for p in folder.rglob("*") if p.is_file())
        shutil.rmtree(folder)
        removed.append(str(folder))
    return files, removed
