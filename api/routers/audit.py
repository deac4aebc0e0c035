"""The audit trail: export (admins: everything; team leads: their teams' cases) and verification."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import Auditor, CurrentUser, StoreDep
from api.schemas.audit import VerifyOut
from api.schemas.common import problems
from csas_graph import audit as trail
from csas_graph.auth import Principal, Role
from csas_graph.cases import list_cases
from csas_graph.errors import PermissionDenied
from csas_graph.graph_store import GraphStore

router = APIRouter(prefix="/audit", tags=["audit"], responses=problems(401, 403, 422, 503))

MEDIA = {"jsonl": "application/x-ndjson", "csv": "text/csv"}


@router.get(
    "",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}}, "description": "Audit records."}},
)
def export(
    principal: CurrentUser,
    store: StoreDep,
    audit: Auditor,
    case_id: Annotated[str | None, Query(max_length=64)] = None,
    user: Annotated[str | None, Query(max_length=64)] = None,
    format: Annotated[Literal["jsonl", "csv"], Query()] = "jsonl",
    after: Annotated[int, Query(ge=0, description="Only records after this seq.")] = 0,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
) -> StreamingResponse:
    """Audit records in chain order, filtered by case and/or user (JSONL or CSV)."""
    case_ids = _visible_cases(principal, store, case_id)
    records = list(trail.select_records(store, case_ids=case_ids, user=user, after=after, limit=limit))
    audit(
        "audit.export",
        case_id,
        {"user": user, "format": format, "after": after, "limit": limit},
        result_count=len(records),
    )
    name = f"audit-{case_id or 'all'}.{format}"
    return StreamingResponse(
        trail.export_records(records, format),
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/verify", response_model=VerifyOut)
def verify(principal: CurrentUser, store: StoreDep, audit: Auditor) -> VerifyOut:
    """Re-hash the whole chain; ``first_bad_seq`` names the first altered, deleted or inserted record."""
    if principal.role not in (Role.ADMIN, Role.TEAM_LEAD):
        raise PermissionDenied("only admins and team leads can verify the audit trail", role=principal.role)
    result = trail.verify_chain(store)
    audit("audit.verify", None, result_count=result.checked, result_hash=result.head_hash)
    return VerifyOut(**result.as_dict())


def _visible_cases(principal: Principal, store: GraphStore, case_id: str | None) -> list[str] | None:
    """``None`` (everything) for admins; the team lead's teams' cases; nobody else reads the trail."""
    if principal.is_admin:
        return [case_id] if case_id else None
    if principal.role != Role.TEAM_LEAD:
        raise PermissionDenied("only admins and team leads can read the audit trail", role=principal.role)
    mine = [c.case_id for c in list_cases(store, teams=list(principal.teams))]
    if case_id is not None:
        return [case_id] if case_id in mine else []
    return mine
