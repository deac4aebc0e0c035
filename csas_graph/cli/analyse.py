"""``csas analyse``: run a registered analysis on a case and print its rows, parameters and hash."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from csas_graph.analyses.registry import ANALYSES, get_analysis, run_analysis
from csas_graph.cli import app
from csas_graph.cli.common import echo_json, open_store, parse_params
from csas_graph.errors import InvalidInput


@app.command("analyse")
def analyse(
    name: str = typer.Argument(None, help="Analysis name (see --list)."),
    case: str = typer.Option(None, "--case", "-c", help="Case reference."),
    param: list[str] = typer.Option([], "--param", "-p", help="NAME=VALUE; lists comma-separated or JSON."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole result as JSON."),
    as_csv: bool = typer.Option(False, "--csv", help="Print the rows as CSV."),
    list_: bool = typer.Option(False, "--list", help="List the analyses and their parameters."),
    user: str = typer.Option(None, "--user", "-u", envvar="CSAS_USER", help="Acting user (default: cli:<os user>)."),
) -> None:
    """Run an analysis: rows (a table by default), the parameters used and the result hash."""
    if list_:
        _print_list(as_json)
        return
    if not name:
        raise InvalidInput("give an analysis name, or --list", field="name")
    if not case:
        raise InvalidInput("--case is required", field="case")
    if as_json and as_csv:
        raise InvalidInput("--json and --csv are exclusive", field="format")
    get_analysis(name)  # unknown names fail before the database is touched
    from csas_graph.audit import record_audit
    from csas_graph.cli.users import cli_user
    from csas_graph.runs import record_run

    acting = user or cli_user()
    with open_store() as store:
        result = run_analysis(store, case, name, parse_params(param))
        # every run is a record (csas reproduce RUN_ID) and an audited use, before anything is shown
        run_id = record_run(store, result, acting)
        record_audit(
            store,
            user=acting,
            action="analysis",
            case_id=case,
            params={"analysis": name, "run_id": run_id, **result.params},
            result_count=len(result.rows),
            result_hash=result.hash,
            client="cli",
        )
    if as_json:
        echo_json({**result.as_dict(), "run_id": run_id})
        return
    if as_csv:
        typer.echo(rows_csv(result.rows), nl=False)
        return
    console = Console()
    table = Table(*_columns(result.rows), title=f"{name} on {case}: {len(result.rows)} rows")
    for row in result.rows:
        table.add_row(*(_cell(row.get(c)) for c in _columns(result.rows)))
    console.print(table)
    if result.excluded:
        console.print(
            f"excluded (supernodes): {', '.join(e['number'] + ' (' + e['reason'] + ')' for e in result.excluded)}"
        )
    console.print(f"params: {json.dumps(result.as_dict()['params'], sort_keys=True)}")
    console.print(f"result hash: {result.hash}")
    console.print(f"run id: {run_id} (csas reproduce {run_id})")


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    cols: list[str] = []
    for row in rows:
        cols += [k for k in row if k not in cols]
    return cols


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 60 else text[:57] + "..."
    return str(value)


def rows_csv(rows: list[dict[str, Any]]) -> str:
    """Rows as CSV; list and dict cells as JSON (evidence as ``;``-joined ids)."""
    buf = io.StringIO()
    cols = _columns(rows)
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    for row in rows:
        out = []
        for c in cols:
            v = row.get(c)
            if c == "evidence" and isinstance(v, list):
                out.append(";".join(v))
            elif isinstance(v, list | dict):
                out.append(json.dumps(v, ensure_ascii=False, sort_keys=True))
            else:
                out.append("" if v is None else v)
        writer.writerow(out)
    return buf.getvalue()


def _print_list(as_json: bool) -> None:
    if as_json:
        echo_json([a.describe() for a in ANALYSES.values()])
        return
    for a in ANALYSES.values():
        typer.echo(f"{a.name}: {a.summary}")
        for fname, f in a.params_model.model_fields.items():
            default = "required" if f.is_required() else f"default {json.dumps(f.default, default=str)}"
            typer.echo(f"    {fname} ({default}): {f.description or ''}")
