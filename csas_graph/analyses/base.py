"""What every analysis returns, and how its result is hashed.

An analysis is a small pure function ``run(store, case_id, params) -> AnalysisResult``
registered in :mod:`csas_graph.analyses.registry`. Its rows are plain JSON-able dicts in a
deterministic order; each row carries ``evidence``: the event ids that support it. The result
hash is SHA-256 over the canonical JSON of name, parameters and rows, so the same data and
parameters give the same hash on any machine.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no whitespace, UTC ISO times: identical bytes for equal values."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "iso_format"):  # neo4j.time types
        return value.iso_format()
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def result_hash(name: str, params: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    payload = canonical_json({"analysis": name, "params": params, "rows": rows})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AnalysisResult:
    """Rows plus everything needed to reproduce and audit them."""

    name: str
    case_id: str
    params: dict[str, Any]
    rows: list[dict[str, Any]]
    #: numbers left out or collapsed as supernodes (voicemail, short codes, high degree)
    excluded: list[dict[str, Any]] = field(default_factory=list)
    #: analysis-specific extras that are not rows (e.g. the 7x24 matrix)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def hash(self) -> str:
        return result_hash(self.name, self.params, self.rows)

    @property
    def evidence(self) -> list[str]:
        """Every event id cited by any row, sorted and unique."""
        ids: set[str] = set()
        for row in self.rows:
            ids.update(row.get("evidence", []))
        return sorted(ids)

    def as_dict(self) -> dict[str, Any]:
        return json.loads(
            canonical_json(
                {
                    "analysis": self.name,
                    "case_id": self.case_id,
                    "params": self.params,
                    "result_hash": self.hash,
                    "row_count": len(self.rows),
                    "rows": self.rows,
                    "excluded": self.excluded,
                    "extra": self.extra,
                }
            )
        )
