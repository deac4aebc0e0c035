"""Precomputed per-case summaries that let analyses skip re-aggregating every event.

The contact summary
-------------------
``(a:Number)-[:CONTACT]->(b:Number)`` (``a.key <= b.key``) aggregates every CALLED event between
two numbers exactly as ``cypher/analyses/contact_edges.cypher`` does over the whole case: event
count, calls, SMS, data, ``a_to_b``, total duration, first and last start (epoch ms) and the first
:data:`~csas_graph.analyses._common.EVIDENCE_CAP` event ids in id order. A self-loop edge records
a number's calls to itself (only so that distinct-counterpart degrees match the event level).
An ``AnalysisSummary {case_id, name: 'contacts'}`` node records what it was built over: the
case's complete source files, per-number CALLED degrees, the evidence cap and ``clean``.

The presence summary
--------------------
``(n:Number)-[:PRESENCE {d, cum}]->(c:Cell)`` holds, per number and cell, the distinct hours
(epoch hours) of its sightings there and the cumulative count up to each hour;
``(n)-[:PRESENCE_PAIR {other, d, cum, d2, cum2, band}]->(c)`` the same over the events that saw it
at two cells (first and last sighting, at c the earlier): ``d``/``cum`` by the hour of the earlier
sighting, ``d2``/``cum2`` by the hour of the later, ``band`` the most hours between the two. Every edge
also holds its first and last hours and its total, so an edge wholly inside (or outside) a span is
counted without loading its lists.
ANPR association's exposure (a candidate's distinct sightings at the cameras' cells over the
whole hours of a span) is then sightings minus events counted twice, four binary searches per
edge (see ``cypher/analyses/summary/presence_counts.cypher``). It is rebuilt for numbers whose SEEN_AT
degree changed.

The per-number digests
----------------------
``(:IdentitySummary {case_id, number, data})`` (attribution) and ``(:LifeSummary {case_id,
number, zone, data})`` (pattern of life) hold, as JSON, what a whole-case question about one
number needs from its own events (see :func:`csas_graph.analyses.attribution.identity_digest`
and :func:`csas_graph.analyses.movement.life_digest`). A number's digest is rebuilt when its
CALLED or SEEN_AT degree changes; a life digest records the time zone its local hours were taken
in and is refused in any other.

Why it cannot go stale
----------------------
* **Refreshed on import.** :func:`refresh_contact_summary` is registered in
  :data:`csas_graph.importer.POST_IMPORT_HOOKS` and runs after every file lands. Events are never
  changed once written (a duplicate delivery only appends to ``sources``), so a pair whose
  summary differs from its events is a pair whose event *count* differs; only numbers whose CALLED
  degree changed are examined, and only their pairs whose count differs are re-aggregated.
* **Checked on use.** Every read of the summary first compares the recorded files with the
  case's complete files now and refuses it when they differ, when a load is in flight, or when the
  refresh ran during one (``clean`` false): the analysis then reads the events themselves. An
  import by a process that never loaded this module, a crashed load, a rolled-back file: each is
  seen as a file-set mismatch, never served from an outdated summary.
* **Identical answers.** The summary is only used for the default question (whole case, every
  event type); tests assert that summary and event-level answers are equal row for row, hash for
  hash, and that importing a further file updates the summary.

Limitations
-----------
A refresh after a load costs a degree count per number and the re-aggregation of the pairs the
file touched (a target's CDR touches every pair of that target). Windowed or type-filtered
questions are answered from the events.
"""

from __future__ import annotations

import json
from typing import Any

import cypher
from csas_graph import importer
from csas_graph.analyses._common import EARLIEST, EVENT_TYPES, EVIDENCE_CAP, read_fast
from csas_graph.graph_store import GraphStore

CONTACTS = "contacts"
#: the PRESENCE summary ("-hourly-3": per-hour cumulative counts, PRESENCE_PAIR edges with the later sightings' hours
#: too, first/last/total on every edge; a new name rebuilds older cases)
PRESENCE = "presence-hourly-3"
IDENTITY = "identity"
LIFE = "life"
#: numbers whose whole identity history is read per query when building digests
IDENTITY_BATCH = 20
#: anchors per write transaction when (re)building CONTACT edges
WRITE_BATCH = 20


def summary_state(store: GraphStore, case_id: str, name: str = CONTACTS) -> dict[str, Any]:
    """The summary's state beside the case's files now (also a :func:`~._common.data_version` row)."""
    return read_fast(store, "analyses/summary/state", case_id=case_id, summary=name)[0]


def summary_usable(store: GraphStore, case_id: str, name: str = CONTACTS, state: dict[str, Any] | None = None) -> bool:
    """Was the summary built, cleanly, over exactly the case's complete files, with no load in flight?

    ``state`` is a :func:`summary_state` row already read for this question (else it is read).
    """
    return _usable(state if state is not None else summary_state(store, case_id, name))


def _usable(state: dict[str, Any]) -> bool:
    return (
        state["built_files"] is not None
        and state["clean"]
        and state["cap"] == EVIDENCE_CAP
        and state["loading"] == 0
        and list(state["built_files"]) == list(state["files"])
    )


def _window() -> dict[str, Any]:
    from csas_graph.analyses._common import LATEST

    return {"since": EARLIEST, "until": LATEST, "types": list(EVENT_TYPES)}


def refresh_contact_summary(store: GraphStore, case_id: str, *, full: bool = False) -> dict[str, int]:
    """Bring the CONTACT summary of a case up to date with its CALLED events.

    Method
    ------
    Per-number CALLED degrees (degree-store counts) are compared with those recorded at the last
    refresh; for each number whose degree changed (every number when ``full``, on the first build
    or after an unclean one) the counterparts whose CONTACT edge no longer matches the event count
    are found, and those pairs' edges are rebuilt from the events. The state records the files
    the refresh saw; it is ``clean`` only when no load was in flight and no file completed while
    it ran.

    Returns counts: ``numbers_checked``, ``pairs_rebuilt``.
    """
    before = store.read(cypher.load("analyses/summary/state"), case_id=case_id, summary=CONTACTS)[0]
    current = store.read(cypher.load("analyses/summary/called_degrees"), case_id=case_id)[0]
    degrees = dict(zip(current["numbers"] or [], current["degrees"] or [], strict=True))
    stored: dict[str, int] = {}
    if not full and before["built_files"] is not None and before["clean"] and before["cap"] == EVIDENCE_CAP:
        old = store.read(cypher.load("analyses/summary/stored_degrees"), case_id=case_id, summary=CONTACTS)
        if old:
            stored = dict(zip(old[0]["numbers"] or [], old[0]["degrees"] or [], strict=True))
        changed = sorted(k for k, d in degrees.items() if stored.get(k) != d)
        changed += sorted(k for k in stored if k not in degrees)
    else:
        changed = sorted(degrees)
    window = _window()
    pairs: dict[str, set[str]] = {}
    for i in range(0, len(changed), 500):
        for r in store.read(
            cypher.load("analyses/summary/contact_changed_pairs"), case_id=case_id, keys=changed[i : i + 500], **window
        ):
            for other in r["others"]:
                a, b = sorted((r["number"], other))
                pairs.setdefault(a, set()).add(b)
    rows = [{"a": a, "others": sorted(bs)} for a, bs in sorted(pairs.items())]
    for i in range(0, len(rows), WRITE_BATCH):
        store.write(
            cypher.load("analyses/summary/contact_write"),
            case_id=case_id,
            rows=rows[i : i + WRITE_BATCH],
            cap=EVIDENCE_CAP,
            **window,
        )
    _save_state(store, case_id, CONTACTS, before, degrees)
    return {"numbers_checked": len(changed), "pairs_rebuilt": sum(len(r["others"]) for r in rows)}


def refresh_presence_summary(store: GraphStore, case_id: str, *, full: bool = False) -> dict[str, int]:
    """Bring the PRESENCE summary of a case up to date with its SEEN_AT sightings.

    Method
    ------
    Per-number SEEN_AT degrees are compared with those recorded at the last refresh; every
    number whose degree changed (every number when ``full``, on the first build or after an
    unclean one) has its PRESENCE and PRESENCE_PAIR edges rebuilt (per-hour cumulative counts per
    cell and per pair of cells). Sightings never change once written, so an unchanged degree is
    unchanged data.

    Returns counts: ``numbers_rebuilt``.
    """
    before = store.read(cypher.load("analyses/summary/state"), case_id=case_id, summary=PRESENCE)[0]
    current = store.read(cypher.load("analyses/summary/seen_degrees"), case_id=case_id)[0]
    degrees = dict(zip(current["numbers"] or [], current["degrees"] or [], strict=True))
    stored: dict[str, int] = {}
    if not full and before["built_files"] is not None and before["clean"] and before["cap"] == EVIDENCE_CAP:
        old = store.read(cypher.load("analyses/summary/stored_degrees"), case_id=case_id, summary=PRESENCE)
        if old:
            stored = dict(zip(old[0]["numbers"] or [], old[0]["degrees"] or [], strict=True))
        changed = sorted(k for k, d in degrees.items() if stored.get(k) != d)
    else:
        changed = sorted(degrees)
    for i in range(0, len(changed), WRITE_BATCH):
        store.write(cypher.load("analyses/summary/presence_write"), case_id=case_id, keys=changed[i : i + WRITE_BATCH])
    _save_state(store, case_id, PRESENCE, before, degrees)
    return {"numbers_rebuilt": len(changed)}


def refresh_identity_summary(store: GraphStore, case_id: str, *, full: bool = False) -> dict[str, int]:
    """Bring the per-number identity digests (attribution) up to date with the events.

    Method
    ------
    A number's digest (:func:`csas_graph.analyses.attribution.identity_digest`) is built from
    its own CALLED and SEEN_AT events and its USED_HANDSET / USED_SIM links, all of which only
    grow with its own events; so per-number (CALLED, SEEN_AT) degrees are compared with those
    recorded at the last refresh and every number whose degrees changed (every number when
    ``full``, on the first build or after an unclean one) has its digest rebuilt from the
    events; digests of numbers the case no longer has are dropped.

    Returns counts: ``numbers_rebuilt``, ``numbers_dropped``.
    """
    from csas_graph.analyses._common import WindowParams
    from csas_graph.analyses.attribution import _identity_sequences, identity_digest

    before, degrees, changed, gone = _own_event_changes(store, case_id, IDENTITY, full=full)
    whole_case = WindowParams(since=None, until=None)
    for i in range(0, len(changed), IDENTITY_BATCH):
        keys = changed[i : i + IDENTITY_BATCH]
        seq = _identity_sequences(store, case_id, keys, whole_case)["seq"]
        rows = [
            {"number": k, "data": json.dumps(identity_digest(k, seq.get(k, [])), separators=(",", ":"))} for k in keys
        ]
        store.write(cypher.load("analyses/summary/identity_write"), case_id=case_id, rows=rows)
    if gone:
        store.write(cypher.load("analyses/summary/identity_delete"), case_id=case_id, keys=gone)
    _save_state(store, case_id, IDENTITY, before, degrees)
    return {"numbers_rebuilt": len(changed), "numbers_dropped": len(gone)}


def identity_digests(store: GraphStore, case_id: str, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The stored identity digests of the given numbers (call only when the summary is usable)."""
    rows = read_fast(store, "analyses/summary/identity_read", case_id=case_id, keys=keys)
    return {r["number"]: json.loads(r["data"]) for r in rows}


def _own_event_changes(
    store: GraphStore, case_id: str, name: str, *, full: bool
) -> tuple[dict[str, Any], dict[str, int], list[str], list[str]]:
    """State before, per-number (CALLED, SEEN_AT) degrees now (one integer each), the numbers
    whose degrees changed since the last refresh (all when ``full`` or after an unclean one) and
    the numbers the case no longer has."""
    before = store.read(cypher.load("analyses/summary/state"), case_id=case_id, summary=name)[0]
    called = store.read(cypher.load("analyses/summary/called_degrees"), case_id=case_id)[0]
    seen = store.read(cypher.load("analyses/summary/seen_degrees"), case_id=case_id)[0]
    c = dict(zip(called["numbers"] or [], called["degrees"] or [], strict=True))
    v = dict(zip(seen["numbers"] or [], seen["degrees"] or [], strict=True))
    # one integer per number that changes whenever either degree does
    degrees = {k: c.get(k, 0) * 4_294_967_296 + v.get(k, 0) for k in sorted(set(c) | set(v))}
    stored: dict[str, int] = {}
    if not full and before["built_files"] is not None and before["clean"] and before["cap"] == EVIDENCE_CAP:
        old = store.read(cypher.load("analyses/summary/stored_degrees"), case_id=case_id, summary=name)
        if old:
            stored = dict(zip(old[0]["numbers"] or [], old[0]["degrees"] or [], strict=True))
        changed = sorted(k for k, d in degrees.items() if stored.get(k) != d)
    else:
        changed = sorted(degrees)
    return before, degrees, changed, sorted(k for k in stored if k not in degrees)


def refresh_life_summary(store: GraphStore, case_id: str, *, full: bool = False) -> dict[str, int]:
    """Bring the per-number pattern-of-life digests up to date with the events.

    Method
    ------
    As :func:`refresh_identity_summary`: a number's digest
    (:func:`csas_graph.analyses.movement.life_digest`) depends only on its own sightings and
    CALLED events, so numbers whose degrees changed are rebuilt. Local times depend on the
    case's time zone: a digest records the zone it was built in, is refused on use in any
    other, and a refresh that finds another zone rebuilds every number.

    Returns counts: ``numbers_rebuilt``, ``numbers_dropped``.
    """
    from csas_graph.analyses._common import case_timezone
    from csas_graph.analyses.movement import life_digest

    tz = case_timezone(store, case_id)
    zones = store.read(cypher.load("analyses/summary/life_zones"), case_id=case_id)[0]["zones"] or []
    before, degrees, changed, gone = _own_event_changes(
        store, case_id, LIFE, full=full or any(z != str(tz) for z in zones)
    )
    for i in range(0, len(changed), WRITE_BATCH):
        rows = [
            {
                "number": k,
                "zone": str(tz),
                "data": json.dumps(life_digest(store, case_id, k, tz), separators=(",", ":")),
            }
            for k in changed[i : i + WRITE_BATCH]
        ]
        store.write(cypher.load("analyses/summary/life_write"), case_id=case_id, rows=rows)
    if gone:
        store.write(cypher.load("analyses/summary/life_delete"), case_id=case_id, keys=gone)
    _save_state(store, case_id, LIFE, before, degrees)
    return {"numbers_rebuilt": len(changed), "numbers_dropped": len(gone)}


def life_digests(store: GraphStore, case_id: str, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The stored pattern-of-life digests of the given numbers (call only when the summary is usable)."""
    rows = read_fast(store, "analyses/summary/life_read", case_id=case_id, keys=keys)
    return {r["number"]: json.loads(r["data"]) for r in rows}


def _save_state(store: GraphStore, case_id: str, name: str, before: dict[str, Any], degrees: dict[str, int]) -> None:
    after = store.read(cypher.load("analyses/summary/state"), case_id=case_id, summary=name)[0]
    clean = before["loading"] == 0 and after["loading"] == 0 and list(before["files"]) == list(after["files"])
    store.write(
        cypher.load("analyses/summary/save_state"),
        case_id=case_id,
        summary=name,
        files=list(before["files"]),
        numbers=list(degrees),
        degrees=list(degrees.values()),
        cap=EVIDENCE_CAP,
        clean=clean,
    )


def refresh_summaries(store: GraphStore, case_id: str) -> None:
    """The post-import hook: refresh every summary of the case."""
    refresh_contact_summary(store, case_id)
    refresh_presence_summary(store, case_id)
    refresh_identity_summary(store, case_id)
    refresh_life_summary(store, case_id)


if refresh_summaries not in importer.POST_IMPORT_HOOKS:
    importer.POST_IMPORT_HOOKS.append(refresh_summaries)
