"""``csas db``: the local Neo4j server, schema migrations and ad-hoc queries."""

from __future__ import annotations

import typer

from csas_graph.cli import app
from csas_graph.cli.common import echo_json, open_store, parse_params
from csas_graph.local_server import LocalServer
from csas_graph.migrations import migrate as apply_migrations
from csas_graph.settings import get_settings

db_app = typer.Typer(help="The graph database: start, stop, status, migrate, query.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command()
def start() -> None:
    """Start the local Neo4j (a no-op if it already runs)."""
    status = LocalServer(get_settings()).start()
    typer.echo(f"running pid={status.pid} uri={status.uri} data={status.data_dir}")


@db_app.command()
def stop() -> None:
    """Stop the local Neo4j cleanly."""
    was_running = LocalServer(get_settings()).stop()
    typer.echo("stopped" if was_running else "not running")


@db_app.command()
def status() -> None:
    """Say whether the local Neo4j runs, with its pid, Bolt URI and data directory."""
    settings = get_settings()
    if not settings.uses_local_server:
        typer.echo(f"external uri={settings.neo4j_uri} database={settings.neo4j_database}")
        return
    s = LocalServer(settings).status()
    state = "running" if s.running else "stopped"
    typer.echo(f"{state} pid={s.pid or '-'} uri={s.uri or '-'} data={s.data_dir}")
    if not s.running:
        raise typer.Exit(code=1)


@db_app.command()
def migrate() -> None:
    """Apply schema migrations (constraints and indexes); a no-op when up to date."""
    with open_store() as store:
        applied = apply_migrations(store)
    typer.echo("applied: " + ", ".join(applied) if applied else "schema up to date")


@db_app.command()
def query(
    statement: str = typer.Argument(..., help="One Cypher statement."),
    param: list[str] = typer.Option([], "--param", "-p", help="NAME=VALUE (JSON values accepted)."),
    write: bool = typer.Option(False, "--write", help="Allow the statement to write."),
) -> None:
    """Run one statement and print its rows as JSON (read-only unless --write)."""
    with open_store() as store:
        rows = store.run_statement(statement, parse_params(param), write=write)
    echo_json(rows)
