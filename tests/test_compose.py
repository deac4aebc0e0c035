"""docker-compose.yml cannot run here (no Docker engine), so it is checked statically."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def _compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_services_image_and_healthcheck() -> None:
    services = _compose()["services"]
    assert set(services) == {"neo4j", "csas"}
    neo4j = services["neo4j"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"]) and "RETURN 1" in " ".join(
        neo4j["healthcheck"]["test"]
    )
    assert "neo4j-data:/data" in neo4j["volumes"]
    assert "neo4j-data" in _compose()["volumes"]


def test_neo4j_has_apoc_core_for_in_database_audit_links() -> None:
    plugins = _compose()["services"]["neo4j"]["environment"]["NEO4J_PLUGINS"]
    assert "apoc" in json.loads(plugins)


def test_password_comes_from_the_environment_and_is_required() -> None:
    services = _compose()["services"]
    assert services["neo4j"]["environment"]["NEO4J_AUTH"] == "neo4j/${NEO4J_PASSWORD:?Set NEO4J_PASSWORD}"
    assert services["csas"]["environment"]["NEO4J_PASSWORD"].startswith("${NEO4J_PASSWORD:?")


def test_api_waits_for_healthy_neo4j_and_uses_documented_settings() -> None:
    csas = _compose()["services"]["csas"]
    assert csas["build"] == "."
    assert csas["depends_on"]["neo4j"]["condition"] == "service_healthy"
    env = csas["environment"]
    assert env["NEO4J_URI"].startswith("neo4j://")
    readme = (REPO / "README.md").read_text()
    for name in env:
        assert name in readme, f"{name} is not documented in the README settings table"
    assert all(p.startswith("127.0.0.1:") for p in csas["ports"])  # loopback only on the host


def test_dockerfile_builds_the_package_and_serves() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11", dockerfile, re.M)
    for package in ("csas_graph", "ingest", "cypher", "api", "viz"):
        assert f"COPY {package} {package}" in dockerfile
    assert 'CMD ["csas", "serve"]' in dockerfile


def test_every_setting_is_in_the_readme_table() -> None:
    from csas_graph.settings import Settings

    readme = (REPO / "README.md").read_text()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        env = alias.choices[0] if alias is not None else f"CSAS_{name.upper()}"  # type: ignore[union-attr]
        assert f"| `{env}` |" in readme, f"setting {env} is missing from the README table"
        shown = re.search(rf"^\| `{re.escape(env)}` \| ([^|]+?) \|", readme, re.M)
        assert shown is not None, f"the README row of {env} has no default column"
        assert _same_default(shown.group(1), field.default), (
            f"{env}: README says {shown.group(1)}, code {field.default!r}"
        )


def _same_default(shown: str, default: object) -> bool:
    """The README's default column against the field's: unset (any words) for None, else `value`."""
    if default is None:
        return not shown.startswith("`")
    if not (shown.startswith("`") and shown.endswith("`")):
        return False
    value = shown.strip("`")
    if isinstance(default, bool):
        return value == str(default).lower()
    if isinstance(default, int | float):
        return float(value) == float(default)
    return value == str(default)
