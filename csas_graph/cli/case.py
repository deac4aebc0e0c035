"""``csas case``: create, list and show cases."""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console
from rich.table import Table

from csas_graph.cases import case_summary, create_case, list_cases
from csas_graph.cli import app
from csas_graph.cli.common import echo_json, open_store

case_app = typer.Typer(help="Cases: create, list, show.", no_args_is_help=True)
app.add_typer(case_app, name="case")


@case_app.command("create")
def create(
    case_id: str = typer.Argument(..., help="Case reference, e.g. OP-KESTREL."),
    name: str = typer.Option(None, help="Descriptive name."),
    team: str = typer.Option(None, help="Owning team."),
    review_date: str = typer.Option(None, help="Review/retention date, YYYY-MM-DD."),
    timezone: str = typer.Option("Europe/London", help="The case's local time zone."),
) -> None:
    """Create a case."""
    review = date.fromisoformat(review_date) if review_date else None
    with open_store() as store:
        case = create_case(store, case_id, name=name, team=team, review_date=review, timezone=timezone)
    typer.echo(f"created case {case.case_id}")


@case_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List cases; those past their review date are flagged."""
    with open_store() as store:
        cases = [c.as_dict() for c in list_cases(store)]
    if as_json:
        echo_json(cases)
        return
    table = Table("case", "name", "team", "review date", "flag")
    for c in cases:
        table.add_row(
            c["case_id"],
            c["name"],
            c["team"] or "-",
            c["review_date"] or "-",
            "PAST REVIEW" if c["past_review"] else "",
        )
    Console().print(table)


@case_app.command("show")
def show(case_id: str = typer.Argument(...)) -> None:
    """Show one case with its file and row counts (JSON)."""
    with open_store() as store:
        echo_json(case_summary(store, case_id))
