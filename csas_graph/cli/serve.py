"""``csas serve`` and ``csas demo``."""

from __future__ import annotations

import typer

from csas_graph.cli import app
from csas_graph.settings import get_settings


@app.command()
def serve(
    host: str = typer.Option(None, help="Listen address (default 127.0.0.1: loopback only)."),
    port: int = typer.Option(None, help="Listen port (default 8000)."),
) -> None:
    """Serve the HTTP API and the web UI."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level="info",
    )


@app.command()
def demo(
    host: str = typer.Option(None, help="Listen address (default 127.0.0.1)."),
    port: int = typer.Option(None, help="Listen port (default 8000)."),
) -> None:
    """Start Neo4j, migrate, and serve the API and UI."""
    from csas_graph.cli.common import open_store
    from csas_graph.migrations import migrate

    with open_store() as store:
        applied = migrate(store)
        typer.echo(f"Neo4j ready at {store.uri}; migrations applied: {len(applied)}")
    serve(host=host, port=port)
