"""Users, teams, roles, API tokens and OIDC JWTs.

Neo4j Community has no role-based access control, so the application enforces it. A user has
one role and belongs to teams; a case belongs to one team, and a user sees a case only through
membership of its team.

Roles
-----
``admin``
    manages users and teams, disposes of cases, reads the whole audit trail; reading case data
    still needs membership of the case's team.
``team-lead``
    everything an analyst can, plus granting and revoking membership of their own teams,
    disposing of their teams' cases and reading their teams' audit records.
``analyst``
    creates cases, imports, searches, runs analyses and exports in their teams' cases.
``viewer``
    reads cases, searches and runs analyses; cannot import, delete or export.

API tokens are random (256 bits), shown once, and stored only as their SHA-256. JWT bearer
tokens are checked against the issuer, audience and JWKS configured in the settings (RS256 or
ES256 only); the user must also exist here, which supplies the role and teams.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt

import cypher
from csas_graph.errors import AuthenticationFailed, ConfigurationError, Conflict, InvalidInput, NotFound
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings

TOKEN_PREFIX = "csas_"
JWT_ALGORITHMS = ("RS256", "ES256")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class Role(StrEnum):
    ADMIN = "admin"
    TEAM_LEAD = "team-lead"
    ANALYST = "analyst"
    VIEWER = "viewer"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a username, their role and the teams they belong to."""

    username: str
    role: str
    teams: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_modify(self) -> bool:
        """Import, export, create and change cases: everyone but viewers."""
        return self.role != Role.VIEWER

    def member_of(self, team: str | None) -> bool:
        return team is not None and team in self.teams

    def leads(self, team: str) -> bool:
        """Team leads lead the teams they belong to; admins manage every team."""
        return self.is_admin or (self.role == Role.TEAM_LEAD and team in self.teams)

    def as_dict(self) -> dict[str, Any]:
        return {"username": self.username, "role": self.role, "teams": list(self.teams)}


# ------------------------------------------------------------------------- users and teams
def validate_name(value: str, what: str) -> str:
    if not isinstance(value, str) or not NAME.match(value):
        raise InvalidInput(
            f"{what} {value!r} must be 1-64 letters, digits, '.', '_', '@' or '-' and start with a letter or digit",
            field=what,
        )
    return value


def validate_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidInput(f"role {role!r}: use one of {', '.join(r.value for r in Role)}", field="role") from None


def create_user(store: GraphStore, username: str, role: str, teams: list[str] | None = None) -> Principal:
    """Create a user with a role, optionally a member of existing teams."""
    validate_name(username, "username")
    valid_role = validate_role(role)
    for team in teams or []:
        _require_team(store, team)
    if not store.write(cypher.load("auth/create_user"), username=username, role=valid_role.value):
        raise Conflict(f"user {username} already exists", username=username)
    for team in teams or []:
        grant(store, team, username)
    return get_user(store, username)


def set_role(store: GraphStore, username: str, role: str) -> Principal:
    if not store.write(cypher.load("auth/set_role"), username=username, role=validate_role(role).value):
        raise NotFound(f"no user {username}", username=username)
    return get_user(store, username)


def get_user(store: GraphStore, username: str) -> Principal:
    rows = store.read(cypher.load("auth/get_user"), username=username)
    if not rows:
        raise NotFound(f"no user {username}", username=username)
    return _principal(rows[0])


def list_users(store: GraphStore) -> list[dict[str, Any]]:
    return store.read(cypher.load("auth/list_users"))


def create_team(store: GraphStore, name: str) -> str:
    validate_name(name, "team")
    if not store.write(cypher.load("auth/create_team"), name=name):
        raise Conflict(f"team {name} already exists", team=name)
    return name


def list_teams(store: GraphStore) -> list[dict[str, Any]]:
    return store.read(cypher.load("auth/list_teams"))


def _require_team(store: GraphStore, team: str) -> None:
    if not store.read(cypher.load("auth/team_exists"), name=team)[0]["exists"]:
        raise NotFound(f"no team {team}", team=team)


def grant(store: GraphStore, team: str, username: str) -> None:
    """Make ``username`` a member of ``team`` (idempotent)."""
    if not store.write(cypher.load("auth/add_member"), username=username, team=team):
        _require_team(store, team)
        raise NotFound(f"no user {username}", username=username)


def revoke(store: GraphStore, team: str, username: str) -> bool:
    """Remove ``username`` from ``team``; returns whether they were a member."""
    _require_team(store, team)
    get_user(store, username)
    removed = store.write(cypher.load("auth/remove_member"), username=username, team=team)
    return bool(removed and removed[0]["removed"])


def _principal(row: dict[str, Any]) -> Principal:
    return Principal(username=row["username"], role=row["role"], teams=tuple(sorted(row.get("teams") or [])))


# ------------------------------------------------------------------------------ API tokens
def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(store: GraphStore, username: str, *, expires_days: int | None = None) -> str:
    """A new random API token for ``username``; only its hash is stored, so show it once."""
    if expires_days is not None and expires_days < 1:
        raise InvalidInput("expires_days must be at least 1", field="expires_days")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(days=expires_days) if expires_days else None
    rows = store.write(
        cypher.load("auth/create_token"),
        username=username,
        token_hash=hash_token(token),
        prefix=token[:12],
        expires_at=expires,
    )
    if not rows:
        raise NotFound(f"no user {username}", username=username)
    return token


def authenticate_token(store: GraphStore, token: str) -> Principal:
    """The principal owning an API token, or :class:`AuthenticationFailed` (unknown, expired, revoked)."""
    rows = store.read(cypher.load("auth/token_principal"), token_hash=hash_token(token))
    return _token_principal(rows)


def authenticate_token_for_case(
    store: GraphStore, token: str, case_id: str
) -> tuple[Principal, dict[str, Any] | None, list[dict[str, Any]]]:
    """:func:`authenticate_token` and the case's node and source-file states, in one round trip.

    Returns the principal, the case's properties (``None`` if there is no such case) and its
    source files (SHA-256, status, start and completion times). The token checks are exactly
    those of :func:`authenticate_token`: nothing is cached, so a revocation takes effect at once.
    """
    rows = store.read_once(cypher.load("api/principal_case"), token_hash=hash_token(token), case_id=case_id)
    principal = _token_principal(rows)
    return principal, rows[0]["case"], list(rows[0]["sources"] or [])


def _token_principal(rows: list[dict[str, Any]]) -> Principal:
    if not rows:
        raise AuthenticationFailed("unknown API token")
    row = rows[0]
    expires = row.get("expires_at")
    if expires is not None and _native(expires) <= datetime.now(UTC):
        raise AuthenticationFailed("the API token has expired")
    if row.get("revoked") or row.get("disabled"):
        raise AuthenticationFailed("the API token or its user is disabled")
    return _principal(row)


def _native(value: Any) -> datetime:
    if isinstance(value, str):  # ISO text (api/principal_case returns it: cheaper to decode)
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise AuthenticationFailed("the API token has an unreadable expiry") from None
    native = value.to_native() if hasattr(value, "to_native") else value
    if not isinstance(native, datetime):
        raise AuthenticationFailed("the API token has an unreadable expiry")
    return native if native.tzinfo else native.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------------ JWT
def is_jwt(token: str) -> bool:
    return token.count(".") == 2 and not token.startswith(TOKEN_PREFIX)


def authenticate_jwt(token: str, settings: Settings, store: GraphStore | None = None) -> Principal:
    """Verify an OIDC JWT (signature, ``iss``, ``aud``, ``exp``) and return its principal.

    The username is ``preferred_username`` or else ``sub``. With a ``store``, the user must exist
    there and their role and teams come from it (memberships are managed here, by team leads);
    without one, they come from the ``role`` and ``groups`` claims.
    """
    if not settings.oidc_issuer or not settings.oidc_audience:
        raise AuthenticationFailed("JWT bearer tokens are not accepted: no OIDC issuer and audience configured")
    try:
        key = _signing_key(token, settings)
        claims = jwt.decode(
            token,
            key,
            algorithms=list(JWT_ALGORITHMS),
            audience=settings.oidc_audience,
            issuer=settings.oidc_issuer,
            options={"require": ["exp", "iss", "aud", "sub"]},
            leeway=30,
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed("the bearer token has expired") from None
    except (jwt.PyJWTError, ValueError, KeyError) as err:
        raise AuthenticationFailed(f"the bearer token is not valid: {type(err).__name__}") from None
    username = str(claims.get("preferred_username") or claims["sub"])
    if store is not None:
        try:
            return get_user(store, username)
        except NotFound:
            raise AuthenticationFailed(f"user {username} is not registered with CSAS-graph") from None
    role = claims.get("role") if claims.get("role") in {r.value for r in Role} else Role.VIEWER.value
    groups = claims.get("groups")
    groups = groups if isinstance(groups, list) else []
    return Principal(username=username, role=str(role), teams=tuple(sorted(str(g) for g in groups)))


def _signing_key(token: str, settings: Settings) -> Any:
    header = jwt.get_unverified_header(token)
    if header.get("alg") not in JWT_ALGORITHMS:
        raise jwt.InvalidAlgorithmError(f"algorithm {header.get('alg')!r} is not accepted")
    jwks = _jwks(settings)
    kid = header.get("kid")
    keys = [k for k in jwks.keys if kid is None or k.key_id == kid]
    if not keys:
        raise jwt.InvalidKeyError("no JWKS key matches the token's key id")
    if kid is None and len(keys) > 1:
        raise jwt.InvalidKeyError("the token names no key id and the JWKS holds several keys")
    return keys[0].key


_JWKS_CACHE: dict[str, tuple[float, jwt.PyJWKSet]] = {}
_JWKS_CLIENTS: dict[str, jwt.PyJWKClient] = {}
_JWKS_LOCK = threading.Lock()


def _jwks(settings: Settings) -> jwt.PyJWKSet:
    if settings.oidc_jwks_file is not None:
        return _jwks_from_file(Path(settings.oidc_jwks_file).expanduser())
    if settings.oidc_jwks_url:
        with _JWKS_LOCK:
            client = _JWKS_CLIENTS.setdefault(
                settings.oidc_jwks_url, jwt.PyJWKClient(settings.oidc_jwks_url, cache_jwk_set=True, lifespan=300)
            )
        return client.get_jwk_set()
    raise ConfigurationError("OIDC is configured without a JWKS: set CSAS_OIDC_JWKS_URL or CSAS_OIDC_JWKS_FILE")


def _jwks_from_file(path: Path) -> jwt.PyJWKSet:
    try:
        mtime = path.stat().st_mtime
    except OSError as err:
        raise ConfigurationError(f"cannot read the JWKS file {path}: {err.strerror}") from err
    with _JWKS_LOCK:
        cached = _JWKS_CACHE.get(str(path))
        if cached and cached[0] == mtime:
            return cached[1]
        try:
            keyset = jwt.PyJWKSet.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, jwt.PyJWTError) as err:
            raise ConfigurationError(f"the JWKS file {path} is not a valid key set: {err}") from err
        _JWKS_CACHE[str(path)] = (mtime, keyset)
        return keyset
