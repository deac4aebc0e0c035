"""Entity search in a case: numbers, IMEIs, IMSIs and VRMs by partial match."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query

import cypher
from api.deps import Auditor, CaseAccess, StoreDep, result_digest
from api.schemas.common import problems
from api.schemas.entities import EntityKind, EntityList, EntityOut

router = APIRouter(prefix="/cases/{case_id}/entities", tags=["entities"], responses=problems(401, 403, 404, 422, 503))

ALL_KINDS: tuple[EntityKind, ...] = ("number", "imei", "imsi", "vrm")
_SPACES = re.compile(r"[\s()-]+")


@router.get("", response_model=EntityList, responses=problems(404))
def search(
    case: CaseAccess,
    store: StoreDep,
    audit: Auditor,
    q: Annotated[str, Query(min_length=1, max_length=64, description="Text the value contains.")],
    kind: Annotated[EntityKind | None, Query(description="Limit to one kind.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EntityList:
    """Numbers, IMEIs, IMSIs and VRMs of the case containing ``q`` (spaces and dashes ignored)."""
    needle = _SPACES.sub("", q) or q
    kinds = [kind] if kind else list(ALL_KINDS)
    rows = store.read(cypher.load("entities/search"), case_id=case.case_id, q=needle, kinds=kinds, limit=limit + 1)
    truncated = len(rows) > limit
    data = [EntityOut(**r) for r in rows[:limit]]
    digest = result_digest([d.model_dump() for d in data])
    audit(
        "entities.search",
        case.case_id,
        {"q": q, "kind": kind, "limit": limit},
        result_count=len(data),
        result_hash=digest,
    )
    return EntityList(data=data, count=len(data), truncated=truncated, result_hash=digest)
