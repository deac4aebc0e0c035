"""Liveness, readiness and version."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import StoreDep
from csas_graph import __version__

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: str
    neo4j: bool


class VersionOut(BaseModel):
    name: str
    version: str


@router.get("/health", response_model=HealthOut)
def health(store: StoreDep) -> HealthOut:
    """Whether the API runs and Neo4j answers."""
    try:
        ok = store.ping()
    except Exception:  # noqa: BLE001 - health reports, it does not raise
        ok = False
    return HealthOut(status="ok" if ok else "degraded", neo4j=ok)


@router.get("/version", response_model=VersionOut)
def version() -> VersionOut:
    return VersionOut(name="csas-graph", version=__version__)
