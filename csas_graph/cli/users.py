"""``csas user``, ``csas team`` and ``csas token``: users, teams, memberships and API tokens.

Every change is written to the audit trail as the operating-system user running the command.
"""

from __future__ import annotations

import getpass

import typer
from rich.console import Console
from rich.table import Table

from csas_graph import auth
from csas_graph.audit import record_audit
from csas_graph.cli import app
from csas_graph.cli.common import echo_json, open_store
from csas_graph.graph_store import GraphStore

user_app = typer.Typer(help="Users: add, list, set a role.", no_args_is_help=True)
team_app = typer.Typer(help="Teams: add, list, grant and revoke membership.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens: create (shown once).", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(team_app, name="team")
app.add_typer(token_app, name="token")


def cli_user() -> str:
    """The audit identity of a CLI caller: ``cli:<os user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _audit(store: GraphStore, action: str, **params: object) -> None:
    record_audit(
        store,
        user=cli_user(),
        action=action,
        case_id=None,
        params=dict(params),
        result_count=None,
        result_hash=None,
        client="cli",
    )


@user_app.command("add")
def user_add(
    username: str = typer.Argument(..., help="Login name (as in the OIDC preferred_username or sub)."),
    role: str = typer.Option("analyst", help="admin, team-lead, analyst or viewer."),
    team: list[str] = typer.Option([], "--team", "-t", help="Team to join (repeatable)."),
) -> None:
    """Add a user."""
    with open_store() as store:
        user = auth.create_user(store, username, role, teams=team)
        _audit(store, "user.add", username=username, role=role, teams=list(user.teams))
    typer.echo(f"added user {user.username} ({user.role}); teams: {', '.join(user.teams) or '-'}")


@user_app.command("role")
def user_role(username: str = typer.Argument(...), role: str = typer.Argument(...)) -> None:
    """Change a user's role."""
    with open_store() as store:
        auth.set_role(store, username, role)
        _audit(store, "user.role", username=username, role=role)
    typer.echo(f"user {username} is now {role}")


@user_app.command("list")
def user_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List users with their roles and teams."""
    with open_store() as store:
        users = auth.list_users(store)
    if as_json:
        echo_json(users)
        return
    table = Table("user", "role", "teams")
    for u in users:
        table.add_row(u["username"], u["role"], ", ".join(u["teams"]) or "-")
    Console().print(table)


@team_app.command("add")
def team_add(name: str = typer.Argument(..., help="Team name.")) -> None:
    """Add a team."""
    with open_store() as store:
        auth.create_team(store, name)
        _audit(store, "team.add", team=name)
    typer.echo(f"added team {name}")


@team_app.command("list")
def team_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List teams with their members."""
    with open_store() as store:
        teams = auth.list_teams(store)
    if as_json:
        echo_json(teams)
        return
    table = Table("team", "members")
    for t in teams:
        table.add_row(t["name"], ", ".join(t["members"]) or "-")
    Console().print(table)


@team_app.command("grant")
def team_grant(team: str = typer.Argument(...), username: str = typer.Argument(...)) -> None:
    """Make a user a member of a team."""
    with open_store() as store:
        auth.grant(store, team, username)
        _audit(store, "team.grant", team=team, username=username)
    typer.echo(f"{username} is a member of {team}")


@team_app.command("revoke")
def team_revoke(team: str = typer.Argument(...), username: str = typer.Argument(...)) -> None:
    """Remove a user from a team."""
    with open_store() as store:
        removed = auth.revoke(store, team, username)
        _audit(store, "team.revoke", team=team, username=username, removed=removed)
    typer.echo(f"{username} removed from {team}" if removed else f"{username} was not a member of {team}")


@token_app.command("create")
def token_create(
    username: str = typer.Argument(...),
    expires_days: int = typer.Option(None, "--expires-days", help="Days until the token expires (default: never)."),
) -> None:
    """Create an API token for a user; it is printed once and stored only as a hash."""
    with open_store() as store:
        token = auth.create_token(store, username, expires_days=expires_days)
        _audit(store, "token.create", username=username, prefix=token[:12], expires_days=expires_days)
    typer.echo(token)
