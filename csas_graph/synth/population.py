"""The population: phones, their places and routines, contacts, and routine events.

*Covered* phones (the targets) are those whose operator records were obtained: only their rows
appear in the CDR files, and only their cells are known. Everyone else appears as a
counterparty. Each phone has a home, a work place and a few leisure cells; its routine puts it
at home at night (22:00-06:00 local), at work on weekday office hours, on the main road for a
morning commute (commuters only), and at home or leisure cells otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csas_graph.synth.calendar import case_days, in_quiet, local_midnight_utc, local_parts
from csas_graph.synth.ids import (
    FEATURE_PHONE_TAC,
    SMARTPHONE_TACS,
    drama_landlines,
    drama_mobiles,
    make_imei,
    make_imsi,
)
from csas_graph.synth.town import Town

#: relative call/SMS activity by local hour: quiet at night but not silent (night events fix
#: the home cell)
HOUR_WEIGHTS = np.array(
    [
        0.3,
        0.2,
        0.1,
        0.1,
        0.1,
        0.2,
        0.5,
        1.0,
        1.5,
        1.5,
        1.5,
        1.5,
        1.8,
        1.5,
        1.5,
        1.5,
        1.5,
        1.8,
        1.8,
        1.6,
        1.5,
        1.3,
        1.0,
        0.6,
    ]
)
HOUR_P = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()
SENTINELS = ("Withheld", "61818", "HSBC UK")
#: share of a group member's routine calls and SMS that go to a fellow member: a criminal group
#: talks among itself far more often than to any one outside contact
GROUP_TIE_SHARE = 0.65
#: outside contacts (family, friends) per group member, private to that member
GROUP_PRIVATE_CONTACTS = 8
US_NUMBER = "+12025550142"

EVENT_COLUMNS = ("kind", "t", "dur", "a", "b", "a_cell", "a_last", "b_cell", "b_last", "tag")


@dataclass
class Population:
    """Phones (one row each) plus the indices of the scenario actors."""

    phones: pd.DataFrame
    contacts: list[np.ndarray]
    group: list[int]
    targets: list[int]
    roles: dict[str, int] = field(default_factory=dict)
    #: phone -> (successor phone, switch time): a counterparty dialling the old number after
    #: the switch reaches the new one (SIM swap to a new number)
    successor: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: off-road camera indices: [owner0 home, owner0 work, owner7 home, owner7 work, others...]
    owner_cameras: list[int] = field(default_factory=list)
    meeting_cells: list[int] = field(default_factory=list)


def _scale(rows: int) -> tuple[int, int]:
    """(targets, population) for a requested row count."""
    targets = 24 if rows <= 100_000 else 40
    population = int(np.clip(100 + rows // 500, 120, 300))
    return targets, population


def build_population(rng: np.random.Generator, town: Town, rows: int) -> Population:
    """Phones, places and contacts; the first six targets form the criminal group."""
    n_targets, n_pop = _scale(rows)
    n_burners, n_extra = 3, 1  # three burners in a chain, one new number after a SIM swap
    n_landline = n_pop // 6
    n_mobile = n_pop - n_landline
    mobiles = drama_mobiles(rng, n_mobile + n_burners + n_extra)
    landlines = drama_landlines(rng, n_landline)
    e164 = mobiles[:n_mobile] + landlines + mobiles[n_mobile:] + [US_NUMBER] + list(SENTINELS)
    kind = (
        ["mobile"] * n_mobile
        + ["landline"] * n_landline
        + ["burner"] * n_burners
        + ["mobile"] * n_extra
        + ["us"]
        + ["sentinel"] * len(SENTINELS)
    )
    n = len(e164)
    phones = pd.DataFrame({"e164": e164, "kind": kind})
    idx_burners = list(range(n_pop, n_pop + n_burners))
    idx_sim_new = n_pop + n_burners
    idx_us = idx_sim_new + 1
    targets = list(range(n_targets))  # the first mobiles are the targets
    group = targets[:6]

    # devices
    mnc = rng.choice(np.array(["10", "15", "30"]), size=n)
    phones["mnc"] = mnc
    serials = rng.choice(1_000_000, size=n + 4, replace=False)
    tacs = rng.choice(np.array(SMARTPHONE_TACS), size=n)
    phones["imei"] = [make_imei(str(tacs[i]), int(serials[i])) for i in range(n)]
    for b in idx_burners:
        phones.loc[b, "imei"] = make_imei(FEATURE_PHONE_TAC, int(serials[b]))
    msins = rng.choice(10**9, size=n + 2, replace=False)
    phones["imsi"] = [make_imsi(str(mnc[i]), int(msins[i]) + 10**9 * (i % 9)) for i in range(n)]
    phones["imei2"] = ""
    phones["swap_t"] = -1
    phones.loc[phones["kind"].isin(["landline", "sentinel"]), ["imei", "imsi"]] = ""
    phones["covered"] = False
    phones.loc[targets + [idx_sim_new, idx_us], "covered"] = True
    phones["active_from"] = np.iinfo(np.int64).min
    phones["active_to"] = np.iinfo(np.int64).max

    # places: unique home and work cells for covered phones (so co-location is never mere
    # neighbourliness); background phones share cells freely
    n_cells = len(town.cells)
    reserved = set(town.road_cells.tolist())
    # vehicle owners live and work by off-road cameras with distinct cells (their phones then
    # use those cells when the vehicle passes); two more cameras are their other destinations
    cam_pick: list[int] = []
    cam_cells = town.cameras["cell"].to_numpy()
    for ci in np.flatnonzero(~town.cameras["on_road"].to_numpy()):
        cell = int(cam_cells[ci])
        if cell not in reserved and cell not in {int(cam_cells[c]) for c in cam_pick}:
            cam_pick.append(int(ci))
    owner_cams = town.cameras.loc[cam_pick, "cell"].to_numpy()
    reserved |= set(owner_cams.tolist())
    free = [c for c in rng.permutation(n_cells).tolist() if c not in reserved]
    # two meeting sites, all three sectors kept free of anyone's routine
    meeting_cells: list[int] = []
    free_set = set(free)
    for c in list(free):
        site_cells = {c - c % 3, c - c % 3 + 1, c - c % 3 + 2}
        if len(meeting_cells) < 2 and site_cells <= free_set:
            meeting_cells.append(c)
            free_set -= site_cells
    free = [c for c in free if c in free_set]
    home = rng.integers(0, n_cells, size=n)
    work = rng.integers(0, n_cells, size=n)
    cov = phones.index[phones["covered"]].to_list()
    home_owner = {0: int(owner_cams[0]), 7: int(owner_cams[2])}
    work_owner = {0: int(owner_cams[1]), 7: int(owner_cams[3])}
    taken_sites = {c // 3 for c in [*home_owner.values(), *work_owner.values()]}

    def take_cell() -> int:
        """A free cell on a site no covered phone lives or works at yet (any free cell if none)."""
        for j in range(len(free) - 1, -1, -1):
            if free[j] // 3 not in taken_sites:
                taken_sites.add(free[j] // 3)
                return free.pop(j)
        return free.pop()

    # homes first (one site each, so no two targets look like a household), then work places
    for i in cov:
        home[i] = home_owner[i] if i in home_owner else take_cell()
    for i in cov:
        work[i] = work_owner[i] if i in work_owner else take_cell()
    phones["home"] = home
    phones["work"] = work
    leisure = rng.choice(np.array(free), size=(n, 3))
    phones["leisure0"], phones["leisure1"], phones["leisure2"] = leisure[:, 0], leisure[:, 1], leisure[:, 2]
    phones["commuter"] = rng.random(n) < 0.35
    phones.loc[[0, 7], "commuter"] = True
    pop = Population(phones=phones, contacts=[], group=group, targets=targets)
    pop.roles = {
        "burner0": idx_burners[0],
        "burner1": idx_burners[1],
        "burner2": idx_burners[2],
        "sim_new": idx_sim_new,
        "us": idx_us,
        "withheld": idx_us + 1,
        "short": idx_us + 2,
        "alpha": idx_us + 3,
    }
    pop.owner_cameras = cam_pick
    pop.meeting_cells = meeting_cells

    # contacts: background mobiles and landlines; group members know each other; a few
    # associates know one another (so some calls are between two targets)
    # Each group member has family and friends of their own (drawn from a reserved pool, one
    # disjoint share per member): different members have different families, so no outsider
    # is in contact with two members. The list puts the fellow members first; routine_events
    # sends GROUP_TIE_SHARE of a member's calls to them.
    background = rng.permutation(np.array([i for i in range(n_pop) if i not in set(targets)]))
    per_member = GROUP_PRIVATE_CONTACTS
    private = background[: per_member * len(group)].reshape(len(group), per_member)
    shared = background[per_member * len(group) :]
    contacts: list[np.ndarray] = []
    for i in range(n):
        if i in group:
            mine = [g for g in group if g != i] + private[group.index(i)].tolist()
        else:
            k = int(rng.integers(10, 20))
            mine = rng.choice(shared, size=k, replace=False).tolist()
            if i in targets:
                mine = [int(x) for x in rng.choice(np.array(targets[6:]), size=2) if x != i] + mine
        contacts.append(np.array(mine, dtype=np.int64))
    # the SIM-swapped number keeps its contacts; the US visitor mostly calls the people he is
    # visiting and, now and then, an acquaintance in the group (last in his list, so least often)
    contacts[idx_sim_new] = contacts[group[3]]
    contacts[idx_us] = np.concatenate([contacts[idx_us][:6], [group[0]]]).astype(np.int64)
    pop.contacts = contacts
    return pop


def locate(pop: Population, town: Town, phone: np.ndarray, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The cell each phone uses at each time, following its routine."""
    ph = pop.phones
    hour, wday, _ = local_parts(t)
    u = rng.random(len(t))
    home = ph["home"].to_numpy()[phone]
    work = ph["work"].to_numpy()[phone]
    lei = np.stack([ph[f"leisure{k}"].to_numpy()[phone] for k in range(3)], axis=1)
    leisure = lei[np.arange(len(t)), rng.integers(0, 3, len(t))]
    commuter = ph["commuter"].to_numpy()[phone]
    road = town.road_cells[rng.integers(0, len(town.road_cells), len(t))]
    night = (hour >= 22) | (hour < 6)
    weekday = wday < 5
    office = weekday & (hour >= 9) & (hour < 17)
    commute = weekday & (hour >= 7) & (hour < 9) & commuter
    cell = np.where(u < 0.6, home, leisure)  # evenings and weekends
    cell = np.where(weekday & (hour >= 17) & (hour < 19), np.where(u < 0.5, work, home), cell)
    cell = np.where(commute, np.where(u < 0.7, road, home), cell)
    cell = np.where(office, np.where(u < 0.9, work, leisure), cell)
    cell = np.where(night, np.where(u < 0.93, home, town.neighbour[home]), cell)
    return cell.astype(np.int64)


def routine_events(
    rng: np.random.Generator, pop: Population, per_phone_day: float, data_per_phone_day: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Calls/SMS and data sessions of the covered phones, following their routines.

    Returns
    -------
    (calls, sessions): event frames with columns :data:`EVENT_COLUMNS`.
    """
    ph = pop.phones
    days = case_days()
    midnight = local_midnight_utc(days)
    covered = ph.index[ph["covered"]].to_numpy()
    rate = per_phone_day * rng.uniform(0.5, 1.5, len(covered))
    us = pop.roles["us"]
    rate[covered == us] = min(1.0, per_phone_day)  # a visitor: about one call or SMS a day
    counts = rng.poisson(rate[:, None], size=(len(covered), len(days)))
    who = np.repeat(np.repeat(covered, len(days)), counts.ravel())
    day = np.repeat(np.tile(np.arange(len(days)), len(covered)), counts.ravel())
    n = len(who)
    hour = rng.choice(24, size=n, p=HOUR_P)
    t = midnight[day] + hour * 3600 + rng.integers(0, 3600, n)
    is_voice = rng.random(n) < 0.55
    dur = np.where(is_voice, np.clip(rng.lognormal(4.4, 1.0, n), 5, 2400).astype(np.int64), 0)
    ncont = np.array([len(c) for c in pop.contacts])[who]
    pick = np.floor(ncont * rng.random(n) ** 2).astype(np.int64)  # favours the first contacts
    # a group member calls a fellow member (the first entries of its list) GROUP_TIE_SHARE of
    # the time, uniformly, and otherwise one of its private contacts, uniformly: every tie
    # inside the group is then several times stronger than any one outside tie
    n_fellows = len(pop.group) - 1
    in_group = np.isin(who, pop.group)
    u_tie, u_who = rng.random(n), rng.random(n)
    fellow = np.floor(n_fellows * u_who).astype(np.int64)
    outside = n_fellows + np.floor((ncont - n_fellows) * u_who).astype(np.int64)
    pick = np.where(in_group, np.where(u_tie < GROUP_TIE_SHARE, fellow, outside), pick)
    offsets = np.concatenate([[0], np.cumsum([len(c) for c in pop.contacts])[:-1]])
    flat = np.concatenate(pop.contacts)
    other = flat[offsets[who] + pick]
    mo = rng.random(n) < 0.5
    a = np.where(mo, who, other)
    b = np.where(mo, other, who)
    calls = _frame(np.where(is_voice, "voice", "sms"), t, dur, a, b, "routine")

    # data sessions of the covered UK mobiles
    uk = covered[covered != us]
    drate = data_per_phone_day * rng.uniform(0.5, 1.5, len(uk))
    dcounts = rng.poisson(drate[:, None], size=(len(uk), len(days)))
    dwho = np.repeat(np.repeat(uk, len(days)), dcounts.ravel())
    dday = np.repeat(np.tile(np.arange(len(days)), len(uk)), dcounts.ravel())
    m = len(dwho)
    dt = midnight[dday] + rng.choice(24, size=m, p=HOUR_P) * 3600 + rng.integers(0, 3600, m)
    ddur = np.clip(rng.lognormal(6.8, 1.0, m), 30, 4 * 3600).astype(np.int64)
    sessions = _frame(np.full(m, "data"), dt, ddur, dwho, np.full(m, -1), "routine")
    return calls, sessions


def _frame(kind, t, dur, a, b, tag: str, a_cell=None, b_cell=None) -> pd.DataFrame:
    n = len(t)
    none = np.full(n, -1, dtype=np.int64)
    return pd.DataFrame(
        {
            "kind": np.asarray(kind, dtype=object),
            "t": np.asarray(t, dtype=np.int64),
            "dur": np.asarray(dur, dtype=np.int64),
            "a": np.asarray(a, dtype=np.int64),
            "b": np.asarray(b, dtype=np.int64),
            "a_cell": none if a_cell is None else np.asarray(a_cell, dtype=np.int64),
            "a_last": none.copy() if a_cell is None else np.asarray(a_cell, dtype=np.int64),
            "b_cell": none.copy() if b_cell is None else np.asarray(b_cell, dtype=np.int64),
            "b_last": none.copy() if b_cell is None else np.asarray(b_cell, dtype=np.int64),
            "tag": np.full(n, tag, dtype=object),
        }
    )


def make_events(kind, t, dur, a, b, tag: str, a_cell=None, b_cell=None) -> pd.DataFrame:
    """An event frame (public wrapper used by the scenarios)."""
    return _frame(kind, t, dur, a, b, tag, a_cell, b_cell)


def drop_quiet(ev: pd.DataFrame) -> pd.DataFrame:
    """Routine events touching the DST quiet intervals are not generated."""
    keep = ~in_quiet(ev["t"].to_numpy(), (ev["t"] + ev["dur"]).to_numpy())
    return ev.loc[keep].reset_index(drop=True)
