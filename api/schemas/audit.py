"""The audit trail."""

from __future__ import annotations

from pydantic import BaseModel


class VerifyOut(BaseModel):
    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str | None
    head_seq: int
    head_hash: str
