"""Shapes shared by several resources."""

from __future__ import annotations

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


#: the documented error responses of an endpoint that touches a case
PROBLEMS = {
    401: {"model": Problem, "description": "No, unknown, expired or forged credentials."},
    403: {"model": Problem, "description": "The role does not allow this action."},
    404: {"model": Problem, "description": "No such case, or not one of the caller's teams' cases."},
    422: {"model": Problem, "description": "Invalid parameters; `errors` names each field."},
}
