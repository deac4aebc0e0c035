"""Entity search: numbers, IMEIs, IMSIs and VRMs by partial match."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

EntityKind = Literal["number", "imei", "imsi", "vrm"]


class EntityOut(BaseModel):
    kind: EntityKind
    value: str
    subtype: str | None = None


class EntityList(BaseModel):
    data: list[EntityOut]
    count: int
    truncated: bool
    result_hash: str
