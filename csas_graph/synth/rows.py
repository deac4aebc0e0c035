"""From events to file rows: one row per event and covered party, assigned to a layout and file.

A covered phone's records are split over the layouts by period segment (spring window, first
and second half of the autumn window), so each target appears in several layouts and the whole
case needs every file. Data sessions of all UK targets are in the GPRS layout; the US visitor is
in the AT&T layout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csas_graph.synth.calendar import local_parts
from csas_graph.synth.ids import national
from csas_graph.synth.population import Population, locate
from csas_graph.synth.town import Town

#: layout cycle for (target rank + segment): each UK target is in all three UK voice layouts
CYCLE = np.array(["a", "c", "b"], dtype=object)
SPRING_DAY0_ORDINAL = 19800  # 2024-03-18 as days since the epoch
AUTUMN_SPLIT_ORDINAL = 20024  # 2024-10-28: first day of the third segment


def segment(t: np.ndarray) -> np.ndarray:
    """0 = spring window, 1 = 14-27 Oct, 2 = 28 Oct onwards (local dates)."""
    _, _, day = local_parts(t)
    return np.where(day < 19900, 0, np.where(day < AUTUMN_SPLIT_ORDINAL, 1, 2))


def rank_of(pop: Population) -> np.ndarray:
    """Layout rank of each phone: its target index (the new number after a SIM swap keeps its
    owner's rank); -1 for phones that are not covered."""
    rank = np.full(len(pop.phones), -1, dtype=np.int64)
    rank[pop.targets] = np.arange(len(pop.targets))
    rank[pop.roles["sim_new"]] = pop.targets.index(pop.group[3])
    return rank


def layout_for(pop: Population, persp: np.ndarray, t: np.ndarray) -> np.ndarray:
    rank = rank_of(pop)[persp]
    lay = CYCLE[(rank + segment(t)) % len(CYCLE)]
    return np.where(persp == pop.roles["us"], "e", lay)


def file_for(pop: Population, layout: np.ndarray, persp: np.ndarray) -> np.ndarray:
    """File name per row: one raw CSP file per target, one file for each other layout."""
    names = {
        "b": "b_ho_adm_telephony.xlsx",
        "c": "c_ee_voice_sms.csv",
        "d": "d_vodafone_o2_gprs.csv",
        "e": "e_att_cdr.csv",
        "f": "f_plain_opaque.csv",
    }
    e164 = pop.phones["e164"].to_numpy()
    a_names = np.array([f"a_csp_call_data_{national(x)}.csv" for x in e164], dtype=object)
    out = np.array([names.get(x, "") for x in layout], dtype=object)
    return np.where(layout == "a", a_names[persp], out)


def perspective_rows(ev: pd.DataFrame, pop: Population, town: Town, rng: np.random.Generator) -> pd.DataFrame:
    """One row per (call/SMS event, covered party), with that party's cells and devices."""
    covered = pop.phones["covered"].to_numpy()
    parts = []
    for side, other in (("a", "b"), ("b", "a")):
        p = ev[side].to_numpy()
        mask = np.zeros(len(ev), dtype=bool)
        ok = p >= 0
        mask[ok] = covered[p[ok]]
        sub = ev.loc[mask]
        forced = sub[f"{side}_cell"].to_numpy()
        forced_last = sub[f"{side}_last"].to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "eid": sub.index.to_numpy(),
                    "kind": sub["kind"].to_numpy(),
                    "t": sub["t"].to_numpy(),
                    "dur": sub["dur"].to_numpy(),
                    "a": sub["a"].to_numpy(),
                    "b": sub["b"].to_numpy(),
                    "persp": sub[side].to_numpy(),
                    "other": sub[other].to_numpy(),
                    "forced": forced,
                    "forced_last": forced_last,
                    "tag": sub["tag"].to_numpy(),
                }
            )
        )
    rows = pd.concat(parts, ignore_index=True)
    return _place(rows, pop, town, rng)


def _place(rows: pd.DataFrame, pop: Population, town: Town, rng: np.random.Generator) -> pd.DataFrame:
    persp, t = rows["persp"].to_numpy(), rows["t"].to_numpy()
    where = locate(pop, town, persp, t, rng)
    first = np.where(rows["forced"].to_numpy() >= 0, rows["forced"].to_numpy(), where)
    handover = (rows["kind"].to_numpy() != "sms") & (rows["dur"].to_numpy() > 120) & (rng.random(len(rows)) < 0.25)
    last = np.where(
        rows["forced_last"].to_numpy() >= 0,
        rows["forced_last"].to_numpy(),
        np.where(handover, town.neighbour[first], first),
    )
    ph = pop.phones
    swap_t = ph["swap_t"].to_numpy()[persp]
    imei = np.where((swap_t >= 0) & (t >= swap_t), ph["imei2"].to_numpy()[persp], ph["imei"].to_numpy()[persp])
    n = len(rows)
    rows = rows.assign(first=first, last=last, seq=1, charging=0)
    rows = rows.drop(columns=["forced", "forced_last"])
    text = {
        "imei": imei,
        "imsi": ph["imsi"].to_numpy()[persp],
        "loc": np.full(n, "cell", dtype=object),
        "loc_str": np.full(n, "", dtype=object),
        "dst": np.full(n, "", dtype=object),
    }
    for col in ("kind", "tag"):
        text[col] = rows[col].to_numpy(dtype=object)
    return objects(rows, text)


def objects(frame: pd.DataFrame, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Set text columns as plain Python objects (pandas would otherwise convert them to Arrow
    strings, and every later ``to_numpy`` would convert them back)."""
    for name, values in columns.items():
        frame[name] = pd.Series(np.asarray(values, dtype=object), dtype=object, index=frame.index)
    return frame


def gprs_rows(sessions: pd.DataFrame, pop: Population, town: Town, rng: np.random.Generator) -> pd.DataFrame:
    """Partial records of data sessions: a new partial every 30 minutes and at UTC midnight.

    All partials of a session share a Charging ID and the cell where the phone was when the
    session started (the ingest template records O2's at-or-before-the-end basis).
    """
    t0 = sessions["t"].to_numpy()
    end = t0 + sessions["dur"].to_numpy()
    n_parts = np.maximum(1, -(-sessions["dur"].to_numpy() // 1800))
    sid = np.repeat(np.arange(len(sessions)), n_parts)
    k = np.arange(len(sid)) - np.repeat(np.cumsum(n_parts) - n_parts, n_parts)
    ps = t0[sid] + k * 1800
    pe = np.minimum(ps + 1800, end[sid])
    # cut at midnight UTC: a partial crossing 00:00 becomes two
    midnight = (ps // 86400 + 1) * 86400
    cross = pe > midnight
    ps2, pe2 = np.concatenate([ps, midnight[cross]]), np.concatenate([np.where(cross, midnight, pe), pe[cross]])
    sid2 = np.concatenate([sid, sid[cross]])
    order = np.lexsort((ps2, sid2))
    ps2, pe2, sid2 = ps2[order], pe2[order], sid2[order]
    seq = np.arange(len(sid2)) - np.searchsorted(sid2, sid2) + 1
    persp = sessions["a"].to_numpy()[sid2]
    rows = pd.DataFrame(
        {
            "eid": sessions.index.to_numpy()[sid2],
            "kind": "data",
            "t": ps2,
            "dur": pe2 - ps2,
            "a": persp,
            "b": -1,
            "persp": persp,
            "other": -1,
            "forced": -1,
            "forced_last": -1,
            "tag": sessions["tag"].to_numpy()[sid2],
        }
    )
    rows = _place(rows, pop, town, rng)
    # one session stays on one cell (so on one RAT: a RAT change would start a new session)
    rows["first"] = rows["first"].to_numpy()[np.searchsorted(sid2, sid2)]
    rows["last"] = rows["first"]
    rows["seq"] = seq
    rows["charging"] = 40_000_000 + sessions.index.to_numpy()[sid2] * 7 % 90_000_000
    # the GPRS layout carries IMEISV: the 14 IMEI digits plus a 2-digit software version
    rows = objects(rows, {"imei": np.array([x[:14] + "03" for x in rows["imei"]], dtype=object)})
    return rows


def background_rows(
    rng: np.random.Generator, pop: Population, town: Town, n: int, midnight: np.ndarray
) -> pd.DataFrame:
    """Calls between background (uncovered) mobiles, for the anonymised plain CSV."""
    ph = pop.phones
    bg = ph.index[(ph["kind"] == "mobile") & ~ph["covered"]].to_numpy()
    a = rng.choice(bg, n)
    b = rng.choice(bg, n)
    b = np.where(a == b, bg[(np.searchsorted(bg, b) + 1) % len(bg)], b)
    day = rng.integers(0, len(midnight), n)
    t = midnight[day] + rng.integers(7 * 3600, 23 * 3600, n)
    dur = np.clip(rng.lognormal(4.2, 1.0, n), 1, 2400).astype(np.int64)
    rows = pd.DataFrame(
        {
            "eid": -1,
            "kind": "voice",
            "t": t,
            "dur": dur,
            "a": a,
            "b": b,
            "persp": a,
            "other": b,
            "forced": -1,
            "forced_last": -1,
            "tag": "background",
        }
    )
    rows = _place(rows, pop, town, rng)
    rows["last"] = rows["first"]
    return rows
