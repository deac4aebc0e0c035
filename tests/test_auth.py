"""Users, teams, API tokens and OIDC JWTs against the real database."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from csas_graph import auth
from csas_graph.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings

ISSUER = "https://idp.example.test/realms/police"
AUDIENCE = "csas-graph"


def uniq(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_users_teams_and_membership(store: GraphStore) -> None:
    team, user = uniq("team"), uniq("user")
    auth.create_team(store, team)
    with pytest.raises(Conflict):
        auth.create_team(store, team)
    principal = auth.create_user(store, user, "analyst", teams=[team])
    assert principal == auth.Principal(user, "analyst", (team,))
    assert principal.member_of(team) and not principal.leads(team) and principal.can_modify
    assert auth.revoke(store, team, user) is True
    assert auth.get_user(store, user).teams == ()
    assert auth.revoke(store, team, user) is False
    with pytest.raises(InvalidInput, match="role"):
        auth.create_user(store, uniq("u"), "superuser")
    with pytest.raises(InvalidInput, match="username"):
        auth.create_user(store, "../x", "viewer")
    with pytest.raises(NotFound):
        auth.grant(store, uniq("no-team"), user)
    with pytest.raises(NotFound):
        auth.grant(store, team, uniq("nobody"))


def test_api_tokens_are_random_hashed_and_expire(store: GraphStore) -> None:
    user = uniq("user")
    auth.create_user(store, user, "viewer")
    token = auth.create_token(store, user)
    assert token.startswith("csas_") and len(token) > 40
    assert auth.authenticate_token(store, token).username == user
    raw = store.run_statement("MATCH (k:ApiToken {username: $u}) RETURN k {.*} AS k", {"u": user}, write=False)[0]["k"]
    assert token not in json.dumps(raw, default=str) and raw["token_hash"] == auth.hash_token(token)
    with pytest.raises(AuthenticationFailed):
        auth.authenticate_token(store, token + "x")
    expiring = auth.create_token(store, user, expires_days=1)
    store.run_statement(
        "MATCH (k:ApiToken {token_hash: $h}) SET k.expires_at = datetime() - duration('PT1M')",
        {"h": auth.hash_token(expiring)},
        write=True,
    )
    with pytest.raises(AuthenticationFailed, match="expired"):
        auth.authenticate_token(store, expiring)


def _keyset(tmp_path: Path) -> tuple[Any, Any, Path]:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    keys = []
    for kid, key, alg in (("rsa-1", rsa_key, "RS256"), ("ec-1", ec_key, "ES256")):
        algo = jwt.algorithms.RSAAlgorithm if alg == "RS256" else jwt.algorithms.ECAlgorithm
        jwk = json.loads(algo.to_jwk(key.public_key()))
        jwk.update({"kid": kid, "alg": alg, "use": "sig"})
        keys.append(jwk)
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": keys}))
    return rsa_key, ec_key, path


def make_jwt(key: Any, kid: str, alg: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "subject-1", "iat": now, "exp": now + 300, **claims}
    return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})


def test_jwt_rs256_and_es256_against_a_jwks_file(store: GraphStore, tmp_path: Path) -> None:
    rsa_key, ec_key, jwks = _keyset(tmp_path)
    settings = Settings(oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_file=jwks)
    user, team = uniq("oidc"), uniq("team")
    auth.create_team(store, team)
    auth.create_user(store, user, "team-lead", teams=[team])
    p = auth.authenticate_jwt(make_jwt(rsa_key, "rsa-1", preferred_username=user), settings, store)
    assert p == auth.Principal(user, "team-lead", (team,))
    p = auth.authenticate_jwt(make_jwt(ec_key, "ec-1", "ES256", preferred_username=user), settings, store)
    assert p.username == user

    bad = {
        "expired": make_jwt(rsa_key, "rsa-1", preferred_username=user, exp=int(time.time()) - 120),
        "audience": make_jwt(rsa_key, "rsa-1", preferred_username=user, aud="other"),
        "issuer": make_jwt(rsa_key, "rsa-1", preferred_username=user, iss="https://evil.test"),
        "forged": make_jwt(
            rsa.generate_private_key(public_exponent=65537, key_size=2048), "rsa-1", preferred_username=user
        ),
        "unknown user": make_jwt(rsa_key, "rsa-1", preferred_username=uniq("ghost")),
        "hs256": jwt.encode(
            {"iss": ISSUER, "aud": AUDIENCE, "sub": user, "exp": int(time.time()) + 60},
            "secret-secret-secret-secret-secret",
            algorithm="HS256",
            headers={"kid": "rsa-1"},
        ),
        "unsigned": jwt.encode(
            {"iss": ISSUER, "aud": AUDIENCE, "sub": user, "exp": int(time.time()) + 60}, None, algorithm="none"
        ),
    }
    for what, token in bad.items():
        with pytest.raises(AuthenticationFailed):
            auth.authenticate_jwt(token, settings, store)
            pytest.fail(f"{what} token accepted")


def test_jwt_refused_without_oidc_settings(tmp_path: Path) -> None:
    rsa_key, _, _ = _keyset(tmp_path)
    with pytest.raises(AuthenticationFailed, match="OIDC"):
        auth.authenticate_jwt(make_jwt(rsa_key, "rsa-1"), Settings())


@pytest.mark.slow
def test_cli_users_teams_tokens_and_disposal(store: GraphStore, cli_env: dict[str, str], settings: Settings) -> None:
    import subprocess
    import sys

    from csas_graph import audit
    from csas_graph.cases import create_case

    def csas(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "csas_graph", *args], env=cli_env, capture_output=True,
                              text=True, timeout=240, check=False)  # fmt: skip

    team, user = uniq("cli-team"), uniq("cli-user")
    assert csas("team", "add", team).returncode == 0
    added = csas("user", "add", user, "--role", "team-lead", "--team", team)
    assert added.returncode == 0, added.stderr
    assert auth.get_user(store, user) == auth.Principal(user, "team-lead", (team,))
    bad = csas("user", "add", uniq("u"), "--role", "root")
    assert bad.returncode == 2 and bad.stderr.startswith("error: role") and "Traceback" not in bad.stderr
    created = csas("token", "create", user, "--expires-days", "30")
    token = created.stdout.strip()
    assert created.returncode == 0 and auth.authenticate_token(store, token).username == user
    assert csas("team", "revoke", team, user).returncode == 0
    assert auth.get_user(store, user).teams == ()
    assert csas("team", "grant", team, user).returncode == 0

    case = uniq("CLI-CASE")
    create_case(store, case, team=team)
    evidence = settings.home / "evidence" / case
    evidence.mkdir(parents=True)
    (evidence / "copy.csv").write_text("a,b\n")
    disposed = csas("case", "dispose", case, "--reason", "RRD: retention period over", "--yes")
    assert disposed.returncode == 0, disposed.stderr
    assert json.loads(disposed.stdout)["nodes"] == {"Case": 1} and not evidence.exists()
    exported = csas("audit", "export", "--case", case, "--format", "jsonl")
    actions = [json.loads(line)["action"] for line in exported.stdout.splitlines()]
    assert actions[:2] == ["case.dispose.begin", "case.dispose"]
    assert all(r["user"].startswith("cli:") for r in audit.select_records(store, case_ids=[case]))
