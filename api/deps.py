"""FastAPI dependencies: settings and the graph store (later: the current user and case)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> GraphStore:
    store: GraphStore = request.app.state.store
    return store


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StoreDep = Annotated[GraphStore, Depends(get_store)]
