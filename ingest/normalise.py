"""Cleansing of single values: phone numbers, IMEI, IMSI, cell ids, durations.

Every function here is pure and works on ONE raw string, returning the normalised value plus the
flag codes (and, for parties, a reject code). The vectorised layer (:mod:`ingest.cleanse`) calls
them once per *distinct* raw value of a chunk and caches the answer, so a file of a million rows
with a few thousand distinct numbers costs a few thousand calls. They are also what the
hypothesis property tests exercise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from ingest.reasons import Reason

# --- phone numbers ---------------------------------------------------------------------------

WITHHELD_WORDS = frozenset(
    {"withheld", "private", "restricted", "anonymous", "number withheld", "withheld number", "clir", "hidden"}
)
UNKNOWN_WORDS = frozenset({"unknown", "unavailable", "not available", "unknown number", "n/a", "na", "none", "null"})
PLACEHOLDER_WORDS = frozenset({"-", "--", "?", "."})

#: a number written by a spreadsheet as a float or in scientific notation: its digits are lost
MANGLED_RE = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$|^[+-]?\d+\.\d*$")
_SEPARATORS_RE = re.compile(r"[\s\-./]|\(0\)")
_PARENS_RE = re.compile(r"[()]")
_SUFFIX_RE = re.compile(r"\s*\([A-Za-z]\)\s*$")  # AT&T "(D)" dialled-digits suffix
_DIGITS_RE = re.compile(r"^\+?\d+$")
_URI_RE = re.compile(r"^(?:tel|sip|sips):([^@;]+)(?:[@;].*)?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Party:
    """A normalised party: ``key`` is E.164 or a typed sentinel; ``reject`` is set when unusable."""

    key: str | None
    kind: str | None
    flags: tuple[str, ...] = ()
    reject: str | None = None
    message: str | None = None


def _e164(digits: str, region: str) -> str | None:
    """E.164 for a digit string (optionally with '+'), using ``phonenumbers`` as the authority.

    Ofcom drama ranges (07700 900xxx, 01632 960xxx) are not *valid* numbers, so possibility
    (length and prefix plausible for the region) is the test, never validity.
    """
    candidate = digits
    if region == "GB":
        # leading-44 without '+' is the UK country code (libphonenumber FAQ: add the '+')
        if candidate.startswith("44") and len(candidate) in (11, 12):
            candidate = "+" + candidate
        elif candidate.startswith("0044"):
            candidate = "+" + candidate[2:]
        elif not candidate.startswith(("0", "+")) and len(candidate) == 10 and candidate[0] in "123578":
            candidate = "0" + candidate  # a leading zero stripped by a spreadsheet
    elif region in ("US", "CA"):
        if len(candidate) == 11 and candidate.startswith("1"):
            candidate = "+" + candidate
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    try:
        parsed = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=500_000)
def normalise_number(raw: str, region: str = "GB", identifiers: str = "e164", voicemail: bool = False) -> Party:
    """Turn a raw party field into an E.164 key or a typed sentinel.

    Method: blank → ``missing_required``; a float or scientific form (``4.4770090012E+11``) →
    ``mangled_identifier`` (digits are lost, never guessed); withheld/private words → ``WITHHELD``;
    unknown words → ``UNKNOWN``; a lone placeholder (``-``) → ``UNKNOWN`` flagged
    ``placeholder_value``; text with letters → ``ALPHA:<text>`` (alphanumeric SMS sender);
    3–6 digits → ``SHORT:<digits>``; otherwise E.164 via ``phonenumbers`` with the file's region,
    accepting any *possible* number (so Ofcom drama ranges pass). With ``identifiers='opaque'``
    anything non-blank becomes ``OPAQUE:<value>``.

    Limitations: possibility is a length/prefix test, not proof that a number was ever assigned.
    """
    text = raw.strip() if raw else ""
    if not text:
        return Party(None, None, (), Reason.MISSING_REQUIRED.value, "blank")
    lower = text.lower()
    if lower in WITHHELD_WORDS:
        return Party("WITHHELD", "withheld", (Reason.NUMBER_SENTINEL.value,))
    if lower in UNKNOWN_WORDS:
        return Party("UNKNOWN", "unknown", (Reason.NUMBER_SENTINEL.value,))
    if lower in PLACEHOLDER_WORDS:
        return Party("UNKNOWN", "unknown", (Reason.NUMBER_SENTINEL.value, Reason.PLACEHOLDER_VALUE.value))
    if identifiers == "opaque":
        key = "OPAQUE:" + text
        return Party(key, "opaque", ())
    uri = _URI_RE.match(text)
    if uri:  # tel:/sip: URIs (IMS, ADM comms addresses): the user part is the number
        inner = normalise_number(uri.group(1), region, identifiers, voicemail)
        if inner.key is not None and inner.kind in ("e164", "voicemail", "short_code"):
            uri_flags = tuple(dict.fromkeys((*inner.flags, Reason.NUMBER_NORMALISED.value)))
            return Party(inner.key, inner.kind, uri_flags)
    if MANGLED_RE.match(text):
        return Party(None, None, (), Reason.MANGLED_IDENTIFIER.value, f"{text!r} is a spreadsheet float: digits lost")
    cleaned = _PARENS_RE.sub("", _SEPARATORS_RE.sub("", _SUFFIX_RE.sub("", text)))
    if not _DIGITS_RE.match(cleaned):
        if any(ch.isalpha() for ch in text):
            return Party("ALPHA:" + text, "alphanumeric", (Reason.NUMBER_SENTINEL.value,))
        return Party(None, None, (), Reason.BAD_NUMBER.value, f"{text!r} is not a phone number")
    bare = cleaned.lstrip("+")
    if not cleaned.startswith("+") and 3 <= len(bare) <= 6:
        return Party("SHORT:" + bare, "short_code", (Reason.NUMBER_SENTINEL.value,))
    e164 = _e164(cleaned, region)
    if e164 is None:
        return Party(None, None, (), Reason.BAD_NUMBER.value, f"{text!r} is not a possible number for region {region}")
    key = e164
    flags: tuple[str, ...] = () if key == text else (Reason.NUMBER_NORMALISED.value,)
    if voicemail:
        return Party("VOICEMAIL:" + key, "voicemail", flags)
    return Party(key, "e164", flags)


# --- IMEI / IMSI -------------------------------------------------------------------------------


def luhn_check_digit(digits14: str) -> str:
    """The Luhn check digit for a 14-digit TAC+SNR (3GPP TS 23.003 annex B)."""
    total = 0
    for i, ch in enumerate(reversed(digits14)):
        d = ord(ch) - 48
        if i % 2 == 0:  # rightmost of the 14 is doubled (it is second from the right once the check is added)
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(imei15: str) -> bool:
    return len(imei15) == 15 and imei15.isdigit() and luhn_check_digit(imei15[:14]) == imei15[14]


@dataclass(frozen=True, slots=True)
class Device:
    """A normalised IMEI: ``imei`` is 15 digits or None; ``svn`` the IMEISV software version."""

    imei: str | None
    svn: str | None
    flags: tuple[str, ...] = ()


@lru_cache(maxsize=200_000)
def normalise_imei(raw: str) -> Device:
    """Validate and normalise an IMEI/IMEISV, flagging anomalies rather than "fixing" them.

    Method: blank → None (no flag); spreadsheet float/scientific → None, ``mangled_device_id``;
    placeholders (all zeros, ``-``, ``N/A``) → None, ``imei_placeholder``; 15 digits → kept,
    ``imei_bad_luhn`` if the check digit fails; 14 digits (TAC+SNR, no check digit) → the Luhn digit
    is appended, ``imei_no_check_digit``; 16 digits (IMEISV) → IMEI = first 14 + Luhn digit, SVN = last
    2, ``imei_sv_split``; anything else → None, ``imei_invalid``.
    """
    text = raw.strip() if raw else ""
    if not text:
        return Device(None, None)
    if MANGLED_RE.match(text):
        return Device(None, None, (Reason.MANGLED_DEVICE_ID.value,))
    lower = text.lower()
    if lower in PLACEHOLDER_WORDS or lower in UNKNOWN_WORDS:
        return Device(None, None, (Reason.IMEI_PLACEHOLDER.value,))
    digits = text.replace(" ", "").replace("-", "")
    if not digits.isdigit():
        return Device(None, None, (Reason.IMEI_INVALID.value,))
    if set(digits) == {"0"} or (len(set(digits)) == 1 and len(digits) >= 14):
        return Device(None, None, (Reason.IMEI_PLACEHOLDER.value,))
    if len(digits) == 15:
        return Device(digits, None, () if luhn_ok(digits) else (Reason.IMEI_BAD_LUHN.value,))
    if len(digits) == 14:
        return Device(digits + luhn_check_digit(digits), None, (Reason.IMEI_NO_CHECK_DIGIT.value,))
    if len(digits) == 16:
        body = digits[:14]
        return Device(body + luhn_check_digit(body), digits[14:], (Reason.IMEI_SV_SPLIT.value,))
    return Device(None, None, (Reason.IMEI_INVALID.value,))


@lru_cache(maxsize=200_000)
def normalise_imsi(raw: str) -> tuple[str | None, tuple[str, ...]]:
    """An IMSI (MCC + MNC + MSIN, 6 to 15 digits) or None with a flag.

    Float/scientific forms → ``mangled_device_id``; placeholders → ``placeholder_value``; anything
    else that is not 6–15 digits → ``imsi_invalid``.
    """
    text = raw.strip() if raw else ""
    if not text:
        return None, ()
    if MANGLED_RE.match(text):
        return None, (Reason.MANGLED_DEVICE_ID.value,)
    lower = text.lower()
    if lower in PLACEHOLDER_WORDS or lower in UNKNOWN_WORDS or (text.isdigit() and set(text) == {"0"}):
        return None, (Reason.PLACEHOLDER_VALUE.value,)
    if text.isdigit() and 6 <= len(text) <= 15:
        return text, ()
    return None, (Reason.IMSI_INVALID.value,)


# --- cell identifiers --------------------------------------------------------------------------

_MAC_RE = re.compile(r"^(?:[0-9A-Fa-f]{2}[:\-.]?){5}[0-9A-Fa-f]{2}$")
_CGI_RE = re.compile(r"^(\d{3})[\-_/:. ](\d{2,3})[\-_/:. ](0[xX][0-9A-Fa-f]+|\d+)[\-_/:. ](0[xX][0-9A-Fa-f]+|\d+)$")
_CONCAT_RE = re.compile(r"^\d{13,20}$")


@dataclass(frozen=True, slots=True)
class CellId:
    """A parsed cell identifier.

    ``cgi`` is canonical ``MCC-MNC-LAC-CI`` (MNC keeps 2 or 3 digits; LAC/TAC and CI/ECI/NCI as
    decimal integers), or ``wifi:aa:bb:cc:dd:ee:ff`` for a Wi-Fi MAC, or the raw text upper-cased
    when it cannot be split (kept, never dropped: the loader then finds it unresolved).
    """

    cgi: str | None
    kind: str | None  # 'cell' | 'wifi'
    mcc: str | None = None
    mnc: str | None = None
    lac: int | None = None
    ci: int | None = None
    flags: tuple[str, ...] = ()


def _int_any_base(text: str) -> int:
    return int(text, 16) if text[:2] in ("0x", "0X") else int(text)


def canonical_cgi(mcc: str, mnc: str, lac: int, ci: int) -> str:
    return f"{mcc}-{mnc}-{lac}-{ci}"


@lru_cache(maxsize=200_000)
def parse_cell(raw: str, home_mccs: tuple[str, ...] = ("234",), mnc_digits: int = 2) -> CellId:
    """Parse a CGI / ECGI / NCGI or a Wi-Fi MAC.

    Accepted: separated ``MCC-MNC-LAC-CI`` (any of ``- _ / : .`` or space; LAC/CI decimal or
    ``0x`` hex; works alike for LAC+CI, TAC+ECI and TAC+NCI), a concatenated decimal
    ``MCC MNC LAC(5) CI(5+)`` string (MNC length from the template), and a MAC (``aa:bb:…``,
    ``aa-bb-…`` or 12 hex digits containing a letter) typed ``wifi`` and flagged ``wifi_location``.
    Roaming (MCC not in ``home_mccs``) is flagged. ``0`` and ``-`` are placeholders (Sprint SMS rows
    carry zeros), kept distinct from blank.

    Limitations: the eNB/gNB split of an ECI/NCI is not derived here (an NR gNB-ID length is
    operator configuration).
    """
    text = raw.strip() if raw else ""
    if not text:
        return CellId(None, None)
    if text in ("0", "-", "00", "000") or text.lower() in UNKNOWN_WORDS:
        return CellId(None, None, flags=(Reason.PLACEHOLDER_VALUE.value,))
    if _MAC_RE.match(text) and (not text.isdigit()):
        hexes = re.sub(r"[:\-.]", "", text).lower()
        if len(hexes) == 12:
            mac = ":".join(hexes[i : i + 2] for i in range(0, 12, 2))
            return CellId("wifi:" + mac, "wifi", flags=(Reason.WIFI_LOCATION.value,))
    m = _CGI_RE.match(text)
    if m:
        mcc, mnc, lac_s, ci_s = m.groups()
        lac, ci = _int_any_base(lac_s), _int_any_base(ci_s)
        flags = () if mcc in home_mccs else (Reason.ROAMING.value,)
        return CellId(canonical_cgi(mcc, mnc, lac, ci), "cell", mcc, mnc, lac, ci, flags)
    if _CONCAT_RE.match(text):
        mcc = text[:3]
        mnc = text[3 : 3 + mnc_digits]
        rest = text[3 + mnc_digits :]
        lac, ci = int(rest[:5]), int(rest[5:])
        flags = () if mcc in home_mccs else (Reason.ROAMING.value,)
        return CellId(canonical_cgi(mcc, mnc, lac, ci), "cell", mcc, mnc, lac, ci, flags)
    return CellId(text.upper(), "cell")


def cell_from_parts(
    mcc: str, mnc: str, lac: str, ci: str, enb: str = "", sector: str = "", home_mccs: tuple[str, ...] = ("234",)
) -> CellId:
    """Compose a cell from separate MCC / MNC / LAC-TAC / CI-ECI (or eNB-ID + sector) columns.

    When the ECI is blank but eNodeB ID and sector are given, ECI = eNB × 256 + sector (LTE: the
    28-bit ECI is a 20-bit eNB-ID and an 8-bit cell id).
    """
    mcc, mnc, lac, ci = mcc.strip(), mnc.strip(), lac.strip(), ci.strip()
    if not ci and enb.strip() and sector.strip():
        try:
            ci = str(_int_any_base(enb.strip()) * 256 + _int_any_base(sector.strip()))
        except ValueError:
            ci = ""
    if not ci:
        return CellId(None, None)
    if ci and not (mcc or mnc or lac):
        return parse_cell(ci, home_mccs)
    return parse_cell(f"{mcc}-{mnc}-{lac}-{ci}", home_mccs)


# --- durations -----------------------------------------------------------------------------------

_DURATION_RE = re.compile(r"^(\d+)(?::(\d{1,2}))?(?::(\d{1,2}))?(?:\.\d+)?$")


def parse_duration(raw: str, fmt: str = "auto") -> int | None:
    """Seconds from ``SS``, ``MM:SS`` or ``HH:MM:SS`` (``fmt`` = auto/seconds/mmss/hms).

    Two-part values are always minutes:seconds (AT&T ``ET``; minutes may exceed 59); three-part
    values hours:minutes:seconds with minutes and seconds below 60. Fractions of a second are
    truncated. Raises ``ValueError`` for anything else, including negatives.
    """
    text = raw.strip()
    m = _DURATION_RE.match(text)
    if not m:
        raise ValueError(f"{raw!r} is not a duration")
    a, b, c = m.groups()
    if c is not None:
        if fmt in ("seconds", "mmss") or int(b) > 59 or int(c) > 59:
            raise ValueError(f"{raw!r} is not a {fmt} duration")
        return int(a) * 3600 + int(b) * 60 + int(c)
    if b is not None:
        if fmt == "seconds" or int(b) > 59:
            raise ValueError(f"{raw!r} is not a {fmt} duration")
        return int(a) * 60 + int(b)
    return int(a)
