"""Users, teams and memberships: admins manage them; team leads grant and revoke their own teams."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import AdminUser, Auditor, CurrentUser, StoreDep
from api.schemas.admin import NAME_PATTERN, MembershipOut, TeamCreate, TeamList, TeamOut, UserCreate, UserList, UserOut
from api.schemas.common import problems
from csas_graph import auth
from csas_graph.auth import Principal
from csas_graph.errors import NotFound, PermissionDenied

router = APIRouter(tags=["admin"], responses=problems(401, 403, 422, 503))

Name = Annotated[str, Path(pattern=NAME_PATTERN)]


@router.get("/me", response_model=UserOut)
def me(principal: CurrentUser) -> UserOut:
    """The caller: username, role and teams."""
    return UserOut(**principal.as_dict())


@router.get("/admin/users", response_model=UserList)
def list_users(principal: AdminUser, store: StoreDep) -> UserList:
    """Every user with role and teams (admins)."""
    data = [UserOut(username=u["username"], role=u["role"], teams=u["teams"]) for u in auth.list_users(store)]
    return UserList(data=data, count=len(data))


@router.post("/admin/users", response_model=UserOut, status_code=201, responses=problems(409))
def add_user(body: UserCreate, principal: AdminUser, store: StoreDep, audit: Auditor) -> UserOut:
    """Add a user (admins)."""
    audit("user.add", None, body.model_dump())
    return UserOut(**auth.create_user(store, body.username, body.role, teams=body.teams).as_dict())


@router.get("/admin/teams", response_model=TeamList)
def list_teams(principal: CurrentUser, store: StoreDep) -> TeamList:
    """Teams with their members: all of them for admins, their own for team leads."""
    if not principal.is_admin and principal.role != auth.Role.TEAM_LEAD:
        raise PermissionDenied("only admins and team leads can list teams", role=principal.role)
    teams = [TeamOut(**t) for t in auth.list_teams(store) if principal.is_admin or t["name"] in principal.teams]
    return TeamList(data=teams, count=len(teams))


@router.post("/admin/teams", response_model=TeamOut, status_code=201, responses=problems(409))
def add_team(body: TeamCreate, principal: AdminUser, store: StoreDep, audit: Auditor) -> TeamOut:
    """Add a team (admins)."""
    audit("team.add", None, {"team": body.name})
    auth.create_team(store, body.name)
    return TeamOut(name=body.name, members=[])


@router.post("/teams/{team}/members/{username}", response_model=MembershipOut, responses=problems(404))
def grant(team: Name, username: Name, principal: CurrentUser, store: StoreDep, audit: Auditor) -> MembershipOut:
    """Make a user a member of a team (that team's lead, or an admin)."""
    _require_lead(principal, team)
    audit("team.grant", None, {"team": team, "username": username})
    auth.grant(store, team, username)
    return MembershipOut(team=team, username=username, member=True)


@router.delete("/teams/{team}/members/{username}", response_model=MembershipOut, responses=problems(404))
def revoke(team: Name, username: Name, principal: CurrentUser, store: StoreDep, audit: Auditor) -> MembershipOut:
    """Remove a user from a team (that team's lead, or an admin)."""
    _require_lead(principal, team)
    audit("team.revoke", None, {"team": team, "username": username})
    auth.revoke(store, team, username)
    return MembershipOut(team=team, username=username, member=False)


def _require_lead(principal: Principal, team: str) -> None:
    if principal.leads(team):
        return
    if principal.role == auth.Role.TEAM_LEAD or principal.is_admin:
        raise NotFound(f"no team {team}", team=team)  # a lead of another team: as if it did not exist
    raise PermissionDenied("only the team's lead or an admin can change its members", role=principal.role)
