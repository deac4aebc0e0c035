"""Helpers shared by the analyses: parameter bases, time handling, evidence, supernodes, geometry.

Conventions every analysis follows:

* Times in rows are ISO-8601 strings in UTC (``...+00:00``); where an analyst reads clock time a
  ``*_local`` twin in the case's time zone is added.
* ``evidence`` is the sorted list of supporting event ids, capped at :data:`EVIDENCE_CAP`;
  ``evidence_total`` is the uncapped count, so a capped list is never mistaken for all of it.
* Supernodes (voicemail, short codes, withheld/unknown sentinels and numbers with more distinct
  counterparts than ``max_degree``) are left out by default and listed in ``excluded``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

import cypher
from csas_graph.cases import get_case
from csas_graph.graph_store import GraphStore

#: at most this many event ids are listed per row; ``evidence_total`` gives the full count
EVIDENCE_CAP = 50
#: number kinds that are never a person's phone: collapsed out of every network by default
SUPERNODE_KINDS = ("voicemail", "short_code", "withheld", "unknown", "alphanumeric")
#: default window bounds: an open window still uses the time index (a range seek)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
EVENT_TYPES = ("voice", "sms", "mms", "video", "data", "other")
EventType = Literal["voice", "sms", "mms", "video", "data", "other"]
CALL_TYPES = ("voice", "video")
MESSAGE_TYPES = ("sms", "mms")


# ------------------------------------------------------------------------------------ params
class AnalysisParams(BaseModel):
    """Base of every analysis' parameters: unknown keys are refused, times default to UTC."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _naive_times_are_utc(cls, value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class WindowParams(AnalysisParams):
    since: datetime | None = Field(None, description="Start of the time window (ISO 8601; naive = UTC).")
    until: datetime | None = Field(None, description="End of the time window, inclusive (ISO 8601; naive = UTC).")

    def window(self) -> tuple[datetime, datetime]:
        return (self.since or EARLIEST, self.until or LATEST)


class SupernodeParams(WindowParams):
    max_degree: int | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description="Numbers with more distinct counterparts are supernodes (default: settings.supernode_degree).",
    )
    include_supernodes: bool = Field(False, description="Keep voicemail, short codes and high-degree numbers.")


def as_key_list(value: Any) -> Any:
    """Accept ``"a,b"``, a single value or a list; numbers become strings (``+44...`` stays)."""
    if value is None:
        return value
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, int | float):
        return [str(value)]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return value


def as_key(value: Any) -> Any:
    return str(value) if isinstance(value, int) else value


#: a list of keys: ``"a,b"`` on the CLI, a JSON list in the API
KeyList = Annotated[list[str], BeforeValidator(as_key_list)]
Key = Annotated[str, BeforeValidator(as_key)]
TypeList = Annotated[list[EventType] | None, BeforeValidator(as_key_list)]


# -------------------------------------------------------------------------------- time
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_ms(ms: int) -> datetime:
    """Epoch milliseconds (as queries return times, being far cheaper to decode) as aware UTC."""
    return EPOCH + timedelta(milliseconds=ms)


def unpack(
    row: dict[str, Any] | None,
    fields: Iterable[str],
    times: Iterable[str] = ("t",),
    nullable: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Rows from a query that returns parallel lists (one ``collect`` per column).

    Queries return columns as lists because the driver decodes one row of lists an order of
    magnitude faster than as many records. ``times`` are epoch milliseconds, made datetimes;
    ``nullable`` columns were coalesced to ``''`` (``collect`` drops nulls) and become ``None``.
    """
    if not row:
        return []
    names = list(fields)
    out = []
    time_fields, null_fields = tuple(times), tuple(nullable)
    for values in zip(*(row[f] for f in names), strict=True):
        d = dict(zip(names, values, strict=True))
        for f in time_fields:
            d[f] = EPOCH + timedelta(milliseconds=d[f])
        for f in null_fields:
            if d[f] == "":
                d[f] = None
        out.append(d)
    return out


def to_utc(value: Any) -> datetime:
    """A Neo4j or Python datetime (or epoch milliseconds) as an aware UTC Python datetime."""
    if isinstance(value, int):
        return from_ms(value)
    if isinstance(value, datetime) and value.tzinfo is UTC:
        return value
    if hasattr(value, "to_native"):
        value = value.to_native()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)  # type: ignore[no-any-return]


def iso(value: Any) -> str | None:
    """UTC ISO-8601 text of a time (``None`` stays ``None``)."""
    if value is None:
        return None
    return to_utc(value).isoformat()


def iso_local(value: Any, tz: ZoneInfo) -> str | None:
    if value is None:
        return None
    return to_utc(value).astimezone(tz).isoformat()


_TIMEZONES: dict[tuple[str, str], ZoneInfo] = {}


def case_timezone(store: GraphStore, case_id: str) -> ZoneInfo:
    """The case's local time zone (raises NotFound for an unknown case).

    A case's zone is fixed when it is created, so it is remembered per database and case.
    """
    key = (store.uri, case_id)
    tz = _TIMEZONES.get(key)
    if tz is None:
        tz = _TIMEZONES[key] = ZoneInfo(get_case(store, case_id).timezone or "Europe/London")
    return tz


# --------------------------------------------------------------------------- evidence
def evidence(ids: Iterable[str], cap: int = EVIDENCE_CAP) -> dict[str, Any]:
    """``{"evidence": first cap sorted unique ids, "evidence_total": count}``."""
    unique = sorted({i for i in ids if i})
    return {"evidence": unique[:cap], "evidence_total": len(unique)}


# ------------------------------------------------------------------------- data version
#: a case's complete files and their completion times; None while a file is loading
DataVersion = tuple[tuple[str, ...], tuple[str, ...]]
T = TypeVar("T")
#: how many (database, case, version) entries each per-process cache keeps
KEEP = 8
_KEPT_CELLS: dict[tuple[str, str, DataVersion], CellIndex] = {}


def data_version(state: dict[str, Any]) -> DataVersion | None:
    """The version of a case's cells and cameras from a ``data_version`` (or summary ``state``) row.

    None while any file is loading: nothing read then is kept.
    """
    if state["loading"]:
        return None
    return tuple(state["files"] or ()), tuple(state["completed"] or ())


def read_data_version(store: GraphStore, case_id: str) -> DataVersion | None:
    return data_version(read_fast(store, "analyses/data_version", case_id=case_id)[0])


def kept(
    cache: dict[tuple[str, str, DataVersion], T],
    store: GraphStore,
    case_id: str,
    version: DataVersion | None,
    load: Callable[[], T],
) -> T:
    """``load()``, kept in ``cache`` per database, case and data ``version`` (the newest :data:`KEEP` entries).

    Nothing is kept while a file is loading (``version`` None): the value is loaded each time.
    """
    if version is None:
        return load()
    key = (store.uri, case_id, version)
    if key not in cache:
        cache[key] = load()
        while len(cache) > KEEP:
            cache.pop(next(iter(cache)))
    return cache[key]


# ------------------------------------------------------------------------------ reads
def read_fast(store: GraphStore, name: str, **params: Any) -> list[dict[str, Any]]:
    """``store.read`` without ``Record.data()``'s recursive walk over every list element.

    Analyses' queries return plain values (strings, numbers, lists of them, epoch
    milliseconds), so records become dicts as they are; on columnar results this is several
    times faster. Each is one auto-commit round trip (:meth:`GraphStore.read_plain`). The query
    is still checked against its header.
    """
    return store.read_plain(cypher.load(name), **params)


# ------------------------------------------------------------------------------ events
INCIDENT_FIELDS = ("src", "dst", "event_id", "type", "start", "duration_s")


def incident_events(
    store: GraphStore, case_id: str, keys: Iterable[str], since: datetime, until: datetime, types: list[str]
) -> list[dict[str, Any]]:
    """CALLED events touching any of ``keys`` in the window, in time order (``start`` aware UTC)."""
    keys = sorted(set(keys))
    if not keys:
        return []
    rows = read_fast(
        store, "analyses/incident_events", case_id=case_id, keys=keys, since=since, until=until, types=types
    )
    return unpack(rows[0] if rows else None, INCIDENT_FIELDS, times=("start",))


# -------------------------------------------------------------------------- supernodes
def classify_supernodes(
    store: GraphStore, case_id: str, keys: Iterable[str], max_degree: int, *, summary: bool = False
) -> dict[str, dict[str, Any]]:
    """Among ``keys``, the supernodes: ``{number: {number, kind, reason, degree}}``.

    With ``summary`` (a usable contact summary) distinct counterparts are counted on the CONTACT
    edges rather than over every CALLED event.
    """
    name = "analyses/summary/number_degrees" if summary else "analyses/number_degrees"
    rows = read_fast(store, name, case_id=case_id, keys=sorted(set(keys)), max_degree=max_degree)
    return {r["number"]: entry for r in rows if (entry := _supernode_entry(r, max_degree)) is not None}


def all_supernodes(store: GraphStore, case_id: str, max_degree: int) -> dict[str, dict[str, Any]]:
    rows = read_fast(store, "analyses/supernodes", case_id=case_id, kinds=list(SUPERNODE_KINDS), max_degree=max_degree)
    return {r["number"]: entry for r in rows if (entry := _supernode_entry(r, max_degree)) is not None}


def _supernode_entry(row: dict[str, Any], max_degree: int) -> dict[str, Any] | None:
    if row["kind"] in SUPERNODE_KINDS:
        reason = row["kind"]
    elif row["degree"] is not None and row["degree"] > max_degree:
        reason = f"degree>{max_degree}"
    else:
        return None
    return {"number": row["number"], "kind": row["kind"], "reason": reason, "degree": row["degree"]}


def excluded_list(entries: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [entries[k] for k in sorted(entries)]


# ----------------------------------------------------------------------------- geometry
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (the same model as Neo4j's WGS84 ``point.distance``)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


class CellIndex:
    """All cells of a case, for "within R metres" questions answered in memory.

    A case holds thousands of cells, not millions, so a grid over their sites gives every
    neighbour query without a database round trip.
    """

    def __init__(self, rows: list[dict[str, Any]]):
        self.loc: dict[str, tuple[float, float]] = {}
        self.cgi: dict[str, str] = {}
        #: every column of each cell (cgi, resolved, lat, lon, azimuth, beamwidth, site_name)
        self.info: dict[str, dict[str, Any]] = {r["cell"]: r for r in rows}
        for r in rows:
            self.cgi[r["cell"]] = r["cgi"]
            if r["lat"] is not None and r["lon"] is not None:
                self.loc[r["cell"]] = (float(r["lat"]), float(r["lon"]))
        self._by_cgi: dict[str, list[str]] = {}
        for key, cgi in self.cgi.items():
            self._by_cgi.setdefault(cgi, []).append(key)
        self._cache: dict[tuple[str, float], tuple[str, ...]] = {}
        self._dist: dict[tuple[str, str], float | None] = {}
        self._points: dict[tuple[float, float, float], list[str]] = {}

    @classmethod
    def load(cls, store: GraphStore, case_id: str, version: DataVersion | None = None) -> CellIndex:
        """The case's cells; with a ``version`` (see :func:`data_version`), kept per process and reused while it holds.

        A kept index also keeps its neighbour and distance caches, which repeated questions reuse.
        """

        def load() -> CellIndex:
            rows = read_fast(store, "analyses/cells", case_id=case_id)
            fields = ("cell", "cgi", "resolved", "lat", "lon", "azimuth", "beamwidth", "site_name")
            return cls(unpack(rows[0] if rows else None, fields, times=(), nullable=fields[1:]))

        return kept(_KEPT_CELLS, store, case_id, version, load)

    def near_point(self, lat: float, lon: float, radius_m: float) -> list[str]:
        key = (lat, lon, radius_m)
        if key not in self._points:
            self._points[key] = sorted(k for k, (a, b) in self.loc.items() if haversine_m(lat, lon, a, b) <= radius_m)
        return list(self._points[key])

    def near_cell(self, cell: str, radius_m: float) -> tuple[str, ...]:
        """Cells within ``radius_m`` of ``cell``'s site, itself and other configurations of its CGI included.

        An unresolved cell (no location) only matches configurations of the same CGI; a resolved
        one matches by site distance (a reconfigured cell may have moved, so its CGI alone is not
        a place) plus any unresolved sighting of its CGI.
        """
        hit = self._cache.get((cell, radius_m))
        if hit is not None:
            return hit
        same_cgi = self._by_cgi.get(self.cgi.get(cell, ""), [])
        if cell in self.loc:
            lat, lon = self.loc[cell]
            same = set(self.near_point(lat, lon, radius_m)) | {k for k in same_cgi if k not in self.loc}
        else:
            same = set(same_cgi)
        same.add(cell)
        result = tuple(sorted(same))
        self._cache[(cell, radius_m)] = result
        return result

    def distance_m(self, a: str, b: str) -> float | None:
        key = (a, b)
        if key not in self._dist:
            self._dist[key] = self._distance(a, b)
        return self._dist[key]

    def _distance(self, a: str, b: str) -> float | None:
        if a == b:
            return 0.0
        if a in self.loc and b in self.loc:
            return haversine_m(*self.loc[a], *self.loc[b])
        if self.cgi.get(a) is not None and self.cgi.get(a) == self.cgi.get(b):
            return 0.0
        return None
