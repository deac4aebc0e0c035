"""Domain errors to RFC 9457 problem+json, in one place. Never a stack trace or Cypher."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from csas_graph.audit import AuditUnavailable
from csas_graph.errors import CsasError

PROBLEM = "application/problem+json"
log = logging.getLogger("csas.api")


def problem_body(status: int, title: str, detail: str, path: str, request_id: str | None) -> dict[str, Any]:
    """The RFC 9457 members every problem answer carries."""
    return {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": path,
        "request_id": request_id,
    }


def problem(status: int, title: str, detail: str, request: Request, **extra: object) -> JSONResponse:
    body = problem_body(status, title, detail, str(request.url.path), getattr(request.state, "request_id", None))
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def install(app: FastAPI) -> None:
    _document_problems(app)

    @app.exception_handler(CsasError)
    async def _domain(request: Request, err: CsasError) -> JSONResponse:
        if err.http_status >= 500:
            log.error("request failed: %s", err, exc_info=err)
        context = {k: v for k, v in err.context.items() if isinstance(v, str | int | float | bool)}
        if err.http_status >= 500:  # the message may name internals (a server address, a query)
            return problem(err.http_status, err.title, _public_detail(err), request)
        return problem(err.http_status, err.title, err.message, request, **context)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, err: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": str(e.get("msg", ""))}
            for e in err.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "Invalid request", detail, request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> JSONResponse:
        title = {404: "Not found", 405: "Method not allowed"}.get(err.status_code, "HTTP error")
        return problem(err.status_code, title, str(err.detail), request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, err: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=err, extra={"request_id": getattr(request.state, "request_id", None)})
        return problem(500, "Internal error", "the server failed to handle this request", request)


#: what a client is told when its request could not be audited (so it was not answered)
AUDIT_FAILED = "the audit trail could not record this request, so it was not answered; try again later"


def _public_detail(err: CsasError) -> str:
    if isinstance(err, AuditUnavailable):
        return AUDIT_FAILED
    if err.http_status == 503:
        return "the graph database is unavailable; try again later"
    return "the server failed to handle this request"


def _document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document say what the handlers above send: errors as problem+json."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            for operations in doc.get("paths", {}).values():
                for operation in operations.values():
                    for status, response in operation.get("responses", {}).items():
                        content = response.get("content", {})
                        if status[:1] in "45" and "application/json" in content:
                            content[PROBLEM] = content.pop("application/json")
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
