"""The FastAPI application: lifespan (one graph store per process), middleware and routers."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from api import errors
from api.jobs import ImportJobs
from api.metrics import Metrics
from api.middleware import RequestContext, configure_logging
from api.routers import admin, analyses, audit, cases, charts, entities, exports, health, imports, ui
from csas_graph import __version__
from csas_graph.audit import InDatabaseWriter, links_in_database, route_records
from csas_graph.audit_writer import SOCKET_ENV, RemoteWriter
from csas_graph.graph_store import GraphStore
from csas_graph.migrations import migrate
from csas_graph.result_cache import SHARED_DIR_ENV, ResultCache
from csas_graph.settings import Settings, get_settings

#: measured with ``bench.api``: 0.5 ms instead of 5 ms gave about 30% more cheap requests/s
GIL_SWITCH_INTERVAL_S = 0.0005

DESCRIPTION = """
Cell site analysis over Neo4j. Every request that touches case data is written to a
hash-chained audit trail before it is answered. Authenticate with `Authorization: Bearer <token>`
(an API token from `csas token create`, or an OIDC access token). A case of another team answers
404. Errors are RFC 9457 `application/problem+json`.
"""


def create_app(
    settings: Settings | None = None, store: GraphStore | None = None, audit_socket: str | None = None
) -> FastAPI:
    """Build the app; tests pass their own settings and store.

    Audit records go to the dedicated writer process listening on ``audit_socket`` when there is
    one (passed, or the one ``csas serve`` started and named in ``CSAS_AUDIT_SOCKET``, which it does
    only where Neo4j cannot link records itself). Otherwise each is appended and linked by Neo4j in
    one statement from the request's thread (:class:`~csas_graph.audit.InDatabaseWriter`), or, where
    Neo4j lacks ``apoc.util.sha256``, by this process' group writer.
    """
    settings = settings or get_settings()
    audit_socket = audit_socket or os.environ.get(SOCKET_ENV)
    configure_logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Request threads mostly wait on Neo4j; a short GIL switch interval lets a thread whose
        # answer (or audit commit) has arrived run sooner than the default 5 ms allows.
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        # Sync dependencies and routes run on this loop's worker threads: a few, so that the loop
        # itself (which answers once the audit record commits) is not queued behind them for the GIL
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.api_threads
        own = store is None
        app.state.store = store or GraphStore.connect(settings)
        migrate(app.state.store)
        remote = RemoteWriter(audit_socket, loop=asyncio.get_running_loop()) if audit_socket else None
        writer = remote or (InDatabaseWriter(app.state.store) if links_in_database(app.state.store) else None)
        if writer is not None:
            route_records(app.state.store, writer)
        try:
            yield
        finally:
            app.state.jobs.shutdown()
            if writer is not None:
                route_records(app.state.store, None)
            if remote is not None:
                remote.close()
            if own:
                app.state.store.close()

    app = FastAPI(title="CSAS-graph", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.jobs = ImportJobs()
    app.state.result_cache = ResultCache(shared_dir=os.environ.get(SHARED_DIR_ENV))
    if store is not None:  # usable without running the lifespan (e.g. schema tools)
        app.state.store = store
    errors.install(app)
    app.add_middleware(RequestContext, metrics=app.state.metrics)
    app.include_router(health.router)
    app.include_router(admin.router)
    app.include_router(cases.router)
    app.include_router(imports.router)
    app.include_router(entities.router)
    app.include_router(analyses.router)
    app.include_router(exports.router)
    app.include_router(audit.router)
    app.include_router(charts.router)
    app.include_router(ui.router)
    return app
