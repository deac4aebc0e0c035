"""What several benchmarks share: a migrated graph store on a private ``CSAS_HOME``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def open_store(home: Path) -> Any:
    """Point the settings at ``home`` and open (starting if needed) its local Neo4j, migrated."""
    os.environ["CSAS_HOME"] = str(home)
    from csas_graph.graph_store import GraphStore
    from csas_graph.migrations import migrate
    from csas_graph.settings import get_settings

    get_settings.cache_clear()
    store = GraphStore.connect(get_settings())
    migrate(store)
    return store
