"""Planted facts: burners, swaps, meetings, vehicles, sentinels. Each returns events plus truth.

Planted events carry a ``tag`` so the problem injector leaves them alone: a fact in
``truth.json`` must survive into the loaded data unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csas_graph.synth.calendar import case_days, epoch, local_midnight_utc, local_parts
from csas_graph.synth.population import Population, make_events
from csas_graph.synth.town import Town

AUTUMN0 = 25  # index of 2024-10-14 in case_days()
HANDSET_SWAP_DAY = AUTUMN0 + 5  # 2024-10-19
SIM_SWAP_DAY = AUTUMN0 + 15  # 2024-10-29
RECONFIG_DATE = (2024, 11, 1)  # GMT, so local and UTC midnight agree
BURNER_DAYS = ((AUTUMN0 + 1, 8), (AUTUMN0 + 9, 8), (AUTUMN0 + 17, 8))
MEETING_DAYS = ((0, 1, (AUTUMN0 + 2, AUTUMN0 + 6, AUTUMN0 + 19)), (4, 5, (AUTUMN0 + 4, AUTUMN0 + 11, AUTUMN0 + 21)))


@dataclass
class Planted:
    events: list[pd.DataFrame] = field(default_factory=list)
    anpr: pd.DataFrame | None = None
    #: (phone, t_from, t_to) windows in which routine events of that phone are removed
    suppress: list[tuple[int, int, int]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


def plant_swaps(pop: Population) -> dict[str, Any]:
    """A handset swap (group member 2: same number, new IMEI) and a SIM swap (group member 3:
    same handset, new IMSI and number)."""
    ph = pop.phones
    midnight = local_midnight_utc(case_days())
    g2, g3, new = pop.group[2], pop.group[3], pop.roles["sim_new"]
    t_h = int(midnight[HANDSET_SWAP_DAY] + 12 * 3600)
    old_imei = ph.at[g2, "imei"]
    # the new handset: same TAC family, new serial (Luhn-valid)
    from csas_graph.synth.ids import make_imei

    new_imei = make_imei("35875609", 424242)
    ph.at[g2, "imei2"] = new_imei
    ph.at[g2, "swap_t"] = t_h
    t_s = int(midnight[SIM_SWAP_DAY] + 12 * 3600)
    # the new number lives in the same handset and the same routine
    same = ["imei", "home", "work", "leisure0", "leisure1", "leisure2", "commuter"]
    ph.loc[new, same] = ph.loc[g3, same].to_numpy()
    ph.at[g3, "active_to"] = t_s
    ph.at[new, "active_from"] = t_s
    pop.successor[g3] = (new, t_s)
    return {"handset": (g2, old_imei, new_imei, t_h), "sim": (g3, new, t_s)}


def apply_windows(ev: pd.DataFrame, pop: Population) -> pd.DataFrame:
    """Redirect calls to a replaced number to its successor; drop events of inactive phones."""
    a, b, t = ev["a"].to_numpy().copy(), ev["b"].to_numpy().copy(), ev["t"].to_numpy()
    for old, (new, when) in pop.successor.items():
        for col in (a, b):
            col[(col == old) & (t >= when)] = new
            col[(col == new) & (t < when)] = old
    ev = ev.assign(a=a, b=b)
    lo = pop.phones["active_from"].to_numpy()
    hi = pop.phones["active_to"].to_numpy()
    ok = (t >= lo[a]) & (t < hi[a])
    has_b = b >= 0
    ok &= ~has_b | ((t >= lo[np.where(has_b, b, 0)]) & (t < hi[np.where(has_b, b, 0)]))
    ok &= a != b
    return ev.loc[ok].reset_index(drop=True)


def plant_burners(rng: np.random.Generator, pop: Population) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """A chain of three burners used by group member 1, each alive ~8 days.

    Contact sets: burner 0 talks to group members 0, 4, 5; burners 1 and 2 to 0, 4, 5 and 2, so
    successive contact sets overlap by 3/4 and 4/4 (Jaccard). Each burner is silent before
    the next one's first event.
    """
    g = pop.group
    sets = [[g[0], g[4], g[5]], [g[0], g[4], g[5], g[2]], [g[0], g[4], g[5], g[2]]]
    midnight = local_midnight_utc(case_days())
    frames = []
    for k, ((d0, ndays), contacts) in enumerate(zip(BURNER_DAYS, sets, strict=True)):
        burner = pop.roles[f"burner{k}"]
        pop.phones.at[burner, "active_from"] = int(midnight[d0])
        pop.phones.at[burner, "active_to"] = int(midnight[d0 + ndays - 1] + 86_400)
        per_day = 5
        n = ndays * per_day
        day = np.repeat(np.arange(d0, d0 + ndays), per_day)
        t = midnight[day] + rng.integers(9 * 3600, 22 * 3600, n)
        other = np.array(contacts)[np.arange(n) % len(contacts)]  # every contact several times
        mo = rng.random(n) < 0.6
        voice = rng.random(n) < 0.5
        dur = np.where(voice, rng.integers(20, 300, n), 0)
        frames.append(
            make_events(
                np.where(voice, "voice", "sms"),
                t,
                dur,
                np.where(mo, burner, other),
                np.where(mo, other, burner),
                "burner",
            )
        )
    return pd.concat(frames, ignore_index=True), []


def plant_meetings(
    rng: np.random.Generator, pop: Population, town: Town
) -> tuple[pd.DataFrame, list[tuple[int, int, int, int, int]]]:
    """Two pairs of group members meet on three evenings each, at a meeting site.

    On each evening both phones make two events each from the meeting cell (once from the
    adjacent sector of the same site) within 10 minutes of each other. Their counterparties
    are background contacts, so no mirrored duplicate hides a sighting.

    Returns events and (a, b, day, t_from, t_to) per meeting (for suppression and truth).
    """
    midnight = local_midnight_utc(case_days())
    frames, meets = [], []
    for m, (ia, ib, days) in enumerate(MEETING_DAYS):
        pa, pb = pop.group[ia], pop.group[ib]
        cell = pop.meeting_cells[m]
        for j, d in enumerate(days):
            t0 = int(midnight[d] + 20 * 3600 + rng.integers(0, 1800))
            cell_b = int(town.neighbour[cell]) if j == 2 else cell
            ta = t0 + np.array([0, 1800])
            tb = ta + rng.integers(-480, 480, 2)
            ca = np.array([_background(rng, pop, pa) for _ in range(2)])
            cb = np.array([_background(rng, pop, pb) for _ in range(2)])
            frames.append(make_events(["sms", "voice"], ta, [0, 45], [pa, pa], ca, "meeting", a_cell=[cell, cell]))
            frames.append(make_events(["voice", "sms"], tb, [30, 0], [pb, pb], cb, "meeting", a_cell=[cell_b, cell_b]))
            meets.append((pa, pb, d, int(min(ta.min(), tb.min())), int(max(ta.max() + 45, tb.max() + 30))))
    return pd.concat(frames, ignore_index=True), meets


def _background(rng: np.random.Generator, pop: Population, phone: int) -> int:
    cov = pop.phones["covered"].to_numpy()
    cands = [int(c) for c in pop.contacts[phone] if not cov[c]]
    return cands[int(rng.integers(0, len(cands)))]


def _vrm(rng: np.random.Generator) -> str:
    letters = "ABCDEFGHJKLMNOPRSTUVWXY"
    pick = rng.integers(0, len(letters), 5)
    return (
        f"{letters[pick[0]]}{letters[pick[1]]}{rng.choice([24, 73, 19, 68, 21])}{''.join(letters[p] for p in pick[2:])}"
    )


def plant_vehicles(
    rng: np.random.Generator, pop: Population, town: Town
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Vehicles that travel with a phone, a decoy on the same main road, and background traffic.

    Owner phones (targets 0 and 7) drive home -> main road -> work on ten weekday mornings and
    to two other destinations on weekends. At each camera the vehicle is read and the phone
    makes an event from the camera's serving cell within 4 minutes. The decoy is read on the
    same main-road cameras within 90 s of owner 0's vehicle, but never where the owner's phone
    goes off the road.
    """
    cams = town.cameras
    road = cams.index[cams["on_road"]].to_numpy()
    days = case_days()
    midnight = local_midnight_utc(days)
    _, wday, _ = local_parts(midnight + 12 * 3600)
    weekdays = [d for d in range(len(days)) if wday[d] < 5 and d != 38 and d != 6 + 7]
    weekends = [d for d in range(len(days)) if wday[d] >= 5 and d != 38 and d != 13]
    oc = pop.owner_cameras
    if len(oc) < 6:
        raise RuntimeError("town has too few off-road cameras with distinct cells")
    owners = [(0, oc[0], oc[1]), (7, oc[2], oc[3])]
    vrms = [_vrm(rng) for _ in range(3 + 40)]
    reads: list[tuple[str, int, int]] = []  # (vrm, camera, t)
    phone_ev: list[pd.DataFrame] = []
    decoy_vrm = vrms[2]
    other_dest = [oc[4], oc[5]]
    for v, (owner, home_cam, work_cam) in enumerate(owners):
        vrm = vrms[v]
        trip_days = sorted(rng.choice(weekdays, size=10, replace=False).tolist())
        w_days = sorted(rng.choice(weekends, size=2, replace=False).tolist())
        cam_e = cams["easting"].to_numpy(float)
        east = cam_e[work_cam] > cam_e[home_cam]
        route_road = list(road if east else road[::-1])[1:5]
        for d in trip_days + w_days:
            weekend = d in w_days
            t0 = int(midnight[d] + (11 if weekend else 7) * 3600 + 30 * 60 + rng.integers(0, 2400))
            dest = other_dest[w_days.index(d)] if weekend else work_cam
            route = [home_cam, *route_road, dest]
            times = t0 + np.array([0, 360, 540, 720, 900, 1260]) + rng.integers(-20, 20, 6)
            reads += [(vrm, int(c), int(tt)) for c, tt in zip(route, times, strict=True)]
            pt = times + rng.integers(-240, 240, 6)
            cells = cams.loc[route, "cell"].to_numpy()
            others = [_background(rng, pop, owner) for _ in route]
            kinds = np.where(rng.random(6) < 0.5, "sms", "voice")
            phone_ev.append(
                make_events(
                    kinds, pt, np.where(kinds == "voice", 40, 0), np.full(6, owner), others, "trip", a_cell=cells
                )
            )
            if v == 0:  # the decoy shadows the owner on the main road only
                for c, tt in zip(route_road, times[1:5], strict=True):
                    reads.append((decoy_vrm, int(c), int(tt + rng.integers(-90, 90))))
    # the decoy also uses the road on other days, and one off-road camera the owner never uses
    for d in rng.choice(len(days), size=15, replace=False):
        t0 = int(midnight[d] + rng.integers(6 * 3600, 21 * 3600))
        reads += [(decoy_vrm, int(c), t0 + 180 * j) for j, c in enumerate(road[1:5])]
    # background traffic: many vehicles on the main road
    for vrm in vrms[3:]:
        for d in range(len(days)):
            if rng.random() < 0.4:
                t0 = int(midnight[d] + rng.integers(6 * 3600, 22 * 3600))
                path = road if rng.random() < 0.5 else road[::-1]
                start = int(rng.integers(0, 3))
                reads += [(vrm, int(c), t0 + 170 * j) for j, c in enumerate(path[start : start + 3])]
    anpr = (
        pd.DataFrame(reads, columns=["vrm", "camera", "t"])
        .sort_values(["t", "vrm"], kind="stable")
        .reset_index(drop=True)
    )
    facts = {
        "vehicle_phone_pairs": [(vrms[0], owners[0][0]), (vrms[1], owners[1][0])],
        "decoy_vehicles": [(decoy_vrm, owners[0][0])],
    }
    return pd.concat(phone_ev, ignore_index=True), anpr, facts


def plant_sentinels(rng: np.random.Generator, pop: Population) -> pd.DataFrame:
    """Withheld calls, a short-code SMS and an alphanumeric sender to a few associates."""
    midnight = local_midnight_utc(case_days())
    frames = []
    who = pop.targets[8:12]
    for i, p in enumerate(who):
        d = np.array([3 + i, 30 + i, 44 - i])
        t = midnight[d] + rng.integers(10 * 3600, 18 * 3600, 3)
        src = [pop.roles["withheld"], pop.roles["short"], pop.roles["alpha"]]
        frames.append(make_events(["voice", "sms", "sms"], t, [35, 0, 0], src, [p, p, p], "sentinel"))
    return pd.concat(frames, ignore_index=True)


def reconfigure_cells(pop: Population, town: Town) -> list[tuple[int, int, int, int]]:
    """Three targets' home cells are re-azimuthed at midnight on 1 Nov 2024 (GMT).

    Returns (cell, changed_at epoch, old azimuth, new azimuth).
    """
    when = epoch(*RECONFIG_DATE)
    out = []
    for p in pop.targets[12:15]:
        c = int(pop.phones["home"].to_numpy()[p])
        old = int(town.cells["azimuth"].to_numpy()[c])
        new = (old + 30) % 360
        out.append((c, when, old, new))
    return out
