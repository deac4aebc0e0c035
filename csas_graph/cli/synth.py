"""``csas synth``: write a deterministic synthetic case (every layout plus truth.json)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from csas_graph.cli import app


@app.command("synth")
def synth(
    out: Path = typer.Option(..., "--out", help="Directory to write into (created if absent)."),
    seed: int = typer.Option(1, "--seed", help="Seed: the same seed gives byte-identical files."),
    rows: int = typer.Option(20_000, "--rows", help="Approximate total CDR rows across the layouts."),
    layouts: str = typer.Option(
        None,
        "--layouts",
        help=(
            "Comma-separated subset of: a,b,c,d,e,f,cells,anpr,subscribers (default all);"
            " opencellid adds an OpenCellID export."
        ),
    ),
) -> None:
    """Generate a synthetic case: town, population, planted facts, injected data-quality problems."""
    from csas_graph.synth.generate import generate

    chosen = [x.strip() for x in layouts.split(",") if x.strip()] if layouts else None
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("synth", total=None)
        truth = generate(out, seed, rows, chosen, progress=lambda msg: bar.update(task, description=msg))
    table = Table("file", "kind", "template", "rows", "loaded", "merged", "rejected")
    for name in truth["import_order"]:
        f = truth["files"][name]
        table.add_row(
            name, f["kind"], f["template"], str(f["rows_read"]), str(f["loaded"]), str(f["merged"]), str(f["rejected"])
        )
    console = Console()
    console.print(table)
    cdr = sum(f["rows_read"] for f in truth["files"].values() if f["kind"] == "cdr")
    console.print(
        f"{len(truth['files'])} files, {cdr:,} CDR rows, {len(truth['numbers'])} numbers, "
        f"{len(truth['targets'])} targets, seed {seed} -> {out}/truth.json"
    )
