"""The registry of analyses: the one interface the CLI, the API, the UI and exports call.

``ANALYSES[name]`` describes an analysis (summary, parameter model, method statement,
limitations) and :func:`run_analysis` validates parameters and runs it. Every result row is a
JSON-able dict in a deterministic order carrying ``evidence`` (sorted event ids, at most
:data:`~csas_graph.analyses._common.EVIDENCE_CAP`) and ``evidence_total`` (the full count).
Supernodes left out are listed in ``AnalysisResult.excluded``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from csas_graph.analyses import anpr, attribution, colocation, contacts, graph, movement
from csas_graph.analyses._common import EVIDENCE_CAP, case_timezone
from csas_graph.analyses.base import AnalysisResult
from csas_graph.errors import InvalidInput, NotFound
from csas_graph.graph_store import GraphStore
from csas_graph.settings import get_settings

CELL_CAVEAT = "A phone used the cell at or before the time shown; a cell is an area, not a point."
EVIDENCE_NOTE = f"Evidence lists at most {EVIDENCE_CAP} event ids per row; evidence_total gives the full count."
SUPERNODE_NOTE = (
    "Voicemail, short codes, withheld/unknown sentinels and numbers above max_degree distinct counterparts "
    "are excluded by default and listed as excluded."
)


@dataclass(frozen=True)
class Analysis:
    """One registered analysis."""

    name: str
    summary: str
    params_model: type[BaseModel]
    run: Callable[[GraphStore, str, Any], AnalysisResult]
    method: str
    limitations: list[str] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        """JSON-able description: name, summary, method, limitations and the parameter schema."""
        return {
            "name": self.name,
            "summary": self.summary,
            "method": self.method,
            "limitations": list(self.limitations),
            "params": self.params_model.model_json_schema(),
        }


def _method(fn: Callable[..., Any]) -> str:
    """The docstring's Method section, as one paragraph."""
    doc = inspect.getdoc(fn) or ""
    lines = doc.splitlines()
    try:
        start = lines.index("Method") + 2
    except ValueError:
        return lines[0] if lines else ""
    out: list[str] = []
    for line in lines[start:]:
        if line and set(line) == {"-"}:
            out.pop()  # the next section's title
            break
        out.append(line.strip())
    return " ".join(s for s in out if s).strip()


def _limitations(fn: Callable[..., Any], *extra: str) -> list[str]:
    doc = inspect.getdoc(fn) or ""
    lines = doc.splitlines()
    found: list[str] = []
    if "Limitations" in lines:
        para = " ".join(line.strip() for line in lines[lines.index("Limitations") + 2 :] if line.strip())
        found = [s.strip() + "." for s in para.split(". ") if s.strip()]
        found = [s[:-1] if s.endswith("..") else s for s in found]
    return [*found, *extra]


def _entry(name: str, summary: str, model: type[BaseModel], fn: Callable[..., AnalysisResult], *extra: str) -> Analysis:
    return Analysis(name, summary, model, fn, _method(fn), _limitations(fn, *extra, EVIDENCE_NOTE))


ANALYSES: dict[str, Analysis] = {
    a.name: a
    for a in (
        _entry(
            "contacts",
            "The k-hop contact network (1-3 hops) around seed numbers, edges aggregated.",
            contacts.ContactsParams,
            contacts.contacts,
            SUPERNODE_NOTE,
        ),
        _entry(
            "top-contacts",
            "A number's counterparts by inbound, outbound and net counts, with a 7x24 hour-of-week matrix.",
            contacts.TopContactsParams,
            contacts.top_contacts,
            SUPERNODE_NOTE,
        ),
        _entry(
            "common-contacts",
            "Numbers in contact with at least k of a set of targets.",
            contacts.CommonContactsParams,
            contacts.common_contacts,
            SUPERNODE_NOTE,
        ),
        _entry(
            "call-chains",
            "Time-ordered relay chains A->B->C where each hop starts within a window after the previous.",
            contacts.CallChainsParams,
            contacts.call_chains,
            SUPERNODE_NOTE,
        ),
        _entry(
            "co-location",
            "Meeting episodes: numbers at the same cell or nearby sites within a time window.",
            colocation.CoLocationParams,
            colocation.co_location,
            SUPERNODE_NOTE,
        ),
        _entry(
            "tower-dump",
            "Numbers seen at cells near a point (or given cells) in a window; presence at k of N scenes.",
            colocation.TowerDumpParams,
            colocation.tower_dump,
        ),
        _entry(
            "anpr-association",
            "Phones seen near a vehicle's ANPR reads (or vehicles near a phone), scored against busy-road chance.",
            anpr.AnprParams,
            anpr.anpr_association,
            CELL_CAVEAT,
        ),
        _entry(
            "convoy",
            "Vehicles read at the same cameras as a vehicle within a window, at k or more cameras.",
            anpr.ConvoyParams,
            anpr.convoy,
        ),
        _entry(
            "attribution",
            "Number-SIM-Handset timelines, handset and SIM swaps, handsets with many SIMs.",
            attribution.AttributionParams,
            attribution.attribution,
        ),
        _entry(
            "successors",
            "When a number falls silent, new numbers ranked by shared contacts (Jaccard) and timing.",
            attribution.SuccessorsParams,
            attribution.successors,
            SUPERNODE_NOTE,
        ),
        _entry(
            "pattern-of-life",
            "Home cell (night), top cells per hour band, daily first/last activity, dormant periods.",
            movement.PatternOfLifeParams,
            movement.pattern_of_life,
        ),
        _entry(
            "timeline",
            "A number's sightings in time order with cell geometry; impossible-speed jumps flagged.",
            movement.TimelineParams,
            movement.timeline,
        ),
        _entry(
            "centrality",
            "Degree, betweenness, eigenvector centrality and k-core number on the contact graph.",
            graph.CentralityParams,
            graph.centrality,
            SUPERNODE_NOTE,
        ),
        _entry(
            "communities",
            "Louvain communities of the contact graph (fixed seed).",
            graph.CommunitiesParams,
            graph.communities,
            SUPERNODE_NOTE,
        ),
        _entry(
            "path",
            "Shortest contact paths between two numbers.",
            graph.PathParams,
            graph.path,
            SUPERNODE_NOTE,
        ),
    )
}


def get_analysis(name: str) -> Analysis:
    try:
        return ANALYSES[name]
    except KeyError:
        raise NotFound(
            f"no analysis {name!r}; known: {', '.join(sorted(ANALYSES))}", field="name", analysis=name
        ) from None


def validate_params(name: str, params: dict[str, Any]) -> BaseModel:
    """Validate raw parameters against an analysis' model; errors name the field."""
    analysis = get_analysis(name)
    try:
        model = analysis.params_model.model_validate(params)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "params"
        raise InvalidInput(f"{name}: parameter {where}: {first.get('msg')}", field=where, analysis=name) from err
    if "max_degree" in type(model).model_fields and getattr(model, "max_degree", None) is None:
        # resolved here so that the recorded parameters (and the hash) state the threshold used
        model = model.model_copy(update={"max_degree": get_settings().supernode_degree})
    return model


def run_analysis(store: GraphStore, case_id: str, name: str, params: dict[str, Any]) -> AnalysisResult:
    """Validate ``params`` and run analysis ``name`` on case ``case_id``.

    Raises :class:`NotFound` for an unknown analysis or case, :class:`InvalidInput` (naming the
    field) for bad parameters.
    """
    model = validate_params(name, params)
    case_timezone(store, case_id)  # NotFound for an unknown case, before any work
    return ANALYSES[name].run(store, case_id, model)
