"""Analyses: the catalogue, and running one on a case with validated parameters."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Path, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.deps import (
    AuditContext,
    Auditor,
    CaseAccess,
    CaseState,
    CurrentUser,
    ResultCacheDep,
    StoreDep,
    reject_unstorable_times,
)
from api.schemas.analyses import AnalysisCatalogue, AnalysisInfo, AnalysisResultOut
from api.schemas.common import problems
from csas_graph.analyses.base import AnalysisResult
from csas_graph.analyses.base import _default as json_default
from csas_graph.cases import Case
from csas_graph.errors import NotFound
from csas_graph.graph_store import GraphStore
from csas_graph.result_cache import CachedResult, ResultCache, make_key

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
    name: str,
    case: Case,
    store: GraphStore,
    audit: AuditContext,
    params: dict[str, Any],
    cache: ResultCache,
    state: str | None,
) -> Response:
    """Validate (422 naming each bad field), run or reuse, audit; the path every analysis request takes.

    A result is reused from the cache only for the same case, analysis, validated parameters and
    data-state key (see :mod:`csas_graph.result_cache`); a reused result is audited exactly like a
    fresh one (its parameters, row count and result hash), before the answer.
    """
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
    key = make_key(case.case_id, name, validated.model_dump(mode="json"), state) if state else None
    found = cache.get(key) if key else None
    audit.request.state.result_cache = "off" if key is None else "hit" if found else "miss"
    if found is not None:
        _audit_run(audit, name, case, found.params, found.row_count, found.result_hash)
        return Response(found.body, media_type="application/json")
    from csas_graph.analyses.registry import run_analysis

    # run_analysis validates again and records the parameters it resolved (defaults included)
    result = run_analysis(store, case.case_id, name, params)
    digest = result.hash  # canonical JSON of every row: computed once
    # handed to the audit writer first: the answer is rendered while the record commits
    _audit_run(audit, name, case, result.params, len(result.rows), digest)
    found = CachedResult(render_result(result, digest), result.params, digest, len(result.rows))
    if key is not None:
        # under the state read before the analysis: a load that began meanwhile changed the state
        # for good (the case's loads_begun), so this entry can then never be found again; and not
        # at all if the case was disposed of meanwhile
        cache.put(key, found, read_at=getattr(audit.request.state, "case_read_at", 0.0))
    return Response(found.body, media_type="application/json")


#: sorted keys (as in the canonical JSON the result hash is taken over); times through json_default
_RENDER_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def render_result(result: AnalysisResult, digest: str) -> bytes:
    """The :class:`AnalysisResultOut` document of ``result``, rendered once to JSON bytes.

    orjson straight from the rows: no pydantic validation or re-serialisation of row lists (the
    shape is fixed here, and the OpenAPI document states it through ``response_model``). Values
    JSON cannot hold natively are written as in the canonical JSON the result hash is taken over
    (times as ISO 8601, sets sorted, models dumped), so the answer shows what was hashed.
    """
    document = {
        "analysis": result.name,
        "case_id": result.case_id,
        "params": result.params,
        "result_hash": digest,
        "row_count": len(result.rows),
        "rows": result.rows,
        "evidence": result.evidence,
        "excluded": result.excluded,
        "extra": result.extra,
    }
    return orjson.dumps(document, default=json_default, option=_RENDER_OPTIONS)


def _audit_run(audit: AuditContext, name: str, case: Case, params: Any, rows: int, result_hash: str) -> None:
    audit(
        "analysis.run", case.case_id, {"analysis": name, "params": params}, result_count=rows, result_hash=result_hash
    )


def _documented_route(name: str, analysis: Any) -> None:
    """``POST /cases/{case_id}/analyses/<name>`` with the analysis' own parameter model as body.

    The OpenAPI document then states each analysis' parameters exactly (and schemathesis
    generates them); the handler is the same as the generic route's.
    """
    model = analysis.params_model
    required = any(f.is_required() for f in model.model_fields.values())

    def endpoint(
        case: Case, store: GraphStore, audit: AuditContext, cache: ResultCache, state: str | None, params: Any = None
    ) -> Response:
        body = params.model_dump(mode="json", exclude_unset=True) if params is not None else {}
        return _execute(name, case, store, audit, body, cache, state)

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
            inspect.Parameter("cache", inspect.Parameter.KEYWORD_ONLY, annotation=ResultCacheDep),
            inspect.Parameter("state", inspect.Parameter.KEYWORD_ONLY, annotation=CaseState),
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
    cache: ResultCacheDep,
    state: CaseState,
    params: Annotated[dict[str, Any] | None, Body(description="The analysis' parameters (see GET /analyses).")] = None,
) -> Response:
    """Run an analysis; the result carries its parameters, result hash and evidence references."""
    return _execute(name, case, store, audit, params or {}, cache, state)
