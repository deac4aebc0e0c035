"""Imports: background jobs with progress and the reconciliation report."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

ImportState = Literal["queued", "running", "done", "failed"]


class ImportAccepted(BaseModel):
    import_id: str
    state: ImportState
    file_name: str
    size: int


class ImportOut(BaseModel):
    import_id: str
    case_id: str
    file_name: str
    state: ImportState
    rows_done: int = Field(description="Rows processed so far.")
    rows_total: int | None = Field(description="Rows in the file, when known.")
    sha256: str | None = None
    already_imported: bool | None = None
    error: str | None = None
    report: dict[str, Any] | None = Field(default=None, description="The reconciliation report, once done.")


class ImportList(BaseModel):
    data: list[ImportOut]
    count: int
