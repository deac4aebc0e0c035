"""Shapes shared by several resources."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """An RFC 9457 problem document (``application/problem+json``)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, str]] | None = Field(default=None, description="Per-field validation errors.")


_DESCRIPTIONS = {
    401: "No, unknown, expired or forged credentials.",
    403: "The role does not allow this action.",
    404: "No such resource, or a case of another team (indistinguishable on purpose).",
    409: "Conflicts with the current state (already exists, import in progress).",
    413: "The upload exceeds the size limit.",
    415: "The body is not of an accepted media type.",
    422: "Invalid parameters; `errors` names each field.",
    503: "The graph database is unavailable.",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for these error statuses, each an RFC 9457 problem document."""
    return {code: {"model": Problem, "description": _DESCRIPTIONS[code]} for code in codes}


#: the documented error responses of an endpoint that touches a case
PROBLEMS = problems(401, 403, 404, 422)
