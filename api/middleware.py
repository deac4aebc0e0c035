"""Request context: a request id on every request and response, JSON access logs, metrics."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import AUDIT_FAILED, PROBLEM, problem_body
from api.metrics import Metrics
from csas_graph.audit import REQUEST_ID, AuditUnavailable, Ticket

access_log = logging.getLogger("csas.api.access")
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and any ``extra={"fields": …}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry["request_id"] = getattr(record, "request_id", None) or REQUEST_ID.get()
        entry.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__  # the type only: logs never carry Cypher
        return orjson.dumps(entry, default=str).decode("utf-8")  # one a request: cheaper than json


def configure_logging() -> None:
    """Send the API's loggers to stderr as JSON lines (once)."""
    root = logging.getLogger("csas.api")
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False


class RequestContext:
    """Pure ASGI middleware (cheaper than ``BaseHTTPMiddleware``) around every HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        state = scope.setdefault("state", {})
        state.update(request_id=request_id, audit_seconds=0.0, username="anonymous", audit_pending=[])
        status = 500
        replaced = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, replaced
            if replaced:
                return  # the app's answer was withheld: its audit record was not written
            if message["type"] == "http.response.start":
                failed = await _audit_committed(state) is not None
                if failed:
                    message, body = _audit_failed(scope, request_id)
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers.append("X-Request-ID", request_id)
                headers.append("Server-Timing", _server_timing(state, time.perf_counter() - start))
                if failed:
                    await send(message)
                    await send(body)
                    replaced = True
                    return
            await send(message)

        token = REQUEST_ID.set(request_id)
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            await _audit_committed(state)  # nothing goes out before the request's records commit
            raise
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            endpoint = getattr(route, "path", None) or "unmatched"
            user = str(state.get("username") or "anonymous")
            audit_s = float(state.get("audit_seconds") or 0.0)
            self.metrics.observe(scope["method"], endpoint, status, user, elapsed, audit_s)
            if state.get("result_cache"):
                self.metrics.result_cache.labels(state["result_cache"]).inc()
            client = scope.get("client")
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "fields": {
                        "method": scope["method"],
                        "path": scope["path"],
                        "endpoint": endpoint,
                        "status": status,
                        "user": user,
                        "client": client[0] if client else None,
                        "duration_ms": round(elapsed * 1000, 2),
                        "audit_ms": round(audit_s * 1000, 2),
                    },
                },
            )
            REQUEST_ID.reset(token)


async def _audit_committed(state: dict[str, Any]) -> AuditUnavailable | None:
    """Wait until every audit record of the request is committed; the error if one was not.

    Afterwards the request's records are written synchronously (none is pending any more).
    """
    tickets: list[Ticket] = state.get("audit_pending") or []
    state["audit_pending"] = None
    if not tickets:
        return None
    start = time.perf_counter()
    loop = asyncio.get_running_loop()
    failure: AuditUnavailable | None = None
    for ticket in tickets:
        if not ticket.done.is_set():
            arrived = loop.create_future()
            ticket.on_done(lambda f=arrived: loop.call_soon_threadsafe(_settle, f))
            try:
                await asyncio.wait_for(arrived, ticket.timeout_s)
            except TimeoutError:
                failure = AuditUnavailable(f"the audit writer did not answer within {ticket.timeout_s:.0f} s")
                continue
        try:
            ticket.result()
        except AuditUnavailable as err:
            failure = err
    state["audit_seconds"] = float(state.get("audit_seconds") or 0.0) + time.perf_counter() - start
    state["audit_commit_seconds"] = max(t.settled_at - t.sent_at for t in tickets)
    if failure is not None:
        access_log.error("audit record not written: %s", failure, extra={"request_id": state.get("request_id")})
    return failure


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _audit_failed(scope: Scope, request_id: str) -> tuple[Message, Message]:
    """A 503 problem answer in place of one whose audit record could not be written."""
    body = json.dumps(problem_body(503, "Service unavailable", AUDIT_FAILED, scope["path"], request_id)).encode()
    headers = [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(body)).encode())]
    start: Message = {"type": "http.response.start", "status": 503, "headers": headers}
    return start, {"type": "http.response.body", "body": body, "more_body": False}


def _server_timing(state: dict[str, Any], elapsed: float) -> str:
    """``Server-Timing``: time in the app; of that, the time the answer waited for its audit records
    (``audit``: handing them over, then waiting for the commit once the answer was ready); and the
    records' latency from hand-over to commit (``auditcommit``, mostly overlapping the preparation
    of the answer).

    Per response, so that a client (``bench.api``) can measure the audit share across several
    server processes; the analysis result cache outcome rides along when there is one.
    """
    timing = f"app;dur={elapsed * 1000:.2f}, audit;dur={float(state.get('audit_seconds') or 0.0) * 1000:.2f}"
    if "audit_commit_seconds" in state:  # from hand-over to commit, mostly while the answer was prepared
        timing += f", auditcommit;dur={state['audit_commit_seconds'] * 1000:.2f}"
    outcome = state.get("result_cache")
    return f"{timing}, cache;desc={outcome}" if outcome else timing


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _INCOMING_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex
