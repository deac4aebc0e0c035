"""Identifier builders for synthetic data: IMEIs, IMSIs, numbers and cell global identities.

Everything here is pure and deterministic. IMEIs follow 3GPP TS 23.003 (8-digit TAC, 6-digit
serial, Luhn check digit); numbers come from the Ofcom drama ranges so that no real subscriber
is ever named.
"""

from __future__ import annotations

import numpy as np

MCC_UK = "234"


def luhn_check_digit(body: str) -> str:
    """The Luhn check digit for ``body`` (the 14 IMEI digits before the check digit)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # doubled positions, counting from the right of the body
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(imei: str) -> bool:
    """Whether a 15-digit IMEI carries a correct Luhn check digit."""
    return len(imei) == 15 and imei.isdigit() and luhn_check_digit(imei[:14]) == imei[14]


def make_imei(tac: str, serial: int) -> str:
    """A Luhn-valid 15-digit IMEI from an 8-digit TAC and a serial number (0..999999)."""
    body = f"{tac}{serial:06d}"
    return body + luhn_check_digit(body)


def make_imsi(mnc: str, msin: int) -> str:
    """IMSI = MCC + MNC + MSIN (10 digits for a 2-digit MNC, 9 for a 3-digit one): 15 digits."""
    width = 15 - 3 - len(mnc)
    return f"{MCC_UK}{mnc}{msin % 10**width:0{width}d}"


def cgi(mcc: str, mnc: str, lac: int, ci: int) -> str:
    """Canonical cell identifier ``MCC-MNC-LAC-CI`` (LTE: TAC and decimal ECI); MNC as written."""
    return f"{mcc}-{mnc}-{lac}-{ci}"


#: Type allocation codes used for synthetic handsets; the last one is a cheap feature phone
#: (the classic burner fingerprint).
SMARTPHONE_TACS = ("35332811", "35391110", "35875609", "86459703", "35467210")
FEATURE_PHONE_TAC = "35720605"


def drama_mobiles(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct E.164 numbers from Ofcom's drama mobile range 07700 900000-900999."""
    picks = rng.choice(1000, size=n, replace=False)
    return [f"+447700900{int(p):03d}" for p in picks]


def drama_landlines(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct E.164 numbers from Ofcom's drama geographic range 01632 960000-960999."""
    picks = rng.choice(1000, size=n, replace=False)
    return [f"+441632960{int(p):03d}" for p in picks]


def national(e164: str) -> str:
    """``+447700900123`` -> ``07700900123``."""
    return "0" + e164[3:] if e164.startswith("+44") else e164
