"""``csas audit verify|export`` and ``csas case dispose``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from csas_graph import audit
from csas_graph.cli import app
from csas_graph.cli.case import case_app
from csas_graph.cli.common import echo_json, open_store
from csas_graph.cli.users import cli_user
from csas_graph.retention import dispose_case
from csas_graph.settings import get_settings

audit_app = typer.Typer(help="The audit trail: verify the hash chain, export records.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Re-hash the whole audit chain; exit 9 naming the first altered, deleted or inserted record."""
    with open_store() as store:
        result = audit.verify_chain(store)
    if as_json:
        echo_json(result.as_dict())
    if not result.ok:
        if not as_json:
            typer.echo(f"error: audit chain broken at record seq {result.first_bad_seq}: {result.reason}", err=True)
        raise typer.Exit(9)
    if not as_json:
        typer.echo(f"audit chain ok: {result.checked} records; head seq {result.head_seq} hash {result.head_hash}")


@audit_app.command("export")
def export(
    case_id: str = typer.Option(None, "--case", help="Only this case's records."),
    user: str = typer.Option(None, "--user", help="Only this user's records."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl or csv."),
    output: Path = typer.Option(None, "--output", "-o", help="File to write (default: standard output)."),
) -> None:
    """Export audit records per case and/or per user (the export itself is audited)."""
    if fmt not in audit.EXPORT_FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(audit.EXPORT_FORMATS)}", param_hint="--format")
    with open_store() as store:
        records = list(audit.select_records(store, case_ids=[case_id] if case_id else None, user=user))
        audit.record_audit(
            store,
            user=cli_user(),
            action="audit.export",
            case_id=case_id,
            params={"user": user, "format": fmt},
            result_count=len(records),
            result_hash=None,
            client="cli",
        )
    chunks = audit.export_records(records, fmt)
    if output is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        return
    with output.open("w", encoding="utf-8", newline="") as fh:
        fh.writelines(chunks)
    typer.echo(f"wrote {len(records)} records to {output}", err=True)


@case_app.command("dispose")
def dispose(
    case_id: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="Why the case is disposed of (recorded in the audit trail)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Delete a case's nodes, relationships and evidence files for good (audited, with counts)."""
    if not yes:
        typer.confirm(f"Dispose of case {case_id} and all its data and evidence files?", abort=True)
    with open_store() as store:
        report = dispose_case(store, get_settings(), case_id, user=cli_user(), reason=reason, client="cli")
    echo_json(report.as_dict())
