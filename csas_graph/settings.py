"""The one settings object, read from the environment and an optional ``.env``.

Neo4j connection settings use the standard ``NEO4J_*`` names so that the same variables serve
docker compose, Aura and this application; everything else is prefixed ``CSAS_``.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from csas_graph.errors import ConfigurationError

#: passwords refused for any server that is not on this machine
DEFAULT_PASSWORDS = frozenset({"neo4j", "password"})
SUPPORTED_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """Validated configuration for every CSAS-graph command and the API."""

    model_config = SettingsConfigDict(env_file=".env", env_prefix="CSAS_", extra="ignore", populate_by_name=True)

    # --- Neo4j -----------------------------------------------------------------------------
    neo4j_uri: str | None = Field(
        default=None,
        validation_alias=_env("NEO4J_URI"),
        description="Bolt URI of an existing Neo4j; unset means the local embedded server.",
    )
    neo4j_user: str = Field(default="neo4j", validation_alias=_env("NEO4J_USER"))
    neo4j_password: SecretStr | None = Field(default=None, validation_alias=_env("NEO4J_PASSWORD"))
    neo4j_database: str = Field(default="neo4j", validation_alias=_env("NEO4J_DATABASE"))
    neo4j_connect_timeout_s: float = Field(default=5.0, gt=0)
    neo4j_query_timeout_s: float = Field(default=60.0, gt=0)

    # --- local embedded Neo4j ---------------------------------------------------------------
    home: Path = Field(default=Path("~/.csas"), description="CSAS_HOME: data, evidence, keys.")
    neo4j_local_dir: Path | None = Field(
        default=None, description="The neo4j-local Maven module; default: beside the package."
    )
    neo4j_heap_mb: int = Field(default=1024, ge=256)
    neo4j_pagecache_mb: int = Field(default=512, ge=64)
    neo4j_tx_max_mb: int = Field(default=1024, ge=64)
    neo4j_start_timeout_s: float = Field(default=180.0, gt=0)

    # --- ingest -----------------------------------------------------------------------------
    ingest_batch_size: int = Field(default=10_000, ge=1)
    #: rows cleansed and written at a time; memory grows with it (50k: ~0.8 GB peak, 100k: ~1.1 GB)
    ingest_chunk_rows: int = Field(default=50_000, ge=1)

    # --- API --------------------------------------------------------------------------------
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    #: worker threads per server process for blocking work (Neo4j reads, analyses). A process runs
    #: one Python thread at a time (the GIL): beyond two, threads mostly wait for it, and so does
    #: the event loop that releases each answer once its audit record has committed (bench.api:
    #: audit commit 6-9 ms with 2 threads, 12-14 ms with the former 40). Raise it when analyses that
    #: take seconds are common, so that they do not hold up quick requests on the same process.
    api_threads: int = Field(default=2, ge=1, le=256)
    upload_max_bytes: int = Field(default=512 * 1024 * 1024, ge=1)
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_jwks_file: Path | None = None
    tile_url: str | None = Field(default=None, description="Map tile URL template; unset gives a plain background.")

    # --- analyses ---------------------------------------------------------------------------
    timezone: str = Field(default="Europe/London", description="The case's local time zone.")
    supernode_degree: int = Field(default=200, ge=1)

    @model_validator(mode="after")
    def _check(self) -> Settings:
        self.home = self.home.expanduser()
        if self.neo4j_uri is not None:
            scheme = urlsplit(self.neo4j_uri).scheme
            if scheme not in SUPPORTED_SCHEMES:
                raise ValueError(f"NEO4J_URI {self.neo4j_uri!r}: scheme must be one of {', '.join(SUPPORTED_SCHEMES)}")
            password = self.neo4j_password.get_secret_value() if self.neo4j_password else None
            if password in DEFAULT_PASSWORDS and not is_loopback_uri(self.neo4j_uri):
                raise ValueError(
                    f"NEO4J_PASSWORD is a default password; refused for {self.neo4j_uri}, which is not on loopback"
                )
        return self

    @property
    def uses_local_server(self) -> bool:
        return self.neo4j_uri is None

    def local_module_dir(self) -> Path:
        if self.neo4j_local_dir is not None:
            return self.neo4j_local_dir.expanduser()
        return Path(__file__).resolve().parent.parent / "neo4j-local"


def is_loopback_uri(uri: str) -> bool:
    host = urlsplit(uri).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, validated once; errors become :class:`ConfigurationError`."""
    try:
        return Settings()
    except ValueError as err:
        raise ConfigurationError(f"invalid settings: {_first_error(err)}") from err


def _first_error(err: ValueError) -> str:
    errors = getattr(err, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        return f"{where}: {first.get('msg', err)}"
    return str(err)
