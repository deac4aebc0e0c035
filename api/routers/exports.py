"""Exports of a case's graph and results: GraphML, i2 ANX, KML, XLSX, CSV, FollowTheMoney."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.deps import CaseAccess, CurrentUser, StoreDep, require_modify
from api.schemas.common import problems
from csas_graph.exports import FORMATS, export_case

router = APIRouter(prefix="/cases/{case_id}/exports", tags=["exports"], responses=problems(401, 403, 404, 422, 503))

ExportFormat = Literal["graphml", "anx", "kml", "xlsx", "csv", "ftm"]


@router.get(
    "/{fmt}",
    response_class=Response,
    responses={
        200: {
            "content": {media_type: {} for media_type in sorted({m for m, _ in FORMATS.values()})},
            "description": "The export file, in the format's own media type.",
        },
    },
)
def export(
    fmt: Annotated[ExportFormat, Path(description="The file format.")],
    request: Request,
    case: CaseAccess,
    principal: CurrentUser,
    store: StoreDep,
    since: Annotated[str | None, Query(max_length=40, description="ISO time with zone: events from.")] = None,
    until: Annotated[str | None, Query(max_length=40, description="ISO time with zone: events until.")] = None,
    number: Annotated[str | None, Query(max_length=40, description="The number whose movement a KML tours.")] = None,
    sector_radius_m: Annotated[float | None, Query(gt=0, le=100_000, description="KML sector length.")] = None,
) -> Response:
    """Download the case's graph or event schedule as a file (not for viewers)."""
    require_modify(principal, "export")
    params = {
        k: v
        for k, v in {"since": since, "until": until, "number": number, "sector_radius_m": sector_radius_m}.items()
        if v is not None
    }
    # export_case checks the role again and writes the audit record (with the file's SHA-256)
    client = request.client.host if request.client else "api"
    file = export_case(store, case.case_id, fmt, params, user=principal.username, client=client)
    digest = hashlib.sha256(file.content).hexdigest()
    safe_name = "".join(c if c.isalnum() or c in "._-" else "_" for c in file.filename) or f"export.{fmt}"
    return Response(
        file.content,
        media_type=file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{safe_name}"', "X-Content-SHA256": digest},
    )
