"""The one exception hierarchy of CSAS-graph.

Every error a user can meet is a :class:`CsasError`. Each class carries the HTTP status and
the CLI exit code it maps to, so the API (``api/errors.py``) and the CLI
(``csas_graph/cli/__init__.py``) translate errors in exactly one place each, and never show a
traceback.
"""

from __future__ import annotations

from typing import Any


class CsasError(Exception):
    """Base of every error CSAS-graph reports to a user."""

    http_status: int = 500
    exit_code: int = 1
    title: str = "CSAS-graph error"

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        #: structured detail (file, line, field, …) for problem+json and logs
        self.context = {k: v for k, v in context.items() if v is not None}

    def __str__(self) -> str:
        return self.message


class ConfigurationError(CsasError):
    """The installation or settings are wrong (missing Java, default password, …)."""

    exit_code = 3
    title = "Configuration error"


class GraphUnavailable(CsasError):
    """Neo4j cannot be reached, or refused our credentials."""

    http_status = 503
    exit_code = 4
    title = "Graph database unavailable"


class InvalidInput(CsasError):
    """A value, parameter or file supplied by the user is not acceptable."""

    http_status = 422
    exit_code = 2
    title = "Invalid input"


class TemplateError(InvalidInput):
    """An operator layout template is malformed or does not fit the file."""

    title = "Invalid template"


class IngestError(InvalidInput):
    """A source file cannot be imported (unreadable, wrong layout, truncated, …)."""

    title = "Import failed"


class NotFound(CsasError):
    """The thing asked for does not exist, or the caller may not know that it exists."""

    http_status = 404
    exit_code = 5
    title = "Not found"


class Conflict(CsasError):
    """The request clashes with the current state (already exists, final exhibit, …)."""

    http_status = 409
    exit_code = 6
    title = "Conflict"


class AuthenticationFailed(CsasError):
    """No credentials, or credentials that are expired, forged or unknown."""

    http_status = 401
    exit_code = 7
    title = "Authentication required"


class PermissionDenied(CsasError):
    """The caller is known but their role does not allow the action."""

    http_status = 403
    exit_code = 8
    title = "Forbidden"


class PayloadTooLarge(InvalidInput):
    """An upload exceeds the configured size limit."""

    http_status = 413
    title = "Payload too large"


class IntegrityError(CsasError):
    """A stored record fails verification (audit chain, evidence hash, …)."""

    exit_code = 9
    title = "Integrity check failed"


class ProgrammingError(CsasError):
    """The code broke one of its own contracts (for example undeclared Cypher parameters)."""

    title = "Internal error"
