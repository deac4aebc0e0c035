"""truth.json: every planted fact, and the expected reconciliation of every file.

Outcomes per row follow the rules agreed with the ingest layer (``ingest/reasons.py``): rejected
copies get their reason; exact copies merge as ``exact_duplicate``; AT&T legs after the first as
``call_leg``; GPRS partials after the first as ``gprs_partial``; an event already loaded from an
earlier file in ``import_order`` (or earlier in the same file) merges as ``mirrored_duplicate``.
Flags are counted once per row that is not rejected (merged rows included). ``unresolved_cell``
is decided by the loader against the cell lists, so ``ingest.read`` alone does not report it.
Rows in ``dst`` are 1-based physical line numbers (sheet row numbers for XLSX).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from csas_graph.synth.calendar import case_days, iso_utc, local_midnight_utc
from csas_graph.synth.problems import COPY_REASON, DEVICE_FLAG
from csas_graph.synth.town import bng_to_wgs84

if TYPE_CHECKING:
    from csas_graph.synth.generate import OutFile, World

E164_KINDS = ("mobile", "landline", "burner", "us")
LOADER_ONLY_FLAGS = frozenset({"unresolved_cell"})
KIND_ORDER = {"cells": 0, "anpr": 1, "subscribers": 2, "cdr": 3}


def import_order(world: World) -> list[OutFile]:
    """Cell lists, then the camera list and ANPR reads, subscribers, then CDRs in layout order."""
    return sorted(world.files, key=lambda f: (KIND_ORDER[f.kind], f.layout if f.kind == "cdr" else "", _rank(f)))


def _rank(f: OutFile) -> tuple[int, str]:
    first = f.name.startswith(("cells_wgs84", "anpr_cameras"))
    return (0 if first else 2 if f.layout == "opencellid" else 1, f.name)


def line_numbers(f: OutFile) -> np.ndarray:
    """Physical line (sheet row for XLSX) of each data row."""
    first = 2 if f.name.endswith(".xlsx") else f.first_line
    return first + np.arange(len(f.rows) if f.rows is not None else len(f.text))


def outcomes(world: World) -> dict[str, pd.DataFrame]:
    """Per CDR file: a frame aligned with its rows: ``outcome``, ``reason``, ``flags`` (tuple)."""
    order = import_order(world)
    lk = world.lookup
    kind = world.pop.phones["kind"].to_numpy()
    result: dict[str, pd.DataFrame] = {}
    event_rows = []
    for fi, f in enumerate(order):
        if f.rows is None:
            continue
        r = f.rows
        rk = r["row_kind"].to_numpy()
        inj = r["inject"].to_numpy()
        reason = np.array([COPY_REASON.get(x, "") for x in inj], dtype=object)
        reason = np.where(rk == "dup", "exact_duplicate", reason)
        reason = np.where(rk == "leg", "call_leg", reason)
        reason = np.where(rk == "partial", "gprs_partial", reason)
        outcome = np.where(
            rk == "reject", "rejected", np.where(np.isin(rk, ["dup", "leg", "partial"]), "merged", "loaded")
        )
        frame = pd.DataFrame({"outcome": outcome, "reason": reason, "line": line_numbers(f)})
        for code, mask in _flags(f, kind, lk.cell_missing).items():
            frame[FLAG_PREFIX + code] = mask
        result[f.name] = frame
        ev = np.flatnonzero(rk == "event")
        event_rows.append(pd.DataFrame({"file": f.name, "fi": fi, "pos": ev, "eid": r["eid"].to_numpy()[ev]}))
    if event_rows:
        er = pd.concat(event_rows, ignore_index=True).sort_values(["fi", "pos"], kind="stable")
        mirrored = er.loc[er["eid"].duplicated(keep="first")]
        for name, grp in mirrored.groupby("file"):
            fr = result[str(name)]
            fr.loc[grp["pos"].to_numpy(), "outcome"] = "merged"
            fr.loc[grp["pos"].to_numpy(), "reason"] = "mirrored_duplicate"
    return result


FLAG_PREFIX = "flag:"


def _flags(f: OutFile, kind: np.ndarray, missing: np.ndarray) -> dict[str, np.ndarray]:
    """Flag code -> boolean mask over the file's rows (never set on rejected rows)."""
    r = f.rows
    assert r is not None
    alive = r["row_kind"].to_numpy() != "reject"
    local = f.layout in ("a", "c")
    dst = r["dst"].to_numpy()
    loc = r["loc"].to_numpy()
    inj = r["inject"].to_numpy()
    a, b = r["a"].to_numpy(), r["b"].to_numpy()
    first, last = r["first"].to_numpy(), r["last"].to_numpy()
    has_last = f.layout in ("a", "b", "c")
    masks: dict[str, np.ndarray] = {
        "dst_ambiguous": (dst == "amb") & local,
        "dst_nonexistent": (dst == "gap") & local,
        "wifi_location": loc == "wifi",
        "roaming": loc == "roam",
    }
    for code, flag in DEVICE_FLAG.items():
        masks[flag] = masks.get(flag, np.zeros(len(r), dtype=bool)) | (inj == code)
    if f.layout == "d":  # the IMEISV column: every row's 16 digits are split into IMEI + SVN
        masks["imei_sv_split"] = masks["imei_sv_split"] | ~np.isin(inj, list(DEVICE_FLAG))
    if f.layout != "f":
        sentinel = kind == "sentinel"
        masks["number_sentinel"] = sentinel[a] | ((b >= 0) & sentinel[np.maximum(b, 0)])
    unresolved = missing[first] | (missing[last] if has_last else False)
    masks["unresolved_cell"] = (loc == "cell") & unresolved
    return {code: m & alive for code, m in masks.items() if (m & alive).any()}


def file_entry(f: OutFile, frame: pd.DataFrame | None) -> dict[str, Any]:
    if frame is None:
        n = len(f.text)
        return {
            "template": f.template,
            "kind": f.kind,
            "rows_read": n,
            "loaded": n,
            "merged": 0,
            "rejected": 0,
            "reasons": {},
            "flags": dict(sorted(f.flags.items())),
        }
    n_trailer = len(f.trailer)
    reasons = Counter(frame["reason"][frame["reason"] != ""])
    reasons["summary_row"] += n_trailer
    flags = {c[len(FLAG_PREFIX) :]: int(frame[c].sum()) for c in frame.columns if c.startswith(FLAG_PREFIX)}
    return {
        "template": f.template,
        "kind": f.kind,
        "rows_read": len(frame) + n_trailer,
        "loaded": int((frame["outcome"] == "loaded").sum()),
        "merged": int((frame["outcome"] == "merged").sum()),
        "rejected": int((frame["outcome"] == "rejected").sum()) + n_trailer,
        "reasons": {k: v for k, v in sorted(reasons.items()) if v},
        "flags": dict(sorted(flags.items())),
    }


def sightings(world: World, outs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """(phone, t, cell) for every start and end cell of a row that is not rejected."""
    parts = []
    for f in world.files:
        if f.rows is None or f.layout == "f":
            continue
        r = f.rows
        ok = (outs[f.name]["outcome"].to_numpy() != "rejected") & (r["loc"].to_numpy() == "cell")
        ok &= r["row_kind"].to_numpy() != "dup"
        s = r.loc[ok]
        parts.append(pd.DataFrame({"phone": s["persp"], "t": s["t"], "cell": s["first"]}))
        if f.layout in ("a", "b", "c"):
            parts.append(pd.DataFrame({"phone": s["persp"], "t": s["t"] + s["dur"], "cell": s["last"]}))
    if not parts:
        return pd.DataFrame(
            {"phone": pd.Series(dtype=np.int64), "t": pd.Series(dtype=np.int64), "cell": pd.Series(dtype=np.int64)}
        )
    return pd.concat(parts, ignore_index=True).drop_duplicates()


def surviving_eids(world: World, outs: dict[str, pd.DataFrame]) -> np.ndarray:
    keep = []
    for f in world.files:
        if f.rows is None or f.layout == "f":
            continue
        ok = outs[f.name]["outcome"].to_numpy() != "rejected"
        keep.append(f.rows["eid"].to_numpy()[ok])
    return np.unique(np.concatenate(keep)) if keep else np.array([], dtype=np.int64)


def build_truth(world: World) -> dict[str, Any]:
    pop, town = world.pop, world.town
    ph = pop.phones
    e164 = ph["e164"].to_numpy()
    cgi = town.cells["cgi"].to_numpy()
    outs = outcomes(world)
    order = import_order(world)
    sight = sightings(world, outs)

    # events after de-duplication, per number
    eids = surviving_eids(world, outs)
    ev = world.events
    calls = ev.loc[ev.index.isin(eids)]
    sess = world.sessions.loc[world.sessions.index.isin(eids)]
    parties = np.concatenate([calls["a"].to_numpy(), calls["b"].to_numpy(), sess["a"].to_numpy()])
    counts = Counter(parties.tolist())
    pkind = ph["kind"].to_numpy()
    numbers = [str(e164[i]) for i in range(len(ph)) if pkind[i] in E164_KINDS]
    event_counts = {str(e164[i]): int(counts.get(i, 0)) for i in range(len(ph)) if pkind[i] in E164_KINDS}

    covered_uk = [i for i in ph.index[ph["covered"]] if pkind[i] == "mobile"]
    home = ph["home"].to_numpy()
    home_cells = {str(e164[i]): str(cgi[int(home[i])]) for i in covered_uk}

    meetings = []
    for pa, pb, _d, t0, t1 in world.facts["meetings"]:
        s = sight.loc[sight["phone"].isin([pa, pb]) & (sight["t"] >= t0) & (sight["t"] <= t1)]
        if s.empty:
            continue  # not observable in the layouts written (--layouts)
        meetings.append(
            {
                "a": str(e164[pa]),
                "b": str(e164[pb]),
                "start": iso_utc(t0),
                "end": iso_utc(t1),
                "cells": sorted({str(cgi[c]) for c in s["cell"]}),
            }
        )

    g2, old_imei, new_imei, _t_h = world.facts["swaps"]["handset"]
    g3, new_no, _t_s = world.facts["swaps"]["sim"]
    # a SIM swap to a new number is a successor too: the old number falls silent and the new one
    # carries on with the same contacts
    chain = [(pop.roles[f"burner{k}"], pop.roles[f"burner{k + 1}"]) for k in range(2)] + [(g3, new_no)]
    successors = []
    for old, new in chain:
        first_new, last_old = _first_event(calls, new), _first_event(calls, old)
        if first_new is None or last_old is None:
            continue  # not observable in the layouts written (--layouts)
        day = pd.Timestamp(first_new, unit="s", tz="UTC").tz_convert("Europe/London").date()
        successors.append({"old": str(e164[old]), "new": str(e164[new]), "switch_date": day.isoformat()})
    t_first_new = _first_with_imei(world, outs, g2, new_imei)
    t_first_sim = _first_event(calls, new_no)
    imei_of, imsi_of = ph["imei"].to_numpy(), ph["imsi"].to_numpy()

    scenes = _scenes(world, sight)
    ambiguous: list[dict[str, Any]] = []
    nonexistent: list[dict[str, Any]] = []
    for f in order:
        if f.rows is None:
            continue
        fr = outs[f.name]
        for code, bucket in (("dst_ambiguous", ambiguous), ("dst_nonexistent", nonexistent)):
            if FLAG_PREFIX + code in fr.columns:
                for line in fr.loc[fr[FLAG_PREFIX + code], "line"]:
                    bucket.append({"file": f.name, "row": int(line)})

    days = case_days()
    midnight = local_midnight_utc(days)
    end = local_midnight_utc([days[-1]])[0] + 86400
    group = [str(e164[i]) for i in pop.group] + [str(e164[pop.roles[f"burner{k}"]]) for k in range(3)]
    group.append(str(e164[pop.roles["sim_new"]]))
    return {
        "seed": world.seed,
        "case_timezone": "Europe/London",
        "period": {"start": iso_utc(midnight[0]), "end": iso_utc(end)},
        "import_order": [f.name for f in order],
        "files": {f.name: file_entry(f, outs.get(f.name)) for f in order},
        "numbers": sorted(numbers),
        "targets": sorted(str(e164[i]) for i in ph.index[ph["covered"]]),
        "meetings": meetings,
        "vehicle_phone_pairs": [{"vrm": v, "number": str(e164[p])} for v, p in world.facts["vehicle_phone_pairs"]],
        "decoy_vehicles": [{"vrm": v, "shares_road_with": str(e164[p])} for v, p in world.facts["decoy_vehicles"]],
        "successors": successors,
        "handset_swaps": []
        if t_first_new is None
        else [{"number": str(e164[g2]), "old_imei": old_imei, "new_imei": new_imei, "at": iso_utc(t_first_new)}],
        "sim_swaps": []
        if t_first_sim is None
        else [
            {
                "imei": str(imei_of[g3]),
                "old_imsi": str(imsi_of[g3]),
                "new_imsi": str(imsi_of[new_no]),
                "old_number": str(e164[g3]),
                "new_number": str(e164[new_no]),
                "at": iso_utc(t_first_sim),
            }
        ],
        "home_cells": dict(sorted(home_cells.items())),
        "group": group,
        "scenes": scenes,
        "reconfigured_cells": [
            {"cgi": str(cgi[c]), "changed_at": iso_utc(w), "old_azimuth": o, "new_azimuth": n}
            for c, w, o, n in world.reconfigured
        ],
        "unresolved_cells": sorted(str(cgi[c]) for c in world.missing_cells),
        "dst": {"ambiguous": ambiguous, "nonexistent": nonexistent},
        "event_counts": dict(sorted(event_counts.items())),
    }


def _first_event(calls: pd.DataFrame, phone: int) -> int | None:
    """Time of the phone's first surviving call/SMS, None if it has none."""
    t = calls.loc[(calls["a"] == phone) | (calls["b"] == phone), "t"]
    return None if t.empty else int(t.min())


def _first_with_imei(world: World, outs: dict[str, pd.DataFrame], phone: int, imei: str) -> int | None:
    best: int | None = None
    for f in world.files:
        if f.rows is None:
            continue
        r = f.rows
        ok = (outs[f.name]["outcome"].to_numpy() != "rejected") & (r["persp"].to_numpy() == phone)
        ok &= r["imei"].astype(str).str[:14].to_numpy() == imei[:14]
        if ok.any():
            t = int(r["t"].to_numpy()[ok].min())
            best = t if best is None else min(best, t)
    return best


def _scenes(world: World, sight: pd.DataFrame) -> list[dict[str, Any]]:
    """Tower-dump scenes: a point, a radius and a one-hour window; present = covered phones with
    a start or end cell whose site lies within the radius during the window."""
    town, pop = world.town, world.pop
    cells = town.cells
    e164 = pop.phones["e164"].to_numpy()
    _pa, _pb, _d, t0, _t1 = world.facts["meetings"][0]
    ce, cn = cells["easting"].to_numpy(float), cells["northing"].to_numpy(float)
    m = pop.meeting_cells[0]
    # scene 2: a main-road camera while vehicle owner 0 drives past it
    _vrm, owner = world.facts["vehicle_phone_pairs"][0]
    road = town.cameras.loc[town.cameras["on_road"]]
    road_cells = road["cell"].to_numpy()
    passes = sight.loc[(sight["phone"] == owner) & sight["cell"].isin(road_cells)].sort_values("t")
    if passes.empty or sight.empty:
        return []  # not observable in the layouts written (--layouts)
    t_pass = int(passes["t"].iloc[0])
    cam = road.loc[road["cell"] == int(passes["cell"].iloc[0])].iloc[0]
    # scene 3: the busiest (site, hour) of the autumn window by distinct covered phones
    s = sight.assign(site=sight["cell"] // 3, hour=sight["t"] // 3600 * 3600)
    s = s.loc[s["t"] >= local_midnight_utc(case_days())[25]]
    if s.empty:
        return []
    busy = (
        s.groupby(["site", "hour"])["phone"]
        .nunique()
        .reset_index()
        .sort_values(["phone", "hour", "site"], ascending=[False, True, True], kind="stable")
        .iloc[0]
    )
    site_cell = int(busy["site"]) * 3
    specs = [
        ("SCENE-1", float(ce[m]), float(cn[m]), 500, t0 - t0 % 3600),
        ("SCENE-2", float(cam["easting"]), float(cam["northing"]), 600, t_pass - t_pass % 3600),
        (
            "SCENE-3",
            float(ce[site_cell]),
            float(cn[site_cell]),
            300,
            int(busy["hour"]),
        ),
    ]
    out = []
    for sid, e, n, radius, start in specs:
        near = np.flatnonzero((ce - e) ** 2 + (cn - n) ** 2 <= radius**2)
        s = sight.loc[sight["cell"].isin(near) & (sight["t"] >= start) & (sight["t"] < start + 3600)]
        lat, lon = bng_to_wgs84(np.array([e]), np.array([n]))
        out.append(
            {
                "id": sid,
                "lat": float(lat[0]),
                "lon": float(lon[0]),
                "radius_m": radius,
                "start": iso_utc(start),
                "end": iso_utc(start + 3600),
                "present": sorted({str(e164[p]) for p in s["phone"]}),
            }
        )
    return out
