"""Data-quality problems injected at known counts, and the outcome every row must get.

Problems are placed on *clean* routine rows (a daytime event of an associate with a background
counterparty, on a listed cell), so a planted fact is never disturbed and each problem row
carries exactly the one problem meant. Copies (duplicates and rejects) are inserted right after
the row they copy. The expected outcome of each injection is agreed with the ingest layer
(``ingest/reasons.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csas_graph.synth.calendar import local_parts
from csas_graph.synth.rows import objects

#: injections per layout: code -> count
PLAN: dict[str, dict[str, int]] = {
    "a": {
        "dup": 2,
        "mangled": 1,
        "blank_party": 1,
        "blank_time": 1,
        "bad_time": 1,
        "bad_dur": 1,
        "wifi": 3,
        "roam": 1,
        "imei_bad_luhn": 1,
        "imei14": 1,
        "imei16": 1,
        "imei_placeholder": 1,
        "imei_float": 1,
        "imsi_float": 1,
    },
    "b": {"dup": 1, "mangled": 1, "blank_party": 1, "bad_time": 1, "bad_dur": 1, "imei_placeholder": 1},
    "c": {
        "dup": 2,
        "mangled": 1,
        "blank_party": 1,
        "blank_time": 1,
        "bad_time": 1,
        "bad_dur": 1,
        "roam": 2,
        "imei_bad_luhn": 1,
        "imei14": 1,
        "imei16": 1,
        "imei_float": 1,
    },
    "d": {"roam": 1},
    "e": {"blank_party": 1, "bad_dur": 1},
    "f": {"dup": 1, "blank_time": 1, "bad_dur": 1},
}
COPY_REASON = {
    "dup": "exact_duplicate",
    "mangled": "mangled_identifier",
    "blank_party": "missing_required",
    "blank_time": "missing_required",
    "bad_time": "bad_timestamp",
    "bad_dur": "bad_duration",
}
DEVICE_FLAG = {
    "imei_bad_luhn": "imei_bad_luhn",
    "imei14": "imei_no_check_digit",
    "imei16": "imei_sv_split",
    "imei_placeholder": "imei_placeholder",
    "imei_float": "mangled_device_id",
    "imsi_float": "mangled_device_id",
}
SUMMARY_IN = ("a", "c", "d")
LEG_SHARE = 0.1


def mangle(value: str) -> str:
    """A number or identifier as a spreadsheet shows it after turning it into a float."""
    digits = "".join(ch for ch in value if ch.isdigit())
    return f"{float(digits):.10E}".replace("E+", "E+") if digits else "4.4770090012E+11"


def candidates(
    rows: pd.DataFrame, protected: np.ndarray, covered: np.ndarray, kind: np.ndarray, missing: np.ndarray
) -> np.ndarray:
    """Positions of rows on which a problem may be placed."""
    hour, _, _ = local_parts(rows["t"].to_numpy())
    other = rows["other"].to_numpy()
    ok = (rows["tag"].to_numpy() == "routine") & (rows["seq"].to_numpy() == 1) & (rows["dst"].to_numpy() == "")
    ok &= (hour >= 9) & (hour < 17) & ~protected[rows["persp"].to_numpy()]
    has_other = other >= 0
    ok &= ~has_other | (~covered[np.maximum(other, 0)] & (kind[np.maximum(other, 0)] != "sentinel"))
    ok &= ~missing[rows["first"].to_numpy()] & ~missing[rows["last"].to_numpy()]
    return np.flatnonzero(ok)


def inject(
    layout: str,
    rows: pd.DataFrame,
    rng: np.random.Generator,
    protected: np.ndarray,
    covered: np.ndarray,
    kind: np.ndarray,
    missing: np.ndarray,
) -> pd.DataFrame:
    """Apply the plan for one layout to its semantic rows; returns rows with ``inject``,
    ``copy_of`` and ``row_kind`` columns (copies inserted after their originals)."""
    rows = rows.reset_index(drop=True)
    kind_of_extra = "leg" if layout == "e" else "partial"
    objects(
        rows,
        {
            "inject": np.full(len(rows), "", dtype=object),
            "row_kind": np.where(rows["seq"].to_numpy() > 1, kind_of_extra, "event"),
        },
    )
    plan = PLAN.get(layout, {})
    if not plan:
        return rows
    cand = candidates(rows, protected, covered, kind, missing)
    if layout in ("d", "e"):  # only sessions/calls recorded in a single row (no partials, no legs)
        single = rows.groupby("eid")["seq"].transform("max").to_numpy() == 1
        cand = cand[single[cand]]
    need = sum(plan.values())
    if len(cand) < need:
        return rows  # too few rows (tiny --rows): inject nothing rather than something unplanned
    picks = rng.choice(cand, size=need, replace=False)
    picks.sort()
    codes = [c for c, n in sorted(plan.items()) for _ in range(n)]
    codes = [codes[i] for i in rng.permutation(len(codes))]
    copies = []
    for pos, code in zip(picks, codes, strict=True):
        if code in COPY_REASON:
            copy = rows.loc[[pos]].copy()
            copy["inject"] = code
            copy["row_kind"] = "dup" if code == "dup" else "reject"
            copy["_order"] = pos + 0.5
            copies.append(copy)
        elif code in DEVICE_FLAG:
            rows.at[pos, "inject"] = code
            imei, imsi = str(rows.at[pos, "imei"]), str(rows.at[pos, "imsi"])
            rows.at[pos, "imei"] = {
                "imei_bad_luhn": imei[:14] + str((int(imei[14]) + 5) % 10) if len(imei) == 15 else imei,
                "imei14": imei[:14],
                "imei16": imei[:14] + "07",
                "imei_placeholder": "000000000000000",
                "imei_float": mangle(imei),
            }.get(code, imei)
            if code == "imsi_float":
                rows.at[pos, "imsi"] = mangle(imsi)
        elif code == "wifi":
            rows.at[pos, "inject"] = code
            mac = rng.integers(0, 256, 5)
            rows.at[pos, "loc"] = "wifi"
            rows.at[pos, "loc_str"] = "a4:" + ":".join(f"{x:02x}" for x in mac)
        elif code == "roam":
            rows.at[pos, "inject"] = code
            rows.at[pos, "loc"] = "roam"
            rows.at[pos, "loc_str"] = f"208-01-4120-{31000 + int(rng.integers(0, 999))}"
    rows["_order"] = np.arange(len(rows), dtype=float)
    if copies:
        rows = pd.concat([rows, *copies], ignore_index=True)
    rows = rows.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)
    return rows


def add_legs(rows: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """AT&T: some voice calls pass more than one switch and get one row per leg (Item 2, 3)."""
    voice = np.flatnonzero((rows["kind"].to_numpy() == "voice") & (rows["tag"].to_numpy() != "sentinel"))
    chosen = voice[rng.random(len(voice)) < LEG_SHARE]
    extra = rng.integers(1, 3, len(chosen))
    idx = np.repeat(chosen, extra)
    legs = rows.iloc[idx].copy()
    legs["seq"] = np.arange(len(idx)) - np.repeat(np.cumsum(extra) - extra, extra) + 2
    out = pd.concat([rows, legs], ignore_index=True)
    return out.sort_values(["t", "persp", "eid", "seq"], kind="stable").reset_index(drop=True)


def patch(layout: str, text: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Corrupt the rendered text of the copies that are meant to be rejected."""
    from csas_graph.synth.layouts import BAD_DURATION, BAD_TIME, ROLES

    roles = ROLES.get(layout)
    if roles is None:
        return text
    inj = rows["inject"].to_numpy()
    mo = (rows["persp"] == rows["a"]).to_numpy()
    for pos in np.flatnonzero(np.isin(inj, list(COPY_REASON))):
        code = inj[pos]
        other_col = roles["b"][0] if mo[pos] else roles["a"][0]
        row = int(pos)
        if code == "mangled":
            text.loc[row, other_col] = mangle(str(text.loc[row, other_col]))
        elif code == "blank_party":
            text.loc[row, other_col] = ""
        elif code == "blank_time":
            for col in roles["date"] + roles["time"]:
                text.loc[row, col] = ""
        elif code == "bad_time":
            col = (roles["date"] or roles["time"])[0]
            text.loc[row, col] = BAD_TIME[layout]
        elif code == "bad_dur":
            text.loc[row, roles["dur"][0]] = BAD_DURATION[layout]
        elif code == "dup" and pos > 0:
            text.loc[row] = text.loc[row - 1].to_numpy()  # byte-identical, including the source's Row number
    return text
