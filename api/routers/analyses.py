"""Analyses: the catalogue, and running one on a case with validated parameters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.deps import Auditor, CaseAccess, CurrentUser, StoreDep, reject_unstorable_times
from api.schemas.analyses import AnalysisCatalogue, AnalysisInfo, AnalysisResultOut
from api.schemas.common import problems
from csas_graph.errors import NotFound

router = APIRouter(tags=["analyses"], responses=problems(401, 403, 422, 503))

AnalysisName = Annotated[
    str, Path(pattern=r"^[a-z][a-z0-9_-]{0,63}$", description="An analysis name from GET /analyses.")
]


def _registry() -> dict[str, Any]:
    try:
        from csas_graph.analyses.registry import ANALYSES
    except ImportError:  # no analyses installed in this build
        return {}
    return dict(ANALYSES)


@router.get("/analyses", response_model=AnalysisCatalogue)
def catalogue(principal: CurrentUser) -> AnalysisCatalogue:
    """Every analysis: name, summary, method, limitations and the JSON schema of its parameters."""
    data = [
        AnalysisInfo(
            name=name,
            summary=a.summary,
            method=getattr(a, "method", None),
            limitations=list(getattr(a, "limitations", None) or []),
            params_schema=a.params_model.model_json_schema(),
        )
        for name, a in sorted(_registry().items())
    ]
    return AnalysisCatalogue(data=data, count=len(data))


@router.post(
    "/cases/{case_id}/analyses/{name}",
    response_model=AnalysisResultOut,
    responses=problems(404),
)
def run(
    name: AnalysisName,
    case: CaseAccess,
    store: StoreDep,
    audit: Auditor,
    params: Annotated[dict[str, Any] | None, Body(description="The analysis' parameters (see GET /analyses).")] = None,
) -> AnalysisResultOut:
    """Run an analysis; the result carries its parameters, result hash and evidence references."""
    analysis = _registry().get(name)
    if analysis is None:
        raise NotFound(f"no analysis {name}", analysis=name)
    try:
        validated = analysis.params_model.model_validate(params or {})  # 422 naming each bad field
    except ValidationError as err:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e.get("loc", ()))} for e in err.errors(include_url=False, include_context=False)]
        ) from None
    reject_unstorable_times(validated)
    from csas_graph.analyses.registry import run_analysis

    # run_analysis validates again and records the parameters it resolved (defaults included)
    result = run_analysis(store, case.case_id, name, params or {})
    audit(
        "analysis.run",
        case.case_id,
        {"analysis": name, "params": result.params},
        result_count=len(result.rows),
        result_hash=result.hash,
    )
    return AnalysisResultOut(**result.as_dict(), evidence=result.evidence)
