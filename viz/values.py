"""Small value helpers shared by the views: tolerant field lookup, ISO times, number kinds."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

#: Number key prefixes from docs/model.md and the kind each one means
_SENTINEL_KINDS = {
    "VOICEMAIL:": "voicemail",
    "SHORT:": "short_code",
    "ALPHA:": "alphanumeric",
    "OPAQUE:": "opaque",
}


def first_present(row: Mapping[str, Any], *keys: str) -> Any:
    """The value of the first key that is present and not None (rows differ in spelling)."""
    for key in keys:
        value = row.get(key)
        if value is not None and value != "":
            return value
    return None


def iso(value: Any) -> str | None:
    """An ISO-8601 string for a datetime, date, neo4j time or string; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "iso_format"):
        return str(value.iso_format())
    return str(value)


def to_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def to_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def number_kind(key: str) -> str:
    """The graph-model kind of a Number key: ``e164`` numbers and sentinels by prefix."""
    for prefix, kind in _SENTINEL_KINDS.items():
        if key.startswith(prefix):
            return kind
    if key in ("WITHHELD", "UNKNOWN"):
        return key.lower()
    return "number"
