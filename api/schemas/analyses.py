"""Analyses: the catalogue and results."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class AnalysisInfo(BaseModel):
    name: str
    summary: str
    method: str | None = None
    limitations: list[str] = []
    params_schema: dict[str, Any] = Field(description="JSON schema of the parameters (the request body).")


class AnalysisCatalogue(BaseModel):
    data: list[AnalysisInfo]
    count: int


class AnalysisResultOut(BaseModel):
    analysis: str
    case_id: str
    params: dict[str, Any] = Field(description="The validated parameters, defaults filled in.")
    result_hash: str = Field(description="SHA-256 over analysis name, parameters and rows: same data, same hash.")
    row_count: int
    rows: list[dict[str, Any]]
    evidence: list[str] = Field(description="Every event id cited by any row (resolves to source file + row).")
    excluded: list[dict[str, Any]] = []
    extra: dict[str, Any] = {}
