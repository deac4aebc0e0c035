"""Analyses: the catalogue, and running one on a case with validated parameters."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.deps import AuditContext, Auditor, CaseAccess, CurrentUser, StoreDep, reject_unstorable_times
from api.schemas.analyses import AnalysisCatalogue, AnalysisInfo, AnalysisResultOut
from api.schemas.common import problems
from csas_graph.cases import Case
from csas_graph.errors import NotFound
from csas_graph.graph_store import GraphStore

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


def _execute(
    name: str, case: Case, store: GraphStore, audit: AuditContext, params: dict[str, Any]
) -> AnalysisResultOut:
    """Validate (422 naming each bad field), run, audit; the one path every analysis request takes."""
    analysis = _registry().get(name)
    if analysis is None:
        raise NotFound(f"no analysis {name}", analysis=name)
    try:
        validated = analysis.params_model.model_validate(params)
    except ValidationError as err:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e.get("loc", ()))} for e in err.errors(include_url=False, include_context=False)]
        ) from None
    reject_unstorable_times(validated)
    from csas_graph.analyses.registry import run_analysis

    # run_analysis validates again and records the parameters it resolved (defaults included)
    result = run_analysis(store, case.case_id, name, params)
    audit(
        "analysis.run",
        case.case_id,
        {"analysis": name, "params": result.params},
        result_count=len(result.rows),
        result_hash=result.hash,
    )
    return AnalysisResultOut(**result.as_dict(), evidence=result.evidence)


def _documented_route(name: str, analysis: Any) -> None:
    """``POST /cases/{case_id}/analyses/<name>`` with the analysis' own parameter model as body.

    The OpenAPI document then states each analysis' parameters exactly (and schemathesis
    generates them); the handler is the same as the generic route's.
    """
    model = analysis.params_model
    required = any(f.is_required() for f in model.model_fields.values())

    def endpoint(case: Case, store: GraphStore, audit: AuditContext, params: Any = None) -> AnalysisResultOut:
        body = params.model_dump(mode="json", exclude_unset=True) if params is not None else {}
        return _execute(name, case, store, audit, body)

    body_param = inspect.Parameter(
        "params",
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[model, Body()] if required else Annotated[model | None, Body()],
        **({} if required else {"default": None}),
    )
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("case", inspect.Parameter.KEYWORD_ONLY, annotation=CaseAccess),
            inspect.Parameter("store", inspect.Parameter.KEYWORD_ONLY, annotation=StoreDep),
            inspect.Parameter("audit", inspect.Parameter.KEYWORD_ONLY, annotation=Auditor),
            body_param,
        ],
        return_annotation=AnalysisResultOut,
    )
    router.add_api_route(
        f"/cases/{{case_id}}/analyses/{name}",
        endpoint,
        methods=["POST"],
        response_model=AnalysisResultOut,
        responses=problems(404),
        summary=f"Run {name}",
        description=f"{analysis.summary}\n\n**Method.** {getattr(analysis, 'method', '') or '-'}",
        operation_id=f"run_{name.replace('-', '_')}",
    )


for _name, _analysis in sorted(_registry().items()):
    _documented_route(_name, _analysis)


@router.post(
    "/cases/{case_id}/analyses/{name}",
    response_model=AnalysisResultOut,
    responses=problems(404),
    include_in_schema=False,  # each analysis has its own documented route above; this serves the rest
)
def run(
    name: AnalysisName,
    case: CaseAccess,
    store: StoreDep,
    audit: Auditor,
    params: Annotated[dict[str, Any] | None, Body(description="The analysis' parameters (see GET /analyses).")] = None,
) -> AnalysisResultOut:
    """Run an analysis; the result carries its parameters, result hash and evidence references."""
    return _execute(name, case, store, audit, params or {})
