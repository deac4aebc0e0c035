"""The ``csas`` command: a thin Typer layer over library functions.

Each sub-command lives in its own module and is registered below. Errors are translated in one
place, :func:`main`: a :class:`~csas_graph.errors.CsasError` becomes one line on stderr and its
exit code; anything unexpected becomes one line pointing at the log, never a traceback.
"""

from __future__ import annotations

import logging
import sys
import traceback

import typer

from csas_graph import __version__
from csas_graph.errors import CsasError

app = typer.Typer(
    name="csas",
    help="CSAS-graph: cell site analysis on Neo4j.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"csas-graph {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """CSAS-graph: cell site analysis on Neo4j."""


# Sub-commands register themselves on import; keep this list sorted.
from csas_graph.cli import analyse as _analyse  # noqa: E402,F401
from csas_graph.cli import audit as _audit  # noqa: E402,F401
from csas_graph.cli import case as _case  # noqa: E402,F401
from csas_graph.cli import db as _db  # noqa: E402,F401
from csas_graph.cli import evidence as _evidence  # noqa: E402,F401
from csas_graph.cli import importing as _importing  # noqa: E402,F401
from csas_graph.cli import serve as _serve  # noqa: E402,F401
from csas_graph.cli import synth as _synth  # noqa: E402,F401
from csas_graph.cli import users as _users  # noqa: E402,F401


def main() -> None:
    """Entry point of the ``csas`` console script."""
    try:
        # without standalone mode click returns the code of a typer.Exit instead of raising
        result = app(standalone_mode=False)
        if isinstance(result, int) and not isinstance(result, bool):
            sys.exit(result)
    except CsasError as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(err.exit_code)
    except typer.Exit as ex:
        sys.exit(ex.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except Exception as err:  # noqa: BLE001 - the one place unexpected errors are caught
        import click

        if isinstance(err, click.ClickException):
            err.show()
            sys.exit(err.exit_code)
        _log_internal(err)
        typer.echo(f"error: internal error ({type(err).__name__}); details in the CSAS log", err=True)
        sys.exit(1)


def _log_internal(err: BaseException) -> None:
    try:
        from csas_graph.settings import get_settings

        log_dir = get_settings().home / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        logging.basicConfig(filename=log_dir / "csas.log", level=logging.INFO)
    except Exception:  # noqa: BLE001 - logging must never mask the original error
        return
    logging.getLogger("csas").error("".join(traceback.format_exception(err)))
