"""Cases: create, update, read, list, dispose."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from csas_graph.cases import CASE_ID


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_id: str = Field(pattern=CASE_ID.pattern, description="Case reference, e.g. OP-KESTREL.")
    name: str | None = Field(default=None, max_length=200)
    team: str = Field(min_length=1, max_length=64, description="The owning team; the caller must belong to it.")
    review_date: date | None = Field(default=None, description="Review/retention date (RRD).")
    timezone: str = Field(default="Europe/London", max_length=64)


class CaseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    review_date: date | None = None


class CaseDispose(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000, description="Why the case is disposed of (audited).")


class CaseOut(BaseModel):
    case_id: str
    name: str
    team: str | None
    review_date: date | None
    timezone: str
    created_by: str | None
    created_at: str | None
    past_review: bool = Field(description="True when the review date has passed: the case is due for RRD review.")


class CaseDetail(CaseOut):
    files: int
    rows_read: int


class CaseList(BaseModel):
    data: list[CaseOut]
    count: int
    past_review: int = Field(description="How many of these cases are past their review date.")


class DisposalOut(BaseModel):
    case_id: str
    reason: str
    nodes: dict[str, int]
    relationships: dict[str, int]
    files: int
    total: int
