"""Cases: list, create, read, update and dispose of (RRD)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from api.deps import (
    Auditor,
    CaseAccess,
    CaseIdPath,
    CurrentUser,
    JobsDep,
    ResultCacheDep,
    SettingsDep,
    StoreDep,
    case_summary,
    check_case_access,
    require_modify,
    result_digest,
)
from api.schemas.cases import CaseCreate, CaseDetail, CaseDispose, CaseList, CaseOut, CaseUpdate, DisposalOut
from api.schemas.common import problems
from csas_graph import cases
from csas_graph.errors import InvalidInput, NotFound, PermissionDenied
from csas_graph.retention import dispose_case

router = APIRouter(prefix="/cases", tags=["cases"], responses=problems(401, 403, 404, 422, 503))


@router.get("", response_model=CaseList)
def list_cases(principal: CurrentUser, store: StoreDep, audit: Auditor) -> CaseList:
    """The caller's teams' cases, oldest first; those past their review date are flagged."""
    found = [CaseOut(**c.as_dict()) for c in cases.list_cases(store, teams=list(principal.teams))]
    ids = [c.case_id for c in found]
    audit("case.list", None, {"teams": list(principal.teams)}, result_count=len(found), result_hash=result_digest(ids))
    return CaseList(data=found, count=len(found), past_review=sum(c.past_review for c in found))


@router.post("", response_model=CaseOut, status_code=201, responses=problems(409))
def create_case(body: CaseCreate, principal: CurrentUser, store: StoreDep, audit: Auditor) -> CaseOut:
    """Create a case for one of the caller's teams."""
    require_modify(principal, "create cases")
    if not principal.member_of(body.team):
        raise PermissionDenied(f"you are not a member of team {body.team}", team=body.team)
    audit("case.create", body.case_id, body.model_dump(mode="json"))
    case = cases.create_case(
        store,
        body.case_id,
        name=body.name,
        team=body.team,
        review_date=body.review_date,
        timezone=body.timezone,
        created_by=principal.username,
    )
    return CaseOut(**case.as_dict())


@router.get("/{case_id}", response_model=CaseDetail, responses=problems(404))
def read_case(case: CaseAccess, store: StoreDep, audit: Auditor) -> CaseDetail:
    """One case with its file and row counts."""
    summary = case_summary(audit.request, store, case)
    audit("case.read", case.case_id, result_count=1, result_hash=result_digest(summary))
    return CaseDetail(**summary)


@router.patch("/{case_id}", response_model=CaseOut, responses=problems(404))
def update_case(body: CaseUpdate, case: CaseAccess, principal: CurrentUser, store: StoreDep, audit: Auditor) -> CaseOut:
    """Rename a case or move its review date."""
    require_modify(principal, "change cases")
    changes = body.model_dump(mode="json", exclude_unset=True)
    if not changes:
        raise InvalidInput("nothing to change: give name and/or review_date", field="body")
    audit("case.update", case.case_id, changes)
    updated = cases.update_case(store, case.case_id, name=body.name, review_date=body.review_date)
    return CaseOut(**updated.as_dict())


@router.delete("/{case_id}", response_model=DisposalOut, responses=problems(404))
def dispose(
    case_id: CaseIdPath,
    principal: CurrentUser,
    store: StoreDep,
    settings: SettingsDep,
    jobs: JobsDep,
    audit: Auditor,
    result_cache: ResultCacheDep,
    reason: Annotated[str | None, Query(min_length=3, max_length=2000, description="Why (or in the body).")] = None,
    body: Annotated[CaseDispose | None, Body()] = None,
) -> DisposalOut:
    """Dispose of a case for good: every node, relationship and evidence file.

    The case team's lead may dispose of it, and so may an admin (who needs no membership:
    disposal reads nothing). Anyone else who cannot see the case gets 404.
    """
    case = _case_for_disposal(case_id, store, principal, audit)
    if not principal.leads(case.team or ""):
        raise PermissionDenied("only the case team's lead or an admin can dispose of a case", role=principal.role)
    why = (body.reason if body else None) or reason
    if not why:
        raise InvalidInput("disposal needs a reason (query 'reason' or body {'reason': ...})", field="reason")
    client = audit.request.client.host if audit.request.client else None
    report = dispose_case(store, settings, case.case_id, user=principal.username, reason=why, client=client)
    jobs.forget_case(case.case_id)
    result_cache.forget_case(case.case_id)
    return DisposalOut(**report.as_dict())


def _case_for_disposal(case_id: str, store: StoreDep, principal: CurrentUser, audit: Auditor) -> cases.Case:
    if principal.is_admin:
        try:
            return cases.get_case(store, case_id)
        except NotFound:
            audit("case.denied", case_id)
            raise
    return check_case_access(audit.request, case_id, store, principal, audit)
