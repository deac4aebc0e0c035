"""The FastAPI application: lifespan (one graph store per process) and routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.routers import health
from csas_graph import __version__
from csas_graph.graph_store import GraphStore
from csas_graph.migrations import migrate
from csas_graph.settings import Settings, get_settings


def create_app(settings: Settings | None = None, store: GraphStore | None = None) -> FastAPI:
    """Build the app; tests pass their own settings and store."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        app.state.store = store or GraphStore.connect(settings)
        migrate(app.state.store)
        try:
            yield
        finally:
            if own:
                app.state.store.close()

    app = FastAPI(title="CSAS-graph", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    errors.install(app)
    app.include_router(health.router)
    return app
