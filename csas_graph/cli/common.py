"""Helpers shared by the CLI modules: the store, JSON output and parameter parsing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

from csas_graph.errors import InvalidInput
from csas_graph.graph_store import GraphStore
from csas_graph.settings import get_settings


@contextmanager
def open_store() -> Iterator[GraphStore]:
    """The configured graph store (starting the local Neo4j when ``NEO4J_URI`` is unset)."""
    store = GraphStore.connect(get_settings())
    try:
        yield store
    finally:
        store.close()


def echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False))


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """``k=v`` pairs; a value that parses as JSON (number, list, true) is taken as that."""
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.isidentifier():
            raise InvalidInput(f"--param {pair!r}: expected NAME=VALUE", field="param")
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params
