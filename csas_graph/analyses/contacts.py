"""Contact networks: k-hop contacts, top contacts, common contacts and call chains."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from pydantic import Field

from csas_graph.analyses._common import (
    CALL_TYPES,
    EVENT_TYPES,
    EVIDENCE_CAP,
    MESSAGE_TYPES,
    EventType,
    Key,
    KeyList,
    SupernodeParams,
    TypeList,
    case_timezone,
    classify_supernodes,
    evidence,
    excluded_list,
    incident_events,
    iso,
    iso_local,
    read_fast,
    to_utc,
    unpack,
)
from csas_graph.analyses.base import AnalysisResult
from csas_graph.analyses.summaries import summary_usable
from csas_graph.graph_store import GraphStore

Event = dict[str, Any]
RELAY_TYPES: list[EventType] = ["voice", "sms", "mms", "video"]


def _types(value: Any) -> list[str]:
    return sorted(value) if value else list(EVENT_TYPES)


def _incident(store: GraphStore, case_id: str, keys: set[str], p: Any) -> list[Event]:
    since, until = p.window()
    return incident_events(store, case_id, keys, since, until, _types(p.types))


def whole_case(p: Any) -> bool:
    """Is the question about every event of the case (no window, every type): the summaries' scope?"""
    return p.since is None and p.until is None and set(_types(p.types)) == set(EVENT_TYPES)


def _kind(event_type: str) -> str:
    if event_type in CALL_TYPES:
        return "calls"
    if event_type in MESSAGE_TYPES:
        return "sms"
    return "data" if event_type == "data" else "other"


def contact_edges(
    store: GraphStore,
    case_id: str,
    keys: set[str],
    since: Any,
    until: Any,
    types: list[str],
    *,
    summary: bool = False,
) -> dict[tuple[str, str], dict[str, Any]]:
    """Edges a–b (a < b) touching ``keys``, aggregated on the server (see :func:`aggregate_pair`).

    With ``summary`` (only for the whole case and every event type, once
    :func:`~csas_graph.analyses.summaries.summary_usable` said so) the precomputed CONTACT edges
    are read instead of the events: the same rows, without re-aggregating every event.
    """
    if not keys:
        return {}
    if summary:
        rows = read_fast(store, "analyses/summary/contact_edges", case_id=case_id, keys=sorted(keys), cap=EVIDENCE_CAP)
    else:
        rows = read_fast(
            store,
            "analyses/contact_edges",
            case_id=case_id,
            keys=sorted(keys),
            since=since,
            until=until,
            types=types,
            cap=EVIDENCE_CAP,
        )
    fields = ("a", "b", "events", "calls", "sms", "data", "a_to_b", "duration_s", "first", "last", "ids")
    out = {}
    for r in unpack(rows[0] if rows else None, fields, times=("first", "last")):
        n, a_to_b = r["events"], r["a_to_b"]
        out[(r["a"], r["b"])] = {
            "a": r["a"],
            "b": r["b"],
            "calls": r["calls"],
            "sms": r["sms"],
            "data": r["data"],
            "other": n - r["calls"] - r["sms"] - r["data"],
            "events": n,
            "a_to_b": a_to_b,
            "b_to_a": n - a_to_b,
            "direction": "both" if a_to_b and a_to_b < n else ("a->b" if a_to_b else "b->a"),
            "total_duration_s": int(r["duration_s"]),
            "first": iso(r["first"]),
            "last": iso(r["last"]),
            "evidence": r["ids"],
            "evidence_total": n,
        }
    return out


def aggregate_pair(a: str, b: str, events: list[Event]) -> dict[str, Any]:
    """One undirected edge ``a``–``b`` (a < b) summarising its events."""
    counts = {"calls": 0, "sms": 0, "data": 0, "other": 0}
    a_to_b = sum(1 for e in events if e["src"] == a)
    for e in events:
        counts[_kind(e["type"])] += 1
    starts = [to_utc(e["start"]) for e in events]
    direction = "both" if a_to_b and a_to_b < len(events) else ("a->b" if a_to_b else "b->a")
    return {
        "a": a,
        "b": b,
        **counts,
        "events": len(events),
        "a_to_b": a_to_b,
        "b_to_a": len(events) - a_to_b,
        "direction": direction,
        "total_duration_s": sum(int(e["duration_s"] or 0) for e in events),
        "first": iso(min(starts)),
        "last": iso(max(starts)),
        **evidence(e["event_id"] for e in events),
    }


# ------------------------------------------------------------------------------ contacts
class ContactsParams(SupernodeParams):
    numbers: KeyList = Field(..., min_length=1, description="Seed numbers (E.164 keys), comma-separated on the CLI.")
    hops: int = Field(1, ge=1, le=3, description="Network radius k around the seeds (1-3).")
    types: TypeList = Field(None, description="Event types to count (default: all).")
    min_count: int = Field(1, ge=1, le=1_000_000, description="Drop edges with fewer events than this.")


def contacts(store: GraphStore, case_id: str, p: ContactsParams) -> AnalysisResult:
    """The k-hop contact network around seed numbers.

    Method
    ------
    Breadth-first from the seeds: at each hop the CALLED events touching the frontier in the
    window are fetched, aggregated per unordered pair (call/SMS/data/other counts, total
    duration, first and last contact, direction) and edges below ``min_count`` dropped; the
    numbers newly reached form the next frontier. Supernodes are neither expanded nor shown.

    Parameters
    ----------
    numbers, hops, since, until, types, min_count, max_degree, include_supernodes

    Rows
    ----
    ``a``, ``b`` (a < b), ``hop`` (1 = touches a seed), counts, ``direction`` (``a->b``,
    ``b->a``, ``both``), ``total_duration_s``, ``first``, ``last``, ``evidence``,
    ``evidence_total``; ordered by hop, events descending, a, b.

    Limitations
    -----------
    Only events in the delivered records exist: a contact between two numbers neither of which
    was requested is invisible. A pair is an edge between numbers, not people.
    """
    seeds = set(p.numbers)
    reached: dict[str, int] = dict.fromkeys(seeds, 0)
    excluded: dict[str, dict[str, Any]] = {}
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    frontier = set(seeds)
    since, until = p.window()
    summary = whole_case(p) and summary_usable(store, case_id)
    for hop in range(1, p.hops + 1):
        by_pair = contact_edges(store, case_id, frontier, since, until, _types(p.types), summary=summary)
        new_numbers = {n for pair in by_pair for n in pair} - set(reached)
        if not p.include_supernodes and new_numbers:
            found = classify_supernodes(store, case_id, new_numbers, p.max_degree or 0, summary=summary)
            excluded.update(found)
        next_frontier: set[str] = set()
        for (a, b), edge in sorted(by_pair.items()):
            if (a, b) in edges or a in excluded or b in excluded or edge["events"] < p.min_count:
                continue
            edges[(a, b)] = {**edge, "hop": hop}
            for n in (a, b):
                if n not in reached:
                    reached[n] = hop
                    next_frontier.add(n)
        frontier = next_frontier
        if not frontier:
            break
    rows = sorted(edges.values(), key=lambda r: (r["hop"], -r["events"], r["a"], r["b"]))
    return AnalysisResult(
        "contacts",
        case_id,
        p.model_dump(mode="json"),
        rows,
        excluded=excluded_list(excluded),
        extra={"nodes": [{"number": n, "hop": h} for n, h in sorted(reached.items(), key=lambda x: (x[1], x[0]))]},
    )


# -------------------------------------------------------------------------- top-contacts
class TopContactsParams(SupernodeParams):
    number: Key = Field(..., description="The number whose contacts are ranked.")
    types: TypeList = Field(None, description="Event types to count (default: all).")
    limit: int = Field(20, ge=1, le=10_000, description="Number of counterparts to list.")


def top_contacts(store: GraphStore, case_id: str, p: TopContactsParams) -> AnalysisResult:
    """A number's most frequent counterparts with inbound, outbound and net counts.

    Method
    ------
    The number's CALLED events in the window are grouped by counterpart: ``outbound`` (the
    number originated), ``inbound``, ``net`` = outbound - inbound, ``total``, duration. Ranked by
    total descending, then counterpart. ``extra.hour_of_week`` is a 7×24 matrix (Monday first,
    hour 0-23) of all the number's events in the case's local time zone, supernodes included.

    Parameters
    ----------
    store, case_id
        The graph and the case whose data is read (nothing else is).
    p : TopContactsParams
        Validated parameters; every field is documented on the model
        (``csas analyse --list``, the API's OpenAPI schema).

    Limitations
    -----------
    Counts are of records, not conversations; an unanswered call counts as one. The
    matrix uses the event start as recorded (UTC) converted to the case's zone.
    """
    tz = case_timezone(store, case_id)
    events = _incident(store, case_id, {p.number}, p)
    by_other: dict[str, list[Event]] = defaultdict(list)
    matrix = [[0] * 24 for _ in range(7)]
    for e in events:
        other = e["dst"] if e["src"] == p.number else e["src"]
        by_other[other].append(e)
        local = to_utc(e["start"]).astimezone(tz)
        matrix[local.weekday()][local.hour] += 1
    excluded = {} if p.include_supernodes else classify_supernodes(store, case_id, by_other, p.max_degree or 0)
    rows = []
    for other, evs in by_other.items():
        if other in excluded or other == p.number:
            continue
        out = sum(1 for e in evs if e["src"] == p.number)
        rows.append(
            {
                "number": p.number,
                "counterpart": other,
                "outbound": out,
                "inbound": len(evs) - out,
                "net": out - (len(evs) - out),
                "total": len(evs),
                "calls": sum(1 for e in evs if _kind(e["type"]) == "calls"),
                "sms": sum(1 for e in evs if _kind(e["type"]) == "sms"),
                "total_duration_s": sum(int(e["duration_s"] or 0) for e in evs),
                "first": iso(min(to_utc(e["start"]) for e in evs)),
                "last": iso(max(to_utc(e["start"]) for e in evs)),
                "first_local": iso_local(min(to_utc(e["start"]) for e in evs), tz),
                **evidence(e["event_id"] for e in evs),
            }
        )
    rows.sort(key=lambda r: (-r["total"], r["counterpart"]))
    return AnalysisResult(
        "top-contacts",
        case_id,
        p.model_dump(mode="json"),
        rows[: p.limit],
        excluded=excluded_list(excluded),
        extra={
            "timezone": str(tz),
            "hour_of_week": matrix,
            "hour_of_week_axes": {"rows": "Monday..Sunday", "columns": "hour 0..23 local"},
            "events": len(events),
        },
    )


# ----------------------------------------------------------------------- common-contacts
class CommonContactsParams(SupernodeParams):
    numbers: KeyList = Field(..., min_length=2, description="The target numbers.")
    min_targets: int = Field(2, ge=1, le=1_000_000, description="A common contact touches at least this many targets.")
    types: TypeList = Field(None, description="Event types to count (default: all).")


def common_contacts(store: GraphStore, case_id: str, p: CommonContactsParams) -> AnalysisResult:
    """Numbers in contact with at least ``min_targets`` of the targets.

    Method
    ------
    Every CALLED event touching a target in the window is attributed to its counterpart;
    counterparts (targets included, flagged ``is_target``) are kept when they touched at least
    ``min_targets`` distinct targets. Ranked by targets touched, then events, then number.

    Limitations
    -----------
    A shared contact is a shared number, which may be a business, a switchboard or a reused
    SIM; supernodes are excluded by default for that reason.
    """
    targets = set(p.numbers)
    per: dict[str, dict[str, list[Event]]] = defaultdict(lambda: defaultdict(list))
    for e in _incident(store, case_id, targets, p):
        for t, other in ((e["src"], e["dst"]), (e["dst"], e["src"])):
            if t in targets and other != t:
                per[other][t].append(e)
    candidates = {n for n, by_t in per.items() if len(by_t) >= p.min_targets}
    excluded = {} if p.include_supernodes else classify_supernodes(store, case_id, candidates, p.max_degree or 0)
    rows = []
    for n in candidates - set(excluded):
        by_t = per[n]
        all_events = [e for evs in by_t.values() for e in evs]
        rows.append(
            {
                "number": n,
                "is_target": n in targets,
                "targets": len(by_t),
                "target_numbers": sorted(by_t),
                "per_target": {t: len(evs) for t, evs in sorted(by_t.items())},
                "events": len({e["event_id"] for e in all_events}),
                "first": iso(min(to_utc(e["start"]) for e in all_events)),
                "last": iso(max(to_utc(e["start"]) for e in all_events)),
                **evidence(e["event_id"] for e in all_events),
            }
        )
    rows.sort(key=lambda r: (-r["targets"], -r["events"], r["number"]))
    return AnalysisResult("common-contacts", case_id, p.model_dump(mode="json"), rows, excluded=excluded_list(excluded))


# --------------------------------------------------------------------------- call-chains
class CallChainsParams(SupernodeParams):
    origin: Key = Field(..., description="The number whose outgoing contacts start each chain.")
    max_hops: int = Field(3, ge=2, le=6, description="Longest chain, in hops.")
    within_minutes: float = Field(
        60, gt=0, le=525_600, description="Each hop starts within this many minutes after the previous."
    )
    types: TypeList = Field(
        default_factory=lambda: list(RELAY_TYPES),
        description="Event types that can relay (default: calls and messages).",
    )
    limit: int = Field(500, ge=1, le=100_000, description="Most chains listed.")


def call_chains(store: GraphStore, case_id: str, p: CallChainsParams) -> AnalysisResult:
    """Time-ordered relay chains A→B→C… starting at ``origin``.

    Method
    ------
    Start from each outgoing event of ``origin`` in the window; a chain extends by an event
    originated by the last recipient that starts strictly after the previous hop and within
    ``within_minutes`` of it, to a number not yet in the chain. Only maximal chains of at least
    two hops are listed (every prefix is implied), ordered by start time, then numbers.

    Limitations
    -----------
    Time order is consistent with relaying but does not prove it; the content of a call is
    unknown. Events beyond the delivered records cannot be seen. Supernodes end a chain.
    """
    delta = timedelta(minutes=p.within_minutes)
    since, until = p.window()
    out_cache: dict[str, list[Event]] = {}
    excluded: dict[str, dict[str, Any]] = {}
    checked: set[str] = set()

    def outgoing(keys: set[str]) -> None:
        missing = sorted(keys - set(out_cache))
        if not missing:
            return
        for k in missing:
            out_cache[k] = []
        rows = read_fast(
            store,
            "analyses/outgoing_events",
            case_id=case_id,
            keys=missing,
            since=since,
            until=until + delta * p.max_hops,
            types=_types(p.types),
        )
        for r in unpack(rows[0] if rows else None, ("src", "dst", "event_id", "type", "start"), times=("start",)):
            r["t"] = r["start"]
            out_cache[r["src"]].append(r)

    def screen(keys: set[str]) -> None:
        new = keys - checked
        if new and not p.include_supernodes:
            excluded.update(classify_supernodes(store, case_id, new, p.max_degree or 0))
        checked.update(new)

    outgoing({p.origin})
    chains: list[list[Event]] = [[e] for e in out_cache[p.origin] if e["t"] <= until]
    screen({e["dst"] for c in chains for e in c})
    chains = [c for c in chains if c[-1]["dst"] not in excluded]
    complete: list[list[Event]] = []
    for _ in range(p.max_hops - 1):
        outgoing({c[-1]["dst"] for c in chains})
        candidates: list[list[Event]] = []
        for chain in chains:
            last = chain[-1]
            visited = {chain[0]["src"], *(e["dst"] for e in chain)}
            window = (last["t"], last["t"] + delta)
            candidates.append(
                [e for e in out_cache[last["dst"]] if window[0] < e["t"] <= window[1] and e["dst"] not in visited]
            )
        # every chain's next numbers screened in one query (a number's verdict does not depend on the others)
        screen({e["dst"] for nexts in candidates for e in nexts})
        grown: list[list[Event]] = []
        for chain, found in zip(chains, candidates, strict=True):
            nexts = [e for e in found if e["dst"] not in excluded]
            if not nexts and len(chain) >= 2:
                complete.append(chain)
            grown += [[*chain, e] for e in nexts]
        chains = grown
        if not chains:
            break
    complete += [c for c in chains if len(c) >= 2]
    rows = [
        {
            "numbers": [c[0]["src"], *(e["dst"] for e in c)],
            "hops": len(c),
            "start": iso(c[0]["t"]),
            "end": iso(c[-1]["t"]),
            "gaps_s": [int((b["t"] - a["t"]).total_seconds()) for a, b in zip(c, c[1:], strict=False)],
            "events": [e["event_id"] for e in c],
            **evidence(e["event_id"] for e in c),
        }
        for c in complete
    ]
    rows.sort(key=lambda r: (r["start"], r["numbers"], r["events"]))
    return AnalysisResult(
        "call-chains",
        case_id,
        p.model_dump(mode="json"),
        rows[: p.limit],
        excluded=excluded_list(excluded),
        extra={"chains_found": len(rows)},
    )
