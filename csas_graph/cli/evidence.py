"""``csas runs``, ``csas reproduce``, ``csas exhibit`` and ``csas export``: the evidence commands.

The acting user is ``--user`` (or ``CSAS_USER``); it must be a user known to CSAS-graph with a
role that allows the action (approving needs analyst or team-lead and must not be the author;
exporting and rendering are refused to viewers). Without it the caller is ``cli:<os user>``.
"""

from __future__ import annotations

import getpass
import hashlib
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from csas_graph.cli import app
from csas_graph.cli.common import echo_json, open_store, parse_params
from csas_graph.errors import InvalidInput

runs_app = typer.Typer(help="Analysis runs as records: record, list, show.", no_args_is_help=True)
exhibit_app = typer.Typer(help="Exhibits: create, edit, approve, render, show, list.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")
app.add_typer(exhibit_app, name="exhibit")

USER = typer.Option(None, "--user", "-u", envvar="CSAS_USER", help="Acting user (default: cli:<os user>).")


def acting_user(user: str | None) -> str:
    if user:
        return user
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


# ------------------------------------------------------------------------------------ runs
@runs_app.command("record")
def runs_record(
    name: str = typer.Argument(..., help="Analysis name (see `csas analyse --list`)."),
    case: str = typer.Option(..., "--case", "-c", help="Case reference."),
    param: list[str] = typer.Option([], "--param", "-p", help="NAME=VALUE (JSON values allowed)."),
    user: str = USER,
) -> None:
    """Run an analysis and record the run (parameters, data state, user, time, result hash)."""
    from csas_graph.runs import run_and_record

    with open_store() as store:
        result, run_id = run_and_record(store, case, name, parse_params(param), acting_user(user))
    typer.echo(f"recorded run {run_id}: {name} on {case}, {len(result.rows)} rows, result hash {result.hash}")


@runs_app.command("list")
def runs_list(
    case: str = typer.Option(..., "--case", "-c", help="Case reference."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The recorded runs of a case, newest first."""
    from csas_graph.runs import list_runs

    with open_store() as store:
        runs = list_runs(store, case)
    if as_json:
        echo_json(runs)
        return
    table = Table("run", "analysis", "user", "at", "rows", "result hash")
    for r in runs:
        table.add_row(r["run_id"], r["analysis"], r["user"], r["at"] or "", str(r["row_count"]), r["result_hash"][:16])
    Console().print(table)


@runs_app.command("show")
def runs_show(
    run_id: str = typer.Argument(...),
    with_result: bool = typer.Option(False, "--result", help="Include the stored result rows."),
) -> None:
    """One run record (JSON): parameters, data state, user, time and result hash."""
    from csas_graph.runs import get_run

    with open_store() as store:
        echo_json(get_run(store, run_id).as_dict(with_result=with_result))


@app.command("reproduce")
def reproduce_cmd(
    run_id: str = typer.Argument(..., help="The run to repeat, e.g. RUN-0123ABCD…"),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
    user: str = USER,
) -> None:
    """Re-run a recorded analysis; confirm the result hash or explain why it differs (exit 1)."""
    from csas_graph.runs import reproduce

    with open_store() as store:
        outcome = reproduce(store, run_id, user=acting_user(user))
    if as_json:
        echo_json(outcome.as_dict())
    else:
        for line in outcome.explanation:
            typer.echo(line)
    if not outcome.matches:
        raise typer.Exit(1)


# -------------------------------------------------------------------------------- exhibits
@exhibit_app.command("create")
def exhibit_create(
    case: str = typer.Option(..., "--case", "-c", help="Case reference."),
    ref: str = typer.Option(..., "--ref", help="Exhibit reference, e.g. JS/1."),
    run: list[str] = typer.Option(..., "--run", "-r", help="A recorded run to include (repeatable)."),
    title: str = typer.Option(None, help="Title."),
    notes: str = typer.Option(None, help="Notes shown under the title."),
    user: str = USER,
) -> None:
    """Create a draft exhibit (or the next version of a final one) over recorded runs."""
    from csas_graph.exhibits.review import create_exhibit

    with open_store() as store:
        exhibit = create_exhibit(store, case, ref, run, author=acting_user(user), title=title, notes=notes)
    typer.echo(f"created exhibit {exhibit.exhibit_id}: {exhibit.label} (draft)")


@exhibit_app.command("edit")
def exhibit_edit(
    exhibit_id: str = typer.Argument(...),
    run: list[str] = typer.Option(None, "--run", "-r", help="Replace the runs (repeatable)."),
    title: str = typer.Option(None, help="New title."),
    notes: str = typer.Option(None, help="New notes."),
    user: str = USER,
) -> None:
    """Edit a draft; editing a final exhibit creates its next version instead."""
    from csas_graph.exhibits.review import edit_exhibit

    with open_store() as store:
        exhibit = edit_exhibit(
            store, exhibit_id, editor=acting_user(user), title=title, notes=notes, run_ids=list(run) if run else None
        )
    typer.echo(f"exhibit {exhibit.exhibit_id}: {exhibit.label} ({exhibit.status})")


@exhibit_app.command("approve")
def exhibit_approve(exhibit_id: str = typer.Argument(...), user: str = USER) -> None:
    """Approve a draft as its second-person reviewer; records the final content hash."""
    from csas_graph.exhibits.review import approve_exhibit

    with open_store() as store:
        exhibit = approve_exhibit(store, exhibit_id, reviewer=acting_user(user))
    typer.echo(f"exhibit {exhibit.label} is final; approved by {exhibit.approved_by}; hash {exhibit.final_hash}")


@exhibit_app.command("render")
def exhibit_render(
    exhibit_id: str = typer.Argument(...),
    out: Path = typer.Option(Path("."), "--out", "-o", help="Directory for the HTML and PDF."),
    html_only: bool = typer.Option(False, "--html-only", help="Skip the PDF."),
    user: str = USER,
) -> None:
    """Render an exhibit as HTML and PDF; a final exhibit is checked against its approved hash."""
    from csas_graph.exhibits.render import render_exhibit

    if out.exists() and not out.is_dir():
        raise InvalidInput(f"--out {out} is not a directory", field="out")
    with open_store() as store:
        rendered = render_exhibit(store, exhibit_id, user=acting_user(user), pdf=not html_only)
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / f"{rendered.file_stem()}.html"
    html_path.write_text(rendered.html, encoding="utf-8")
    typer.echo(f"wrote {html_path}")
    if rendered.pdf is not None:
        pdf_path = out / f"{rendered.file_stem()}.pdf"
        pdf_path.write_bytes(rendered.pdf)
        typer.echo(f"wrote {pdf_path} (sha256 {hashlib.sha256(rendered.pdf).hexdigest()})")
    typer.echo(f"content hash {rendered.content_hash}")


@exhibit_app.command("show")
def exhibit_show(exhibit_id: str = typer.Argument(...)) -> None:
    """One exhibit record (JSON): status, versions, runs, reviewer and final hash."""
    from csas_graph.exhibits.review import get_exhibit

    with open_store() as store:
        echo_json(get_exhibit(store, exhibit_id).as_dict())


@exhibit_app.command("list")
def exhibit_list(
    case: str = typer.Option(..., "--case", "-c", help="Case reference."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The exhibits of a case with their versions and status."""
    from csas_graph.exhibits.review import list_exhibits

    with open_store() as store:
        exhibits = [e.as_dict() for e in list_exhibits(store, case)]
    if as_json:
        echo_json(exhibits)
        return
    table = Table("exhibit", "ref", "version", "status", "author", "approved by")
    for e in exhibits:
        table.add_row(e["exhibit_id"], e["ref"], str(e["version"]), e["status"], e["author"], e["approved_by"] or "")
    Console().print(table)


# --------------------------------------------------------------------------------- exports
@app.command("export")
def export_cmd(
    fmt: str = typer.Argument(..., help="graphml, anx, kml, csv, xlsx or ftm."),
    case: str = typer.Option(..., "--case", "-c", help="Case reference."),
    out: Path = typer.Option(None, "--out", "-o", help="Output file (default: <case>.<format> here)."),
    since: str = typer.Option(None, help="Events at or after this ISO time (with zone)."),
    until: str = typer.Option(None, help="Events before this ISO time (with zone)."),
    number: str = typer.Option(None, help="KML: the number whose movement to tour."),
    param: list[str] = typer.Option([], "--param", "-p", help="Other NAME=VALUE options."),
    user: str = USER,
) -> None:
    """Export a case for Gephi, i2, Google Earth, spreadsheets or Aleph (audited)."""
    from csas_graph.exports import export_case

    params = parse_params(param)
    params.update({k: v for k, v in {"since": since, "until": until, "number": number}.items() if v is not None})
    with open_store() as store:
        export = export_case(store, case, fmt, params, user=acting_user(user), client="cli")
    target = out or Path(export.filename)
    target.write_bytes(export.content)
    typer.echo(f"wrote {target}: {export.item_count} items, {len(export.content)} bytes, sha256 {export.sha256}")
