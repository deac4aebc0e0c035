"""Apply the schema migrations in ``cypher/migrations/`` in order, idempotently."""

from __future__ import annotations

import cypher
from csas_graph.graph_store import GraphStore


def applied_versions(store: GraphStore) -> set[int]:
    return {int(row["version"]) for row in store.read(cypher.load("schema_version"))}


def migrate(store: GraphStore) -> list[str]:
    """Apply every migration not yet recorded; returns the names applied (empty: a no-op)."""
    done = applied_versions(store)
    applied = []
    for migration in cypher.migrations():
        if migration.version in done:
            continue
        for statement in migration.statements:
            # schema commands cannot share a transaction with data writes, so one each
            store.run_statement(statement, {}, write=True)
        store.write(cypher.load("record_migration"), version=migration.version, name=migration.name)
        applied.append(f"{migration.version:04d}_{migration.name}")
    return applied
