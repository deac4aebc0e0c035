"""Attribution: Number–SIM–Handset timelines, handset and SIM swaps, and successor numbers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from pydantic import Field

from csas_graph.analyses._common import (
    EPOCH,
    EVENT_TYPES,
    Key,
    SupernodeParams,
    TypeList,
    WindowParams,
    all_supernodes,
    evidence,
    excluded_list,
    from_ms,
    incident_events,
    iso,
    read_fast,
    to_utc,
    unpack,
)
from csas_graph.analyses.base import AnalysisResult
from csas_graph.graph_store import GraphStore

Row = dict[str, Any]


def is_placeholder_imei(imei: str | None) -> bool:
    return not imei or len(set(imei)) == 1 or not imei.isdigit()


def device_id(imei: str) -> str:
    """TAC + serial number (the first 14 digits): the 15th is only a check digit, and operators
    deliver the same handset with a valid, a wrong or no check digit, or as a 16-digit IMEISV."""
    return imei[:14]


class AttributionParams(WindowParams):
    number: Key | None = Field(None, description="The number to attribute (default: every number in the case).")
    min_sims: int = Field(
        2, ge=2, le=1_000_000, description="Report handsets in which at least this many SIMs were seen."
    )


def _identity_sequences(store: GraphStore, case_id: str, keys: list[str] | None, p: WindowParams) -> dict[str, Any]:
    """Per number: which handsets and SIMs its events carry, in time order.

    A CALLED event carries the identities of the party whose record it came from, which may be
    the other party; so a CALLED event's IMEI/IMSI counts for a number only when the number's
    own links (USED_HANDSET / USED_SIM, built by the loader) include it. Sightings (SEEN_AT) are
    the number's own.
    """
    links = (
        read_fast(store, "analyses/identity_links", case_id=case_id, keys=None)
        if keys is None
        else read_fast(store, "analyses/identity_links_of", case_id=case_id, keys=keys)
    )
    own_imeis: dict[str, set[str]] = defaultdict(set)
    own_imsis: dict[str, set[str]] = defaultdict(set)
    placeholder: set[str] = set()
    for link in links:
        if link["kind"] == "number-handset":
            own_imeis[link["number"]].add(link["imei"])
            if link["placeholder"]:
                placeholder.add(link["imei"])
        elif link["kind"] == "number-sim":
            own_imsis[link["number"]].add(link["sim"])
    since, until = p.window()
    seq: dict[str, list[Row]] = defaultdict(list)
    raw = (
        read_fast(store, "analyses/identity_events", case_id=case_id, keys=None)
        if keys is None
        else read_fast(store, "analyses/identity_events_of", case_id=case_id, keys=keys)
    )
    fields = ("number", "event_id", "t", "imei", "imsi", "source")
    for e in unpack(raw[0] if raw else None, fields, nullable=("imei", "imsi")):
        t = e["t"]
        if not since <= t <= until:
            continue
        n = e["number"]
        imei = e["imei"]
        if imei is not None and (imei in placeholder or is_placeholder_imei(imei)):
            imei = None
        if imei is not None and e["source"] == "called" and imei not in own_imeis[n]:
            imei = None
        imsi = e["imsi"] if e["imsi"] in own_imsis[n] else None
        if imei or imsi:
            dev = device_id(imei) if imei else None
            seq[n].append({"t": t, "event_id": e["event_id"], "imei": imei, "dev": dev, "imsi": imsi, "number": n})
    return {"links": links, "seq": seq, "placeholder": placeholder}


def transitions(events: list[Row], field: str) -> list[Row]:
    """Changes of identity in time-ordered events, ordered by first use.

    Each identity is a period (first, last use). Periods sorted by first use; each consecutive
    pair is a change at the later one's first use; ``overlap_s`` > 0 means the old identity was
    still used after the new one appeared (a dual-SIM phone or a shared handset).
    """
    periods: dict[str, Row] = {}
    for e in events:
        value = e[field]
        if value is None:
            continue
        p = periods.setdefault(value, {"value": value, "first": e["t"], "last": e["t"], "events": []})
        p["last"] = e["t"]
        p["events"].append(e)
    ordered = sorted(periods.values(), key=lambda p: (p["first"], p["value"]))
    out = []
    for old, new in zip(ordered, ordered[1:], strict=False):
        out.append(
            {
                "from": old["value"],
                "to": new["value"],
                "at": new["first"],
                "old_last": old["last"],
                "overlap_s": max(0, int((old["last"] - new["first"]).total_seconds())),
                "old_events": old["events"],
                "new_events": new["events"],
                "ids": [old["events"][-1]["event_id"], new["events"][0]["event_id"]],
            }
        )
    return out


def _representative(values: list[str]) -> str:
    """The most frequent full IMEI among variants of one device (ties: the smallest)."""
    counts: dict[str, int] = defaultdict(int)
    for v in values:
        counts[v] += 1
    return min(counts, key=lambda v: (-counts[v], v))


def _most_common(values: list[str]) -> str | None:
    return _representative(values) if values else None


def number_rows(number: str, events: list[Row]) -> list[Row]:
    """A number's own rows (``number-handset``, ``number-sim``, ``handset_swap``,
    ``number_sim_change``) from its time-ordered identity events: they depend on nothing else."""
    rows: list[Row] = []
    for kind, field in (("number-handset", "dev"), ("number-sim", "imsi")):
        per: dict[str, list[Row]] = defaultdict(list)
        for e in events:
            if e[field]:
                per[e[field]].append(e)
        for value, evs in per.items():
            variants = sorted({e["imei"] for e in evs}) if field == "dev" else []
            rows.append(
                {
                    "kind": kind,
                    "number": number,
                    "imei": _representative([e["imei"] for e in evs]) if field == "dev" else None,
                    "imei_variants": variants,
                    "imsi": value if field == "imsi" else None,
                    "first": iso(evs[0]["t"]),
                    "last": iso(evs[-1]["t"]),
                    "events": len(evs),
                    **evidence(e["event_id"] for e in evs),
                }
            )
    for kind, field in (("handset_swap", "dev"), ("number_sim_change", "imsi")):
        for tr in transitions(events, field):
            rows.append(
                {
                    "kind": kind,
                    "number": number,
                    "from": _representative([e["imei"] for e in tr["old_events"]]) if field == "dev" else tr["from"],
                    "to": _representative([e["imei"] for e in tr["new_events"]]) if field == "dev" else tr["to"],
                    "first": iso(tr["at"]),
                    "last": iso(tr["old_last"]),
                    "overlap_s": tr["overlap_s"],
                    **evidence(tr["ids"]),
                }
            )
    return rows


def attribution(store: GraphStore, case_id: str, p: AttributionParams) -> AnalysisResult:
    """Which SIMs and handsets a number used, when, and where they changed.

    Method
    ------
    From events carrying an IMEI or IMSI (checked against the loader's USED_HANDSET /
    USED_SIM links), every identity becomes a period (first and last event, event count): rows
    of kind ``number-handset`` and ``number-sim``. A handset is identified by its first 14
    digits (TAC + serial), so check-digit variants of one IMEI are one handset. Periods in
    first-use order give ``handset_swap`` rows (a number moved to another handset) and
    ``number_sim_change`` rows (a number on a new SIM); per handset, the SIMs used in it in
    first-use order give ``sim_swap`` rows (a new SIM, usually a new number, in the same
    handset) with the numbers on each side. ``handset_multi_sim`` rows list handsets in which
    at least ``min_sims`` SIMs were seen. Without ``number`` every number of the case is
    attributed. Placeholder IMEIs (000000…) are ignored.

    Parameters
    ----------
    store, case_id
        The graph and the case whose data is read (nothing else is).
    p : AttributionParams
        Validated parameters; every field is documented on the model
        (``csas analyse --list``, the API's OpenAPI schema).

    Limitations
    -----------
    Identities are only as good as the operator's records: IMEIs are often absent on
    terminating records, and a swap may be a shared or dual-SIM phone (see ``overlap_s``).
    Use of a handset does not identify its user.
    """
    if p.number is not None and p.since is None and p.until is None:
        from csas_graph.analyses import summaries

        if summaries.summary_usable(store, case_id, summaries.IDENTITY):
            return _attribution_from_digests(store, case_id, p, summaries.identity_digests)
    keys = None if p.number is None else [p.number]
    ident = _identity_sequences(store, case_id, keys, p)
    if p.number is not None:
        imeis = sorted({e["imei"] for e in ident["seq"].get(p.number, []) if e["imei"]})
        handsets = read_fast(store, "analyses/handset_users", case_id=case_id, imeis=imeis)
        co_users = sorted({n for h in handsets for n in h["numbers"]} - {p.number})
        if co_users:
            ident["seq"].update(_identity_sequences(store, case_id, co_users, p)["seq"])
    else:
        handsets = read_fast(store, "analyses/multi_sim_handsets", case_id=case_id, min_sims=p.min_sims)
    rows: list[Row] = []
    subjects = sorted(ident["seq"]) if p.number is None else [p.number]
    for number in subjects:
        rows.extend(number_rows(number, ident["seq"].get(number, [])))
    # per handset: the SIMs put into it, in order of first use
    by_device: dict[str, list[Row]] = defaultdict(list)
    for evs in ident["seq"].values():
        for e in evs:
            if e["dev"] and e["imsi"]:
                by_device[e["dev"]].append(e)
    mine = {e["dev"] for e in ident["seq"].get(p.number or "", []) if e["dev"]}
    for dev in sorted(by_device):
        if p.number is not None and dev not in mine:
            continue
        evs = sorted(by_device[dev], key=lambda e: (e["t"], e["event_id"]))
        for tr in transitions(evs, "imsi"):
            rows.append(
                {
                    "kind": "sim_swap",
                    "number": p.number,
                    "imei": _representative([e["imei"] for e in evs]),
                    "from": tr["from"],
                    "to": tr["to"],
                    "from_number": _most_common([e["number"] for e in tr["old_events"]]),
                    "to_number": _most_common([e["number"] for e in tr["new_events"]]),
                    "first": iso(tr["at"]),
                    "last": iso(tr["old_last"]),
                    "overlap_s": tr["overlap_s"],
                    **evidence(tr["ids"]),
                }
            )
    for h in handsets:
        if len(h["sims"]) >= p.min_sims and not h["placeholder"] and not is_placeholder_imei(h["imei"]):
            ids = [e["event_id"] for n in h["numbers"] for e in ident["seq"].get(n, []) if e["imei"] == h["imei"]]
            rows.append(_multi_sim_row(p.number, h, ids))
    _sort_rows(rows)
    return AnalysisResult("attribution", case_id, p.model_dump(mode="json"), rows)


_KIND_ORDER = {
    "number-handset": 0,
    "number-sim": 1,
    "handset_swap": 2,
    "number_sim_change": 3,
    "sim_swap": 4,
    "handset_multi_sim": 5,
}


def _sort_rows(rows: list[Row]) -> None:
    rows.sort(
        key=lambda r: (
            _KIND_ORDER[r["kind"]],
            r.get("number") or "",
            r.get("first") or "",
            r.get("imei") or r.get("from") or "",
            r.get("imsi") or r.get("to") or "",
        )
    )


# ------------------------------------------------------------------ the per-number digest
def _ms(t: Any) -> int:
    return (t - EPOCH) // timedelta(milliseconds=1)  # type: ignore[no-any-return]


def identity_digest(number: str, events: list[Row]) -> dict[str, Any]:
    """Everything a one-number attribution needs from a number's whole-case identity events.

    ``rows``: its own rows (:func:`number_rows`, exact); ``imeis``/``devs``: the handsets it
    used; ``pairs``: per (handset, SIM) seen together, the event count, the first and last
    ``[epoch ms, event id]`` in (time, id) order and the full-IMEI counts (what ``sim_swap``
    rows aggregate across the handset's numbers); ``imei_ids``: per full IMEI the sorted unique
    event ids (what ``handset_multi_sim`` unites across numbers, so its totals stay exact).
    """
    pairs: dict[tuple[str, str], Row] = {}
    imei_ids: dict[str, set[str]] = defaultdict(set)
    for e in events:
        if e["imei"]:
            imei_ids[e["imei"]].add(e["event_id"])
        if e["dev"] and e["imsi"]:
            at = [_ms(e["t"]), e["event_id"]]
            pr = pairs.setdefault(
                (e["dev"], e["imsi"]),
                {"dev": e["dev"], "imsi": e["imsi"], "events": 0, "first": at, "last": at, "imeis": {}},
            )
            pr["events"] += 1
            pr["first"] = min(pr["first"], at)
            pr["last"] = max(pr["last"], at)
            pr["imeis"][e["imei"]] = pr["imeis"].get(e["imei"], 0) + 1
    return {
        "number": number,
        "rows": number_rows(number, events),
        "imeis": sorted(imei_ids),
        "devs": sorted({e["dev"] for e in events if e["dev"]}),
        "pairs": [pairs[k] for k in sorted(pairs)],
        "imei_ids": {k: sorted(v) for k, v in sorted(imei_ids.items())},
    }


def _top(counts: dict[str, int]) -> str:
    """:func:`_representative` over counts: the most frequent value (ties: the smallest)."""
    return min(counts, key=lambda v: (-counts[v], v))


def _attribution_from_digests(
    store: GraphStore, case_id: str, p: AttributionParams, digests_of: Callable[..., dict[str, dict[str, Any]]]
) -> AnalysisResult:
    """One number over the whole case from the identity digests: the same rows as from the events.

    ``sim_swap`` periods are per (handset, SIM) first/last and per-number counts summed over
    the handset's numbers; ``handset_multi_sim`` unites the numbers' event-id sets per IMEI.
    """
    assert p.number is not None
    own = digests_of(store, case_id, [p.number]).get(p.number)
    handsets = read_fast(store, "analyses/handset_users", case_id=case_id, imeis=own["imeis"] if own else [])
    co_users = sorted({n for h in handsets for n in h["numbers"]} - {p.number})
    digests = digests_of(store, case_id, co_users) if co_users else {}
    if own:
        digests[p.number] = own
    rows: list[Row] = [dict(r) for r in own["rows"]] if own else []
    periods: dict[str, dict[str, Row]] = defaultdict(dict)
    dev_imeis: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for n, d in digests.items():
        for pr in d["pairs"]:
            per = periods[pr["dev"]].setdefault(
                pr["imsi"], {"first": pr["first"], "last": pr["last"], "numbers": defaultdict(int)}
            )
            per["first"] = min(per["first"], pr["first"])
            per["last"] = max(per["last"], pr["last"])
            per["numbers"][n] += pr["events"]
            for imei, c in pr["imeis"].items():
                dev_imeis[pr["dev"]][imei] += c
    mine = set(own["devs"]) if own else set()
    for dev in sorted(periods):
        if dev not in mine:
            continue
        ordered = sorted(periods[dev].items(), key=lambda kv: (kv[1]["first"][0], kv[0]))
        for (old_imsi, old), (new_imsi, new) in zip(ordered, ordered[1:], strict=False):
            at, old_last = from_ms(new["first"][0]), from_ms(old["last"][0])
            rows.append(
                {
                    "kind": "sim_swap",
                    "number": p.number,
                    "imei": _top(dev_imeis[dev]),
                    "from": old_imsi,
                    "to": new_imsi,
                    "from_number": _top(old["numbers"]),
                    "to_number": _top(new["numbers"]),
                    "first": iso(at),
                    "last": iso(old_last),
                    "overlap_s": max(0, int((old_last - at).total_seconds())),
                    **evidence([old["last"][1], new["first"][1]]),
                }
            )
    for h in handsets:
        if len(h["sims"]) >= p.min_sims and not h["placeholder"] and not is_placeholder_imei(h["imei"]):
            ids = {i for n in h["numbers"] for i in digests.get(n, {}).get("imei_ids", {}).get(h["imei"], [])}
            rows.append(_multi_sim_row(p.number, h, ids))
    _sort_rows(rows)
    return AnalysisResult("attribution", case_id, p.model_dump(mode="json"), rows)


# ------------------------------------------------------------------------------ successors
class SuccessorsParams(SupernodeParams):
    number: Key | None = Field(None, description="The number that fell silent (default: every number that did).")
    silence_days: float = Field(
        7, gt=0, le=3650, description="Silent: no activity for this long before the case's last event."
    )
    max_gap_days: float = Field(
        14, ge=0, le=3650, description="A successor starts at most this long after the last activity."
    )
    overlap_days: float = Field(1, ge=0, le=3650, description="... or at most this long before it.")
    min_events: int = Field(5, ge=1, le=1_000_000, description="Ignore numbers with fewer events (both sides).")
    min_jaccard: float = Field(0.2, ge=0, le=1, description="Least contact-set overlap to list a candidate.")
    limit: int = Field(3, ge=1, le=100, description="Candidates listed per silent number.")
    types: TypeList = Field(None, description="Event types that define contact sets (default: all).")


def successors(store: GraphStore, case_id: str, p: SuccessorsParams) -> AnalysisResult:
    """When a number falls silent, rank numbers that started soon after by shared contacts.

    Method
    ------
    A number is silent when its last event is at least ``silence_days`` before the case's
    last event (or it is the number given). Candidates start (first event) between
    ``overlap_days`` before and ``max_gap_days`` after that last event. Both sides' contact
    sets (supernodes removed) are compared with Jaccard; ``score`` = Jaccard × (0.75 + 0.25 ×
    timing), timing = 1 - gap / max_gap. ``same_handset`` flags a candidate that used one of the
    old number's handsets. Ranked per number by score, then candidate.

    Limitations
    -----------
    Shared contacts suggest, they do not prove, one user behind two numbers; family members
    and co-workers share contacts too. A number only looks silent in the records delivered.
    """
    since, until = p.window()
    types: list[str] = sorted(p.types) if p.types else list(EVENT_TYPES)
    activity = {
        r["number"]: {"first": to_utc(r["first"]), "last": to_utc(r["last"]), "events": r["events"]}
        for r in read_fast(store, "analyses/number_activity", case_id=case_id, since=since, until=until, types=types)
    }
    excluded = {} if p.include_supernodes else all_supernodes(store, case_id, p.max_degree or 0)
    rows: list[Row] = []
    if not activity:
        return AnalysisResult("successors", case_id, p.model_dump(mode="json"), rows)
    case_end = max(a["last"] for a in activity.values())
    silence = timedelta(days=p.silence_days)
    if p.number is not None:
        olds = [p.number] if p.number in activity else []
    else:
        olds = sorted(
            n
            for n, a in activity.items()
            if a["last"] <= case_end - silence and a["events"] >= p.min_events and n not in excluded
        )
    contacts: dict[str, set[str]] = defaultdict(set)
    for e in read_fast(store, "analyses/edge_weights", case_id=case_id, since=since, until=until, types=types):
        if e["src"] not in excluded and e["dst"] not in excluded and e["src"] != e["dst"]:
            contacts[e["src"]].add(e["dst"])
            contacts[e["dst"]].add(e["src"])
    handsets = _handsets_by_number(store, case_id)
    gap_max = timedelta(days=p.max_gap_days)
    overlap = timedelta(days=p.overlap_days)
    for old in olds:
        a = activity[old]
        found = []
        for cand, c in activity.items():
            if cand == old or cand in excluded or c["events"] < p.min_events:
                continue
            if not (a["last"] - overlap <= c["first"] <= a["last"] + gap_max) or c["first"] <= a["first"]:
                continue
            mine, theirs = contacts[old] - {cand}, contacts[cand] - {old}
            union = mine | theirs
            jac = len(mine & theirs) / len(union) if union else 0.0
            if jac < p.min_jaccard or not mine & theirs:
                continue
            gap = max(timedelta(0), c["first"] - a["last"])
            timing = 1 - (gap / gap_max) if gap_max else 1.0
            found.append(
                {
                    "number": old,
                    "successor": cand,
                    "jaccard": round(jac, 6),
                    "shared_contacts": len(mine & theirs),
                    "shared": sorted(mine & theirs)[:20],
                    "gap_days": round((c["first"] - a["last"]).total_seconds() / 86400, 3),
                    "score": round(jac * (0.75 + 0.25 * timing), 6),
                    "same_handset": bool(handsets.get(old, set()) & handsets.get(cand, set())),
                    "old_last": iso(a["last"]),
                    "new_first": iso(c["first"]),
                }
            )
        found.sort(key=lambda r: (-r["score"], r["successor"]))
        for rank, r in enumerate(found[: p.limit], start=1):
            rows.append({**r, "rank": rank})
    _attach_evidence(store, case_id, rows, since, until, types)
    rows.sort(key=lambda r: (r["number"], r["rank"]))
    return AnalysisResult(
        "successors",
        case_id,
        p.model_dump(mode="json"),
        rows,
        excluded=excluded_list(excluded),
        extra={"silent_numbers": len(olds), "case_last_event": iso(case_end)},
    )


def _handsets_by_number(store: GraphStore, case_id: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for link in read_fast(store, "analyses/identity_links", case_id=case_id, keys=None):
        if link["kind"] == "number-handset" and not link["placeholder"] and not is_placeholder_imei(link["imei"]):
            out[link["number"]].add(device_id(link["imei"]))
    return out


def _attach_evidence(
    store: GraphStore, case_id: str, rows: list[Row], since: Any, until: Any, types: list[str]
) -> None:
    """Evidence of a successor row: both numbers' events with their shared contacts."""
    keys = sorted({r["number"] for r in rows} | {r["successor"] for r in rows})
    by_pair: dict[tuple[str, str], set[str]] = defaultdict(set)
    if keys:
        for e in incident_events(store, case_id, keys, since, until, types):
            by_pair[(e["src"], e["dst"])].add(e["event_id"])
            by_pair[(e["dst"], e["src"])].add(e["event_id"])
    for r in rows:
        ids: set[str] = set()
        for c in r["shared"]:
            ids |= by_pair.get((r["number"], c), set()) | by_pair.get((r["successor"], c), set())
        r.update(evidence(ids))


def _multi_sim_row(number: str | None, handset: dict[str, Any], ids: Iterable[str]) -> Row:
    """A ``handset_multi_sim`` row: one handset seen with several SIMs, and the events that show it."""
    ids = list(ids)
    return {
        "kind": "handset_multi_sim",
        "number": number,
        "imei": handset["imei"],
        "sims": handset["sims"],
        "numbers": handset["numbers"],
        "events": len(set(ids)),
        **evidence(ids),
    }
