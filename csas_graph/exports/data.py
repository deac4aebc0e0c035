"""The case data every export draws on, read once and shaped as plain values.

Nodes get a stable id ``<Label>:<key>`` (``Number:+447700900123``, ``Cell:234-10-…@2024-01-01``)
so the same node has the same id in every format. Times are UTC ISO strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

import cypher
from csas_graph.errors import InvalidInput
from csas_graph.graph_store import GraphStore
from csas_graph.runs import source_files


class ExportParams(BaseModel):
    """Options shared by the exports; unknown options are refused rather than ignored."""

    model_config = ConfigDict(extra="forbid")

    since: datetime | None = Field(default=None, description="Only events at or after this time (ISO 8601).")
    until: datetime | None = Field(default=None, description="Only events before this time (ISO 8601).")
    number: str | None = Field(default=None, description="KML: the number (E.164 key) whose movement to tour.")
    sector_radius_m: float = Field(default=1000.0, gt=0, le=100_000, description="KML: drawn sector length.")

    @field_validator("since", "until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2024-03-01T00:00:00Z")
        return value


def parse_params(params: dict[str, Any]) -> ExportParams:
    try:
        return ExportParams.model_validate(params)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "params"
        raise InvalidInput(f"export parameter {where}: {first.get('msg')}", field=where) from err


@dataclass
class CaseData:
    """Nodes, events, links and source files of one case (within the requested window)."""

    case_id: str
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def edges(self) -> list[dict[str, Any]]:
        return self.events + self.links

    def source_name(self, sha256: str | None) -> str | None:
        if sha256 is None:
            return None
        return (self.sources.get(sha256) or {}).get("file_name")


def load_case_data(store: GraphStore, case_id: str, params: ExportParams, *, events: bool = True) -> CaseData:
    data = CaseData(case_id=case_id)
    for row in store.read(cypher.load("evidence/export_nodes"), case_id=case_id):
        data.nodes[row["id"]] = {"id": row["id"], "label": row["label"], "key": row["key"], **plain(row["props"])}
    if events:
        data.events = _events(store, case_id, params)
    data.links = [_edge(row) for row in store.read(cypher.load("evidence/export_links"), case_id=case_id)]
    data.sources = {f["sha256"]: f for f in source_files(store, case_id)}
    return data


#: event relationship → its query (one per type: only its own columns, no nulls to decode)
_EVENT_QUERIES = (
    ("CALLED", "evidence/export_calls"),
    ("SEEN_AT", "evidence/export_sightings"),
    ("READ_AT", "evidence/export_reads"),
)


def _events(store: GraphStore, case_id: str, params: ExportParams) -> list[dict[str, Any]]:
    """Every event in the window, oldest first (ties: event id, type, role, party)."""
    events = []
    for rel, query in _EVENT_QUERIES:
        rows = store.read(cypher.load(query), case_id=case_id, since=params.since, until=params.until)
        events += [{"rel": rel, **{k: v for k, v in row.items() if v is not None}} for row in rows]
    events.sort(key=lambda e: (e["ms"], e["event_id"], e["rel"], e.get("role", ""), e.get("party", "")))
    for event in events:
        del event["ms"]
    return events


def movement(store: GraphStore, case_id: str, params: ExportParams) -> list[dict[str, Any]]:
    if params.number is None:
        return []
    rows = store.read(
        cypher.load("evidence/movement"), case_id=case_id, number=params.number, since=params.since, until=params.until
    )
    return [plain(r) for r in rows]


def _edge(row: dict[str, Any]) -> dict[str, Any]:
    props = plain(row["props"])
    props.pop("case_id", None)
    for reserved in ("rel", "source", "target"):  # e.g. CALLED.target: the number dialled, as recorded
        if reserved in props:
            props[f"{reserved}_recorded"] = props.pop(reserved)
    return {**props, "rel": row["rel"], "source": row["source"], "target": row["target"]}


def plain(value: Any) -> Any:
    """Neo4j values as JSON-able plain values (temporal types as ISO strings)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "iso_format"):
        return value.iso_format()
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def edge_id(edge: dict[str, Any]) -> str:
    """A stable id per edge: the event id (plus role for sightings), else type and ends."""
    if edge.get("event_id"):
        role = f":{edge['role']}" if edge.get("role") else ""
        party = f":{edge['party']}" if edge.get("party") else ""  # a sighting is per event, role and party
        return f"{edge['rel']}:{edge['event_id']}{role}{party}"
    return f"{edge['rel']}:{edge['source']}->{edge['target']}"


def display_label(node: dict[str, Any]) -> str:
    if node["label"] == "Cell":
        return str(node.get("site_name") or node.get("cgi") or node["key"])
    if node["label"] == "Person":
        return str(node.get("name") or node["key"])
    if node["label"] == "Camera":
        return str(node.get("name") or node["key"])
    return str(node["key"])
