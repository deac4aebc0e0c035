"""Users, teams and memberships."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RoleName = Literal["admin", "team-lead", "analyst", "viewer"]
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=NAME_PATTERN)
    role: RoleName
    teams: list[str] = Field(default_factory=list, max_length=50)


class TeamCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)


class UserOut(BaseModel):
    username: str
    role: str
    teams: list[str]


class UserList(BaseModel):
    data: list[UserOut]
    count: int


class TeamOut(BaseModel):
    name: str
    members: list[str]


class TeamList(BaseModel):
    data: list[TeamOut]
    count: int


class MembershipOut(BaseModel):
    team: str
    username: str
    member: bool
