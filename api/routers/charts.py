"""Charts: link charts, sector maps, timelines and the hour-of-week heat map of a case.

``format=json`` gives the payload the web UI draws; ``format=html`` a standalone page with every
script and style in-lined (an export: viewers may not, and it is audited as one). Each chart runs
the analysis it shows, so its metadata carries that analysis' parameters and result hash.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.deps import Auditor, CaseAccess, CurrentUser, SettingsDep, StoreDep, require_modify, result_digest
from api.schemas.common import PROBLEMS
from csas_graph import chart_data
from csas_graph.errors import InvalidInput
from csas_graph.settings import Settings
from viz import link_chart, sector_map, timeline

router = APIRouter(
    prefix="/cases/{case_id}/charts",
    tags=["charts"],
    responses={200: {"content": {"text/html": {}}}, 401: PROBLEMS[401], 404: PROBLEMS[404], 422: PROBLEMS[422]},
)

Format = Annotated[Literal["json", "html"], Query(description="json: the payload the UI draws; html: standalone page.")]
Since = Annotated[datetime | None, Query(description="Window start (ISO 8601; naive = UTC).")]
Until = Annotated[datetime | None, Query(description="Window end, inclusive (ISO 8601; naive = UTC).")]
Download = Annotated[bool, Query(description="With format=html: send as an attachment.")]


def _keys(value: str, field: str) -> list[str]:
    keys = [k.strip() for k in value.split(",") if k.strip()]
    if not keys:
        raise InvalidInput(f"{field}: give at least one number", field=field)
    if len(keys) > 50:
        raise InvalidInput(f"{field}: at most 50 numbers", field=field)
    return keys


def content_security_policy(settings: Settings, *, inline: bool) -> str:
    """Only this app's own (or in-lined) code runs, and only tiles from the configured host load."""
    tiles = ""
    if settings.tile_url:
        parts = urlsplit(settings.tile_url.replace("{s}", "tile-subdomain"))
        tiles = f" {parts.scheme}://{parts.netloc.replace('tile-subdomain', '*')}"
    scripts = "'unsafe-inline'" if inline else "'self'"
    return (
        f"default-src 'none'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:{tiles}; connect-src 'self'; font-src 'self' data:; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
    )


def _respond(
    kind: str,
    data: chart_data.ChartData,
    render: Callable[[dict[str, Any]], str],
    fmt: str,
    download: bool,
    params: dict[str, Any],
    case_id: str,
    audit: Auditor,
    principal: CurrentUser,
    settings: Settings,
) -> Response:
    if fmt == "html":
        require_modify(principal, "export charts")
    hashes = [a["result_hash"] for a in data.analyses]
    audit(
        f"chart.{kind}" + (".export" if fmt == "html" else ""),
        case_id,
        {**params, "format": fmt, "analyses": data.analyses},
        result_count=data.row_count,
        result_hash=hashes[0] if len(hashes) == 1 else result_digest(hashes),
    )
    if fmt == "json":
        return JSONResponse(data.payload)
    headers = {"Content-Security-Policy": content_security_policy(settings, inline=True)}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{case_id}-{kind}.html"'
    return HTMLResponse(render(data.payload), headers=headers)


@router.get("/contacts", summary="Link chart of the contacts analysis")
def contacts(
    case: CaseAccess,
    principal: CurrentUser,
    store: StoreDep,
    settings: SettingsDep,
    audit: Auditor,
    seeds: Annotated[str, Query(min_length=1, max_length=2000, description="Seed numbers, comma-separated.")],
    hops: Annotated[int, Query(ge=1, le=3)] = 1,
    since: Since = None,
    until: Until = None,
    min_count: Annotated[int, Query(ge=1)] = 1,
    identifiers: Annotated[bool, Query(description="Add the numbers' SIMs and handsets.")] = False,
    layout: Annotated[Literal["auto", "server", "physics"], Query()] = "auto",
    format: Format = "json",
    download: Download = False,
) -> Response:
    """The k-hop contact network as a vis-network chart (nodes, edges, tooltips, collapsed supernodes)."""
    keys = _keys(seeds, "seeds")
    data = chart_data.contacts_chart(
        store,
        case.case_id,
        seeds=keys,
        hops=hops,
        since=since,
        until=until,
        min_count=min_count,
        identifiers=identifiers,
        layout=layout,
    )
    params = {"seeds": keys, "hops": hops, "since": since, "until": until, "identifiers": identifiers}
    return _respond(
        "contacts",
        data,
        link_chart.render_html,
        format,
        download,
        _jsonable(params),
        case.case_id,
        audit,
        principal,
        settings,
    )


@router.get("/map", summary="Cell sectors, movement, co-location and ANPR on a map")
def map_(
    case: CaseAccess,
    principal: CurrentUser,
    store: StoreDep,
    settings: SettingsDep,
    audit: Auditor,
    number: Annotated[str | None, Query(max_length=64, description="Draw this number's movement.")] = None,
    meet: Annotated[str | None, Query(max_length=64, description="Co-location of `number` with this number.")] = None,
    vrm: Annotated[str | None, Query(max_length=16, description="Draw this vehicle's ANPR reads.")] = None,
    since: Since = None,
    until: Until = None,
    all_cells: Annotated[bool, Query(description="Draw every located cell of the case too.")] = False,
    format: Format = "json",
    download: Download = False,
) -> Response:
    """Sector wedges at a fixed illustrative radius, with captions stating their limits."""
    data = chart_data.map_chart(
        store,
        case.case_id,
        settings,
        number=number,
        meet=meet,
        vrm=vrm,
        since=since,
        until=until,
        all_cells=all_cells,
    )
    params = {"number": number, "meet": meet, "vrm": vrm, "since": since, "until": until, "all_cells": all_cells}
    return _respond(
        "map",
        data,
        sector_map.render_html,
        format,
        download,
        _jsonable(params),
        case.case_id,
        audit,
        principal,
        settings,
    )


@router.get("/timeline", summary="Swimlane timeline of numbers' sightings")
def timeline_(
    case: CaseAccess,
    principal: CurrentUser,
    store: StoreDep,
    settings: SettingsDep,
    audit: Auditor,
    number: Annotated[str, Query(min_length=1, max_length=2000, description="Numbers, comma-separated.")],
    since: Since = None,
    until: Until = None,
    format: Format = "json",
    download: Download = False,
) -> Response:
    """One lane per number, one mark per sighting (the timeline analysis' rows)."""
    keys = _keys(number, "number")
    data = chart_data.timeline_chart(store, case.case_id, numbers=keys, since=since, until=until)
    params = {"numbers": keys, "since": since, "until": until}
    return _respond(
        "timeline",
        data,
        timeline.render_html,
        format,
        download,
        _jsonable(params),
        case.case_id,
        audit,
        principal,
        settings,
    )


@router.get("/heatmap", summary="7×24 hour-of-week activity heat map")
def heatmap(
    case: CaseAccess,
    principal: CurrentUser,
    store: StoreDep,
    settings: SettingsDep,
    audit: Auditor,
    number: Annotated[str, Query(min_length=1, max_length=64)],
    since: Since = None,
    until: Until = None,
    format: Format = "json",
    download: Download = False,
) -> Response:
    """Events per hour of the week in the case's time zone (top-contacts' matrix)."""
    data = chart_data.heatmap_chart(store, case.case_id, number=number.strip(), since=since, until=until)
    params = {"number": number, "since": since, "until": until}
    return _respond(
        "heatmap",
        data,
        timeline.render_html,
        format,
        download,
        _jsonable(params),
        case.case_id,
        audit,
        principal,
        settings,
    )


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in params.items() if v is not None}
