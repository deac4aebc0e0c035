"""Create, edit and approve exhibits (FSR-C-135 checking and review).

An exhibit is a *draft* until a second person approves it: a user with the analyst or team-lead
role who neither created nor edited it. Approval records the reviewer, the time and the hash of
the exhibit's content, and is audited. A final exhibit never changes: editing it creates the next
version, a new draft that supersedes it and needs its own approval.
"""

from __future__ import annotations

import uuid
from typing import Any

import cypher
from csas_graph.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from csas_graph.exhibits import adapters
from csas_graph.exhibits.content import build_content, content_hash
from csas_graph.exhibits.model import Exhibit, from_row
from csas_graph.graph_store import GraphStore
from csas_graph.runs import get_run

#: roles that may create or edit an exhibit
AUTHOR_ROLES = frozenset({"admin", "team-lead", "analyst"})


def get_exhibit(store: GraphStore, exhibit_id: str) -> Exhibit:
    rows = store.read(cypher.load("evidence/exhibit_get"), exhibit_id=exhibit_id)
    if not rows:
        raise NotFound(f"no exhibit {exhibit_id}", exhibit_id=exhibit_id)
    return from_row(rows[0]["exhibit"])


def list_exhibits(store: GraphStore, case_id: str) -> list[Exhibit]:
    return [from_row(r["exhibit"]) for r in store.read(cypher.load("evidence/exhibit_list"), case_id=case_id)]


def exhibit_versions(store: GraphStore, case_id: str, ref: str) -> list[Exhibit]:
    """Every version of ``ref``, newest first."""
    rows = store.read(cypher.load("evidence/exhibit_versions"), case_id=case_id, ref=ref)
    return [from_row(r["exhibit"]) for r in rows]


def create_exhibit(
    store: GraphStore,
    case_id: str,
    ref: str,
    run_ids: list[str],
    *,
    author: str,
    title: str | None = None,
    notes: str | None = None,
    client: str = "cli",
) -> Exhibit:
    """A new draft exhibit over recorded runs of ``case_id``.

    If ``ref`` already has a final version, this becomes the next version; if it has a draft,
    edit that draft instead (:class:`Conflict`).
    """
    if not ref.strip():
        raise InvalidInput("an exhibit needs a reference, e.g. 'JS/1'", field="ref")
    adapters.require_role(store, author, AUTHOR_ROLES, "creating an exhibit")
    _check_runs(store, case_id, run_ids)
    versions = exhibit_versions(store, case_id, ref)
    if versions and not versions[0].is_final:
        raise Conflict(f"exhibit {ref} already has a draft ({versions[0].exhibit_id}); edit it instead", exhibit_id=ref)
    exhibit = _insert(store, case_id, ref, run_ids, author, title, notes, versions[0] if versions else None)
    _audit(store, author, "exhibit_create", exhibit, client)
    return exhibit


def edit_exhibit(
    store: GraphStore,
    exhibit_id: str,
    *,
    editor: str,
    title: str | None = None,
    run_ids: list[str] | None = None,
    notes: str | None = None,
    client: str = "cli",
) -> Exhibit:
    """Change a draft in place; a change to a final exhibit makes a new draft version instead."""
    adapters.require_role(store, editor, AUTHOR_ROLES, "editing an exhibit")
    current = get_exhibit(store, exhibit_id)
    if run_ids is not None:
        _check_runs(store, current.case_id, run_ids)
    if current.is_final:
        latest = exhibit_versions(store, current.case_id, current.ref)[0]
        if not latest.is_final:
            raise Conflict(f"exhibit {current.ref} already has a newer draft ({latest.exhibit_id}); edit that")
        exhibit = _insert(
            store,
            current.case_id,
            current.ref,
            list(run_ids if run_ids is not None else current.run_ids),
            editor,
            title if title is not None else current.title,
            notes if notes is not None else current.notes,
            latest,
        )
        _audit(store, editor, "exhibit_create", exhibit, client)
        return exhibit
    rows = store.write(
        cypher.load("evidence/exhibit_update"),
        exhibit_id=exhibit_id,
        title=title,
        run_ids=run_ids,
        notes=notes,
        editor=editor,
    )
    if not rows:  # approved between our read and our write
        raise Conflict(f"exhibit {exhibit_id} became final while being edited; edit again for a new version")
    exhibit = from_row(rows[0]["exhibit"])
    _audit(store, editor, "exhibit_edit", exhibit, client)
    return exhibit


def approve_exhibit(store: GraphStore, exhibit_id: str, *, reviewer: str, client: str = "cli") -> Exhibit:
    """Sign off a draft: a second person (not its author or an editor) with analyst/team-lead role.

    Records the reviewer, time and the content hash of the exhibit as approved; audited.
    """
    adapters.require_role(store, reviewer, adapters.APPROVER_ROLES, "approving an exhibit")
    exhibit = get_exhibit(store, exhibit_id)
    if exhibit.is_final:
        raise Conflict(f"exhibit {exhibit.label} is already final (approved by {exhibit.approved_by})")
    if reviewer in exhibit.contributors:
        raise PermissionDenied(
            f"user {reviewer!r} wrote or edited exhibit {exhibit.label}; a second person must approve it"
        )
    final_hash = content_hash(build_content(store, exhibit))
    rows = store.write(
        cypher.load("evidence/exhibit_approve"), exhibit_id=exhibit_id, reviewer=reviewer, final_hash=final_hash
    )
    if not rows:
        raise Conflict(f"exhibit {exhibit.label} was approved or changed concurrently")
    approved = from_row(rows[0]["exhibit"])
    _audit(store, reviewer, "exhibit_approve", approved, client, result_hash=final_hash)
    return approved


# ---------------------------------------------------------------------------------- internals
def _insert(
    store: GraphStore,
    case_id: str,
    ref: str,
    run_ids: list[str],
    author: str,
    title: str | None,
    notes: str | None,
    previous: Exhibit | None,
) -> Exhibit:
    exhibit_id = f"EX-{uuid.uuid4().hex[:12].upper()}"
    rows = store.write(
        cypher.load("evidence/exhibit_create"),
        exhibit_id=exhibit_id,
        case_id=case_id,
        ref=ref,
        version=(previous.version + 1) if previous else 1,
        title=title or ref,
        author=author,
        run_ids=list(run_ids),
        notes=notes,
        supersedes=previous.exhibit_id if previous else None,
    )
    if not rows:
        raise Conflict(f"exhibit {ref} gained a new version concurrently; try again")
    return get_exhibit(store, exhibit_id)


def _check_runs(store: GraphStore, case_id: str, run_ids: list[str]) -> None:
    if not run_ids:
        raise InvalidInput("an exhibit needs at least one analysis run (see `csas analyse`)", field="run_ids")
    for run_id in run_ids:
        run = get_run(store, run_id)
        if run.case_id != case_id:
            raise InvalidInput(f"run {run_id} belongs to case {run.case_id}, not {case_id}", field="run_ids")


def _audit(
    store: GraphStore, user: str, action: str, exhibit: Exhibit, client: str, result_hash: str | None = None
) -> dict[str, Any]:
    return adapters.record_audit(
        store,
        user=user,
        action=action,
        case_id=exhibit.case_id,
        params={"exhibit_id": exhibit.exhibit_id, "ref": exhibit.ref, "version": exhibit.version},
        result_count=len(exhibit.run_ids),
        result_hash=result_hash,
        client=client,
    )
