"""``csas import``: load source files into a case, with a progress bar and the reconciliation table."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from csas_graph.cli import app
from csas_graph.cli.common import echo_json, open_store
from csas_graph.errors import InvalidInput
from csas_graph.importer import ImportOutcome, import_file, order_files, run_post_import_hooks
from csas_graph.settings import get_settings


@app.command("import")
def import_(
    files: list[Path] = typer.Argument(..., help="Files to import (cell lists are loaded first, CDRs last)."),
    case: str = typer.Option(..., "--case", help="Case reference; created if it does not exist."),
    template: str = typer.Option(None, "--template", help="Built-in template name (default: detect)."),
    template_file: Path = typer.Option(None, "--template-file", help="A user template YAML file."),
    as_json: bool = typer.Option(False, "--json", help="Print the reports as JSON."),
    user: str = typer.Option("cli", "--user", help="Who is importing (recorded with each file)."),
) -> None:
    """Import files into a case: evidence copy, cleanse, load, and a reconciliation report per file."""
    # the server's "property key does not exist" notices (a fresh case) are not the user's business
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    if template and template_file:
        raise InvalidInput("give --template or --template-file, not both", field="template")
    settings = get_settings()
    console = Console(stderr=True)
    outcomes: list[ImportOutcome] = []
    with open_store() as store:
        ordered = order_files(files, template=template, template_file=template_file)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} rows/s"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=as_json or not console.is_terminal,
        ) as bar:
            try:
                for path in ordered:
                    task = bar.add_task(path.name, total=None, rate="-")
                    outcome = import_file(
                        store,
                        case,
                        path,
                        template=template,
                        template_file=template_file,
                        user=user,
                        settings=settings,
                        progress=_progress(bar, task),
                        run_hooks=False,
                    )
                    bar.remove_task(task)
                    outcomes.append(outcome)
                    if not as_json:
                        _print_outcome(Console(), outcome)
            finally:
                # analysis summaries refreshed once for the batch, not once per file
                run_post_import_hooks(store, case, outcomes)
    if as_json:
        echo_json([o.as_dict() for o in outcomes])


def _progress(bar: Progress, task: TaskID) -> Any:
    def update(done: int, total: int | None) -> None:
        elapsed = bar.tasks[bar.task_ids.index(task)].elapsed or 0.0
        rate = f"{done / elapsed:,.0f}" if elapsed > 0 else "-"
        bar.update(task, completed=done, total=total, rate=rate)

    return update


def _print_outcome(console: Console, outcome: ImportOutcome) -> None:
    r = outcome.report
    if outcome.already_imported:
        console.print(f"{outcome.file_name}: already imported into case {outcome.case_id} (sha256 {outcome.sha256})")
    table = Table(title=f"{outcome.file_name} ({r.get('kind', '?')}, template {r.get('template_id', '?')})")
    table.add_column("rows")
    table.add_column("count", justify="right")
    table.add_row("read", str(r.get("rows_read", 0)))
    table.add_row("loaded", str(r.get("loaded", 0)))
    table.add_row("merged", str(r.get("merged", 0)))
    table.add_row("rejected", str(r.get("rejected", 0)))
    for code, n in sorted((r.get("reasons") or {}).items()):
        table.add_row(f"  {code}", str(n))
    flags = r.get("flags") or {}
    if flags:
        table.add_section()
        for code, n in sorted(flags.items()):
            table.add_row(f"flag {code}", str(n))
    table.caption = f"sha256 {outcome.sha256}"
    console.print(table)
    if r.get("rejected"):
        from csas_graph.importer import rejected_rows_path

        console.print(f"rejected rows: {rejected_rows_path(get_settings(), outcome.case_id, outcome.sha256)}")
