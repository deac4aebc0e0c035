"""The case registry: every piece of case data hangs off a ``Case`` by its ``case_id``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import cypher
from csas_graph.errors import Conflict, InvalidInput, NotFound
from csas_graph.graph_store import GraphStore

CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Case:
    case_id: str
    name: str
    team: str | None
    review_date: date | None
    timezone: str
    created_by: str | None
    created_at: Any = None

    @property
    def past_review(self) -> bool:
        return self.review_date is not None and self.review_date < date.today()

    def as_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "name": self.name,
            "team": self.team,
            "review_date": self.review_date.isoformat() if self.review_date else None,
            "timezone": self.timezone,
            "created_by": self.created_by,
            "created_at": _iso(self.created_at),
            "past_review": self.past_review,
        }


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return str(value.iso_format() if hasattr(value, "iso_format") else value)


def _from_row(row: dict[str, Any]) -> Case:
    review = row.get("review_date")
    if review is not None and hasattr(review, "to_native"):
        review = review.to_native()
    return Case(
        case_id=row["case_id"],
        name=row.get("name") or row["case_id"],
        team=row.get("team"),
        review_date=review,
        timezone=row.get("timezone") or "Europe/London",
        created_by=row.get("created_by"),
        created_at=row.get("created_at"),
    )


def validate_case_id(case_id: str) -> str:
    if not CASE_ID.match(case_id):
        raise InvalidInput(
            f"case id {case_id!r} must be 1-64 letters, digits, '.', '_' or '-' and start with a letter or digit",
            field="case_id",
        )
    return case_id


def create_case(
    store: GraphStore,
    case_id: str,
    *,
    name: str | None = None,
    team: str | None = None,
    review_date: date | None = None,
    timezone: str = "Europe/London",
    created_by: str | None = None,
) -> Case:
    validate_case_id(case_id)
    rows = store.write(
        cypher.load("cases/create"),
        case_id=case_id,
        name=name or case_id,
        team=team,
        review_date=review_date,
        timezone=timezone,
        created_by=created_by,
    )
    if not rows:
        raise Conflict(f"case {case_id} already exists", case_id=case_id)
    return get_case(store, case_id)


def get_case(store: GraphStore, case_id: str) -> Case:
    rows = store.read(cypher.load("cases/get"), case_id=case_id)
    if not rows:
        raise NotFound(f"no case {case_id}", case_id=case_id)
    return _from_row(rows[0]["case"])


def case_summary(store: GraphStore, case_id: str) -> dict[str, Any]:
    rows = store.read(cypher.load("cases/get"), case_id=case_id)
    if not rows:
        raise NotFound(f"no case {case_id}", case_id=case_id)
    data = rows[0]["case"]
    return {**_from_row(data).as_dict(), "files": data["files"], "rows_read": data["rows_read"]}


def list_cases(store: GraphStore, teams: list[str] | None = None) -> list[Case]:
    return [_from_row(r["case"]) for r in store.read(cypher.load("cases/list"), teams=teams)]


def update_case(store: GraphStore, case_id: str, *, name: str | None = None, review_date: date | None = None) -> Case:
    rows = store.write(cypher.load("cases/update"), case_id=case_id, name=name, review_date=review_date)
    if not rows:
        raise NotFound(f"no case {case_id}", case_id=case_id)
    return _from_row(rows[0]["case"])


def ensure_case(store: GraphStore, case_id: str, **kwargs: Any) -> Case:
    """The case, created if it does not exist yet (used by ``csas import``)."""
    try:
        return get_case(store, case_id)
    except NotFound:
        return create_case(store, case_id, **kwargs)
