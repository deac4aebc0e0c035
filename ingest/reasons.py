"""Reason codes for every cleansing rule, reject and merge.

Every input row ends in exactly one *outcome* (loaded, merged, rejected). Along the way any
number of *flags* may be recorded on it. Codes are stable strings: they are stored in the graph,
in reconciliation reports and in ``truth.json``, so never rename one.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    LOADED = "loaded"
    MERGED = "merged"  # a duplicate of a loaded event: its source is kept on that event
    REJECTED = "rejected"


class Reason(StrEnum):
    # --- rejects: the row cannot become an event ----------------------------------------
    MISSING_REQUIRED = "missing_required"  # a required field (party, time) is blank
    BAD_TIMESTAMP = "bad_timestamp"  # time unparseable
    BAD_DURATION = "bad_duration"  # duration unparseable or negative
    MANGLED_IDENTIFIER = "mangled_identifier"  # a party number as float or 4.4770E+11
    BAD_NUMBER = "bad_number"  # party is neither a number nor a recognisable sentinel
    MALFORMED_ROW = "malformed_row"  # wrong field count, binary garbage, oversize field
    SUMMARY_ROW = "summary_row"  # trailing "Total records: N" style rows
    # --- merges: the row is another source of an event already loaded --------------------
    EXACT_DUPLICATE = "exact_duplicate"  # byte-identical row in the same delivery
    MIRRORED_DUPLICATE = "mirrored_duplicate"  # the same call in both parties' records
    CALL_LEG = "call_leg"  # a further leg of one call (AT&T Item > 1)
    GPRS_PARTIAL = "gprs_partial"  # a further partial record of one data session
    OVERLAP_DUPLICATE = "overlap_duplicate"  # already loaded from an earlier delivery
    # --- flags: the row is loaded, with a note -------------------------------------------
    DST_AMBIGUOUS = "dst_ambiguous"  # local time in the autumn overlap (occurs twice)
    DST_NONEXISTENT = "dst_nonexistent"  # local time in the spring gap (never occurred)
    UNRESOLVED_CELL = "unresolved_cell"  # cell not in any cell list valid at that time
    WIFI_LOCATION = "wifi_location"  # a Wi-Fi MAC, typed as Wi-Fi and never geocoded
    ROAMING = "roaming"  # MCC is not 234
    IMEI_BAD_LUHN = "imei_bad_luhn"
    IMEI_NO_CHECK_DIGIT = "imei_no_check_digit"  # 14 digits
    IMEI_SV_SPLIT = "imei_sv_split"  # 16-digit IMEISV split into IMEI + SVN
    IMEI_PLACEHOLDER = "imei_placeholder"  # 000000…, '-', etc.
    NUMBER_SENTINEL = "number_sentinel"  # withheld / unknown / short code / alphanumeric
    NUMBER_NORMALISED = "number_normalised"  # raw form differed from E.164
    AZIMUTH_UNKNOWN = "azimuth_unknown"  # blank azimuth (not 0, which is north)
    PLACEHOLDER_VALUE = "placeholder_value"  # '-', 'N/A' etc. kept distinct from blank/zero
    TIME_LOCAL_CONVERTED = "time_local_converted"  # local time converted to UTC
    COORDINATE_OUT_OF_RANGE = "coordinate_out_of_range"  # outside the GB envelope / swapped
    ENCODING_FALLBACK = "encoding_fallback"  # file not UTF-8, decoded as cp1252
    MANGLED_DEVICE_ID = "mangled_device_id"  # IMEI/IMSI float-mangled: value refused, event kept
    IMEI_INVALID = "imei_invalid"  # not 14/15/16 digits: value refused, event kept
    IMSI_INVALID = "imsi_invalid"  # not 6-15 digits: value refused, event kept


REJECTS = frozenset(
    {
        Reason.MISSING_REQUIRED,
        Reason.BAD_TIMESTAMP,
        Reason.BAD_DURATION,
        Reason.MANGLED_IDENTIFIER,
        Reason.BAD_NUMBER,
        Reason.MALFORMED_ROW,
        Reason.SUMMARY_ROW,
    }
)
MERGES = frozenset(
    {
        Reason.EXACT_DUPLICATE,
        Reason.MIRRORED_DUPLICATE,
        Reason.CALL_LEG,
        Reason.GPRS_PARTIAL,
        Reason.OVERLAP_DUPLICATE,
    }
)
FLAGS = frozenset(set(Reason) - REJECTS - MERGES)
