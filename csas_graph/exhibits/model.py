"""The ``Exhibit`` record: a versioned, reviewable report over recorded analysis runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DRAFT = "draft"
FINAL = "final"


@dataclass(frozen=True)
class Exhibit:
    """One version of an exhibit. A final version never changes; an edit makes the next version."""

    exhibit_id: str
    case_id: str
    ref: str
    version: int
    title: str
    author: str
    contributors: tuple[str, ...]
    run_ids: tuple[str, ...]
    notes: str | None
    status: str
    supersedes: str | None = None
    approved_by: str | None = None
    approved_at: str | None = None
    final_hash: str | None = None
    created_at: str | None = None
    updated_at: str | None = None

    @property
    def is_final(self) -> bool:
        return self.status == FINAL

    @property
    def label(self) -> str:
        return f"{self.ref} v{self.version}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "exhibit_id": self.exhibit_id,
            "case_id": self.case_id,
            "ref": self.ref,
            "version": self.version,
            "title": self.title,
            "author": self.author,
            "contributors": list(self.contributors),
            "run_ids": list(self.run_ids),
            "notes": self.notes,
            "status": self.status,
            "supersedes": self.supersedes,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
            "final_hash": self.final_hash,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def from_row(row: dict[str, Any]) -> Exhibit:
    return Exhibit(
        exhibit_id=row["exhibit_id"],
        case_id=row["case_id"],
        ref=row["ref"],
        version=int(row["version"]),
        title=row.get("title") or row["ref"],
        author=row["author"],
        contributors=tuple(row.get("contributors") or [row["author"]]),
        run_ids=tuple(row.get("run_ids") or []),
        notes=row.get("notes"),
        status=row.get("status") or DRAFT,
        supersedes=row.get("supersedes"),
        approved_by=row.get("approved_by"),
        approved_at=_iso(row.get("approved_at")),
        final_hash=row.get("final_hash"),
        created_at=_iso(row.get("created_at")),
        updated_at=_iso(row.get("updated_at")),
    )


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return str(value.iso_format() if hasattr(value, "iso_format") else value)
