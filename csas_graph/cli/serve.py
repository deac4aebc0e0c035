"""``csas serve`` and ``csas demo``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from csas_graph.cli import app
from csas_graph.settings import get_settings


@app.command()
def serve(
    host: str = typer.Option(None, help="Listen address (default 127.0.0.1: loopback only)."),
    port: int = typer.Option(None, help="Listen port (default 8000)."),
    workers: int = typer.Option(
        1,
        min=1,
        max=64,
        help="Server processes: one audit chain and result cache across them, 3 measured best on 2 cores; "
        "an import's progress is known only to the process that runs it.",
    ),
) -> None:
    """Serve the HTTP API and the web UI.

    Each worker appends its audit records itself, linked to the chain by Neo4j in the same
    statement (APOC core's ``apoc.util.sha256``). Where Neo4j lacks that function, a dedicated
    writer process (started here, restarted if it dies, shared by every worker) links and appends
    them. Either way a request is answered only once its record is committed.
    """
    import os
    import shutil
    import signal
    import tempfile

    import uvicorn

    from csas_graph.audit import links_in_database
    from csas_graph.audit_writer import SOCKET_ENV, WriterProcess
    from csas_graph.cli.common import open_store
    from csas_graph.migrations import migrate
    from csas_graph.result_cache import SHARED_DIR_ENV

    settings = get_settings()
    with open_store() as store:  # once, before the workers (each would otherwise race to migrate)
        migrate(store)
        linked = links_in_database(store)
    # the workers' shared analysis results: private (0700), in memory where there is /dev/shm
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
    _remove_orphaned_results(Path(shm))
    results = tempfile.mkdtemp(prefix=f"csas-results-{os.getpid()}-", dir=shm)
    writer = None if linked else WriterProcess().start()
    if writer is not None:
        os.environ[SOCKET_ENV] = writer.path  # the workers inherit it, and the results folder
    os.environ[SHARED_DIR_ENV] = results
    # uvicorn stops gracefully on SIGTERM and then raises it again under the handler it found:
    # make that handler an exit that runs the clean-up below, not a silent death
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        uvicorn.run(
            "api.main:create_app",
            factory=True,
            host=host or settings.api_host,
            port=port or settings.api_port,
            workers=workers,
            log_level="warning",
        )
    finally:
        if writer is not None:
            writer.stop()
        shutil.rmtree(results, ignore_errors=True)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _remove_orphaned_results(folder: Path) -> None:
    """Result folders of servers that ended without cleaning up (killed): case data must not linger."""
    import os
    import shutil

    import psutil

    for path in folder.glob("csas-results-*-*"):
        pid = path.name.split("-")[2]
        if pid.isdigit() and not psutil.pid_exists(int(pid)) and path.stat().st_uid == os.getuid():
            shutil.rmtree(path, ignore_errors=True)


@app.command()
def demo(
    folder: Path = typer.Option(Path("demo-case"), "--out", help="Where the sample case files are written."),
    case_id: str = typer.Option("DEMO-1", "--case", help="Case reference for the sample case."),
    seed: int = typer.Option(7, help="Generator seed."),
    rows: int = typer.Option(20_000, help="Approximate CDR rows to generate."),
    host: str = typer.Option(None, help="Listen address (default 127.0.0.1)."),
    port: int = typer.Option(None, help="Listen port (default 8000)."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Build the case, then exit."),
) -> None:
    """Generate a sample case, import it, and serve the API and UI."""
    from csas_graph.cli.common import open_store
    from csas_graph.demo import build_demo_case
    from csas_graph.migrations import migrate

    settings = get_settings()
    console = Console()
    with open_store() as store:
        migrate(store)
        console.print(f"Neo4j ready at {store.uri}")
        with console.status("importing") as status:
            demo_case = build_demo_case(
                store,
                settings,
                case_id=case_id,
                folder=folder,
                seed=seed,
                rows=rows,
                on_file=lambda name, i, n: status.update(f"importing {i}/{n}: {name}"),
            )
    loaded = sum(o.report.get("loaded", 0) for o in demo_case.outcomes)
    read = sum(o.report.get("rows_read", 0) for o in demo_case.outcomes)
    console.print(f"case {case_id}: {len(demo_case.outcomes)} files, {read:,} rows read, {loaded:,} loaded")
    url = f"http://{host or settings.api_host}:{port or settings.api_port}/"
    console.print(f"sign in at {url} with this token (shown once):\n{demo_case.token}")
    if not no_serve:
        serve(host=host, port=port, workers=1)
