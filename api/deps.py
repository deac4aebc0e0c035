"""FastAPI dependencies: settings, the graph store, the current user, case access and the auditor.

Route signatures read like prose::

    def read_case(case: CaseAccess, audit: Auditor) -> CaseDetail: ...

``CaseAccess`` answers 404 both for a case that does not exist and for another team's case, so
case ids cannot be probed; the attempt is still audited.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

import cypher
from api.jobs import ImportJobs
from api.metrics import Metrics
from csas_graph import auth, cases
from csas_graph.analyses.base import canonical_json
from csas_graph.audit import Ticket, record_audit, send_audit
from csas_graph.auth import Principal
from csas_graph.cases import CASE_ID, Case
from csas_graph.cases import _from_row as case_from_row
from csas_graph.errors import AuthenticationFailed, NotFound, PermissionDenied
from csas_graph.graph_store import GraphStore
from csas_graph.result_cache import ResultCache, state_key
from csas_graph.settings import Settings

bearer = HTTPBearer(
    auto_error=False,
    description="An API token (`csas token create`) or an OIDC access token (JWT, RS256/ES256).",
)


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> GraphStore:
    store: GraphStore = request.app.state.store
    return store


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


async def get_jobs(request: Request) -> ImportJobs:
    jobs: ImportJobs = request.app.state.jobs
    return jobs


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StoreDep = Annotated[GraphStore, Depends(get_store)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
JobsDep = Annotated[ImportJobs, Depends(get_jobs)]


def current_user(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller, from ``Authorization: Bearer <API token | JWT>``; 401 otherwise."""
    if credentials is None or not credentials.credentials:
        raise AuthenticationFailed("send 'Authorization: Bearer <token>'")
    token = credentials.credentials.strip()
    case_id = request.path_params.get("case_id")
    if auth.is_jwt(token):
        principal = auth.authenticate_jwt(token, settings, store)
    elif isinstance(case_id, str) and CASE_ID.match(case_id):
        # a case route: the token, the case and its data state in one round trip (see case_access)
        request.state.case_read_at = time.time()  # for the result cache (ResultCache.put's read_at)
        principal, case_row, sources = auth.authenticate_token_for_case(store, token, case_id)
        request.state.case_lookup = (case_id, case_row, sources)
    else:
        principal = auth.authenticate_token(store, token)
    request.state.username = principal.username
    return principal


CurrentUser = Annotated[Principal, Depends(current_user)]


@dataclass
class AuditContext:
    """Writes audit records for the current request: who, from where, under which request id."""

    store: GraphStore
    principal: Principal
    request: Request

    def __call__(
        self,
        action: str,
        case_id: str | None,
        params: dict[str, Any] | None = None,
        *,
        result_count: int | None = None,
        result_hash: str | None = None,
        wait: bool = False,
    ) -> None:
        """Write the record; the answer to the request is held until it is committed.

        During a request the record is handed to the writer and this returns at once: the
        request's answer is prepared meanwhile and :class:`api.middleware.RequestContext` releases
        it only once every record of the request is committed (or turns it into a 503). Outside a
        request (a background import) or with ``wait``, this returns once the record is committed.
        """
        state = self.request.state
        pending: list[Ticket] | None = getattr(state, "audit_pending", None)
        record: dict[str, Any] = {
            "user": self.principal.username,
            "action": action,
            "case_id": case_id,
            "params": params or {},
            "result_count": result_count,
            "result_hash": result_hash,
            "client": self.request.client.host if self.request.client else None,
            "request_id": getattr(state, "request_id", None),
        }
        start = time.perf_counter()
        try:
            if wait or pending is None:
                record_audit(self.store, **record)
            else:
                pending.append(send_audit(self.store, **record))
        finally:
            state.audit_seconds = getattr(state, "audit_seconds", 0.0) + time.perf_counter() - start


async def get_auditor(request: Request, store: StoreDep, principal: CurrentUser) -> AuditContext:
    return AuditContext(store, principal, request)


Auditor = Annotated[AuditContext, Depends(get_auditor)]

CaseIdPath = Annotated[str, Path(pattern=CASE_ID.pattern, max_length=64, description="The case reference.")]


async def case_access(
    request: Request, case_id: CaseIdPath, store: StoreDep, principal: CurrentUser, audit: Auditor
) -> Case:
    """The case, if the caller belongs to its team; otherwise 404 (audited as ``case.denied``).

    With an API token, :func:`current_user` has already read the case (and its data state) in the
    same query as the token, so the usual case needs no hop to a worker thread; with a JWT, or for
    a denial (audited), :func:`check_case_access` does the work in one.
    """
    lookup = getattr(request.state, "case_lookup", None)
    if lookup is not None and lookup[0] == case_id:
        case = _member_case(lookup, principal)
        if case is not None:
            return case
    return await run_in_threadpool(check_case_access, request, case_id, store, principal, audit)


def check_case_access(
    request: Request, case_id: str, store: GraphStore, principal: Principal, audit: AuditContext
) -> Case:
    """:func:`case_access` for callers in a worker thread."""
    lookup = getattr(request.state, "case_lookup", None)
    if lookup is None or lookup[0] != case_id:
        request.state.case_read_at = time.time()
        rows = store.read(cypher.load("api/case_state"), case_id=case_id)
        lookup = (case_id, rows[0]["case"], list(rows[0]["sources"] or [])) if rows else (case_id, None, [])
        request.state.case_lookup = lookup
    case = _member_case(lookup, principal)
    if case is None:
        audit("case.denied", case_id)
        raise NotFound(f"no case {case_id}", case_id=case_id)
    return case


def _member_case(lookup: tuple[str, dict[str, Any] | None, list[dict[str, Any]]], principal: Principal) -> Case | None:
    case = case_from_row(lookup[1]) if lookup[1] is not None else None
    return case if case is not None and principal.member_of(case.team) else None


CaseAccess = Annotated[Case, Depends(case_access)]


def _case_lookup(store: GraphStore, case_id: str) -> tuple[str, dict[str, Any] | None, list[dict[str, Any]]]:
    rows = store.read(cypher.load("api/case_state"), case_id=case_id)
    return (case_id, rows[0]["case"], list(rows[0]["sources"] or [])) if rows else (case_id, None, [])


def case_summary(request: Request, store: GraphStore, case: Case) -> dict[str, Any]:
    """The case with its file count and rows read, from the lookup :func:`case_access` made."""
    lookup = getattr(request.state, "case_lookup", None)
    if lookup is None or lookup[0] != case.case_id:
        return cases.case_summary(store, case.case_id)
    sources = lookup[2]
    rows_read = sum(int(s.get("rows_read") or 0) for s in sources)
    return {**case.as_dict(), "files": len(sources), "rows_read": rows_read}


async def case_data_state(request: Request, case: CaseAccess) -> str | None:
    """The result cache's data-state key of the accessed case (``None``: do not cache)."""
    lookup = request.state.case_lookup  # what case_access read (and checked) for this request
    return state_key(lookup[1], lookup[2])


CaseState = Annotated[str | None, Depends(case_data_state)]


async def get_result_cache(request: Request) -> ResultCache:
    cache: ResultCache = request.app.state.result_cache
    return cache


ResultCacheDep = Annotated[ResultCache, Depends(get_result_cache)]


def require_modify(principal: Principal, what: str) -> None:
    """Viewers read; they cannot import, export, create, change or delete."""
    if not principal.can_modify:
        raise PermissionDenied(f"viewers cannot {what}", role=principal.role)


async def require_admin(principal: CurrentUser) -> Principal:
    if not principal.is_admin:
        raise PermissionDenied("only admins can do this", role=principal.role)
    return principal


AdminUser = Annotated[Principal, Depends(require_admin)]


#: Neo4j stores UTC offsets of at most 18 hours; a later one would fail inside a query (a 500)
MAX_UTC_OFFSET = timedelta(hours=18)


def reject_unstorable_times(model: BaseModel, where: str = "body") -> None:
    """422 naming each datetime parameter whose UTC offset Neo4j cannot hold (beyond ±18:00)."""
    errors = []
    for name, value in model:
        for item in value if isinstance(value, list | tuple) else [value]:
            offset = item.utcoffset() if isinstance(item, datetime) else None
            if offset is not None and abs(offset) > MAX_UTC_OFFSET:
                errors.append({"type": "value_error", "loc": (where, name), "msg": "UTC offset must be within ±18:00"})
    if errors:
        raise RequestValidationError(errors)


def result_digest(value: Any) -> str:
    """SHA-256 of the canonical JSON of a response's data: the ``result_hash`` of its audit record."""
    import hashlib

    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
