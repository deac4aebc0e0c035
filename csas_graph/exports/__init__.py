"""Exports of a case for other tools: one module per format, one entry point.

:func:`export_case` is what the CLI (``csas export``) and the API (``GET /cases/{id}/exports/{fmt}``)
call. Every export checks the user's role (a viewer may not export) and is audited *before* the
bytes are returned (action ``export``, the parameters, the item count and the SHA-256 of the bytes).

=========  ======================================  ===========================================
format     for                                     module
=========  ======================================  ===========================================
graphml    Gephi, yEd, Cytoscape, networkx         :mod:`.graphml`
anx        i2 Analyst's Notebook                   :mod:`.anx`
kml        Google Earth                            :mod:`.kml`
csv        spreadsheets (schedule of events)       :mod:`.schedule`
xlsx       Excel / LibreOffice (schedule + sources) :mod:`.schedule`
ftm        Aleph / FollowTheMoney tools            :mod:`.ftm`
=========  ======================================  ===========================================
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from csas_graph.cases import get_case
from csas_graph.errors import InvalidInput
from csas_graph.exhibits import adapters
from csas_graph.exports.data import load_case_data, movement, parse_params
from csas_graph.graph_store import GraphStore

FORMATS: dict[str, tuple[str, str]] = {
    "graphml": ("application/graphml+xml", "graphml"),
    "anx": ("application/xml", "anx"),
    "kml": ("application/vnd.google-earth.kml+xml", "kml"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ftm": ("application/x-ndjson", "ftm.json"),
}


@dataclass(frozen=True)
class ExportFile:
    """The bytes of an export, how to serve them, and what the audit recorded."""

    content: bytes
    media_type: str
    filename: str
    item_count: int = 0

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def export_case(
    store: GraphStore,
    case_id: str,
    fmt: str,
    params: dict[str, Any] | None = None,
    *,
    user: str,
    client: str = "api",
) -> ExportFile:
    """Export ``case_id`` as ``fmt`` for ``user``; audited before it is returned.

    Parameters
    ----------
    params
        ``since``/``until`` (ISO times with zone) bound the events; ``number`` selects the number
        whose movement the KML tours; ``sector_radius_m`` sets the KML's drawn sector length.

    Raises
    ------
    InvalidInput
        An unknown format or parameter.
    PermissionDenied
        The user is unknown or a viewer.
    NotFound
        No such case.
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown export format {fmt!r}; one of: {', '.join(FORMATS)}", field="format")
    options = parse_params(params or {})
    adapters.require_role(store, user, adapters.EXPORTER_ROLES, "exporting")
    case = get_case(store, case_id)
    content, count = _build(store, case_id, fmt, options, case.timezone)
    media_type, suffix = FORMATS[fmt]
    export = ExportFile(content, media_type, f"{case_id}.{suffix}", count)
    adapters.record_audit(
        store,
        user=user,
        action="export",
        case_id=case_id,
        params={"format": fmt, **options.model_dump(mode="json", exclude_none=True)},
        result_count=count,
        result_hash=export.sha256,
        client=client,
    )
    return export


def _build(store: GraphStore, case_id: str, fmt: str, options: Any, timezone: str) -> tuple[bytes, int]:
    # imported here so that a format's heavy dependency loads only when that format is asked for
    if fmt == "kml":
        from csas_graph.exports.kml import export_kml

        data = load_case_data(store, case_id, options, events=False)
        return export_kml(data, options, movement(store, case_id, options))
    data = load_case_data(store, case_id, options)
    if fmt == "graphml":
        from csas_graph.exports.graphml import export_graphml

        return export_graphml(data)
    if fmt == "anx":
        from csas_graph.exports.anx import export_anx

        return export_anx(data)
    if fmt == "csv":
        from csas_graph.exports.schedule import export_csv

        return export_csv(data, timezone)
    if fmt == "xlsx":
        from csas_graph.exports.schedule import export_xlsx

        return export_xlsx(data, options, timezone)
    from csas_graph.exports.ftm import export_ftm

    return export_ftm(data)


__all__ = ["FORMATS", "ExportFile", "export_case"]
