"""Operator layout templates: YAML data, a strict loader, and header detection.

A template maps the header names of one layout to canonical fields and carries the rules needed
to read it (date order, time zone, number region, event-type vocabulary, cell-id encoding,
duration format, identifier normalisation). Built-in templates live in ``ingest/templates/*.yaml``;
a user supplies one with ``--template-file``. The loader is strict: an unknown key, a wrong type or
an unknown canonical field is refused with the offending YAML line. See ``docs/templates.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from csas_graph.errors import TemplateError

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

Kind = Literal["cdr", "cells", "anpr", "subscribers"]

_CELL_PARTS = ("cell", "cell_name", "cell_address", "cell_postcode", "cell_technology")
_CELL_GEO = ("easting", "northing", "azimuth", "lat", "lon")

#: canonical fields per kind: a template may map only these
FIELDS: dict[str, frozenset[str]] = {
    "cdr": frozenset(
        {
            "start",
            "start_date",
            "start_time",
            "end",
            "end_date",
            "end_time",
            "a_number",
            "b_number",
            "fwd_number",
            "event_type",
            "direction",
            "duration",
            "ring_time",
            "imsi",
            "imei",
            "mcc",
            "mnc",
            "lac",
            "ci",
            "enb_id",
            "sector",
            "charging_id",
            "partial_seq",
            "rat",
            "item",
            "apn",
            "bytes_up",
            "bytes_down",
            "roaming_network",
            "source_row",
        }
        | {f"{end}_{part}" for end in ("first", "last") for part in _CELL_PARTS + _CELL_GEO}
    ),
    "cells": frozenset(
        {
            "cgi",
            "mcc",
            "mnc",
            "lac",
            "ci",
            "enb_id",
            "sector",
            "lat",
            "lon",
            "easting",
            "northing",
            "grid_ref",
            "azimuth",
            "beamwidth",
            "technology",
            "site_name",
            "address",
            "postcode",
            "valid_from",
            "valid_to",
            "range_m",
            "samples",
            "changeable",
            "created",
            "updated",
        }
    ),
    "anpr": frozenset(
        {
            "read_id",
            "vrm",
            "t",
            "date",
            "time",
            "camera_id",
            "camera_name",
            "lat",
            "lon",
            "easting",
            "northing",
            "gps",
            "direction",
            "lane",
            "confidence",
            "make",
            "model",
            "colour",
        }
    ),
    "subscribers": frozenset({"number", "name", "address", "postcode", "date_of_birth", "notes"}),
}

#: each inner tuple is "one of these"; every tuple must be mapped for a file to be readable
DEFAULT_REQUIRED: dict[str, list[list[str]]] = {
    "cdr": [["a_number"], ["start", "start_date"]],
    "cells": [["cgi", "ci"], ["lat", "easting", "grid_ref"]],
    "anpr": [["vrm"], ["t", "date"], ["camera_id"]],
    "subscribers": [["number"], ["name"]],
}

EVENT_TYPES = ("voice", "sms", "mms", "video", "data", "other")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeRule(_Strict):
    """How times are written and what zone they are in."""

    #: IANA zone of the times, ``UTC`` or e.g. ``Europe/London``
    timezone: str = "UTC"
    #: if true, a header mentioning UTC/GMT or local/BST overrides ``timezone``
    timezone_from_header: bool = True
    #: zone meant by "(local)" in a header
    local_timezone: str = "Europe/London"
    #: date order used when a whole file is ambiguous (no day above 12 anywhere)
    date_order: Literal["dmy", "mdy", "ymd"] = "dmy"
    #: which instant the recorded cell refers to: the start (most CSPs) or the end (O2 data)
    time_basis: Literal["start", "end"] = "start"

    @field_validator("timezone", "local_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        if value.upper() == "UTC":
            return "UTC"
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class NumberRule(_Strict):
    #: ISO region for numbers written without a country code
    region: str = "GB"
    #: ``e164`` (phone numbers) or ``opaque`` (anonymised ids kept verbatim as OPAQUE:<id>)
    identifiers: Literal["e164", "opaque"] = "e164"


class CellRule(_Strict):
    #: ``cgi``: one column holds MCC-MNC-LAC-CI (or a MAC); ``components``: separate columns
    encoding: Literal["cgi", "components"] = "cgi"
    #: MCCs that are not roaming
    home_mcc: list[str] = Field(default_factory=lambda: ["234"])
    #: MNC length for concatenated (unseparated) CGIs
    mnc_digits: Literal[2, 3] = 2


class DurationRule(_Strict):
    format: Literal["auto", "seconds", "mmss", "hms"] = "auto"


class EventTypeEntry(_Strict):
    type: Literal["voice", "sms", "mms", "video", "data", "other"]
    direction: Literal["MO", "MT", "FWD"] | None = None
    #: the recipient is a voicemail box: b becomes VOICEMAIL:<e164>
    voicemail: bool = False


class Template(_Strict):
    """One layout. See ``docs/templates.md`` for every key."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    version: str
    kind: Kind
    description: str = ""
    #: XLSX: the worksheet to read (first sheet if absent)
    sheet: str | None = None
    #: canonical field -> header names, most preferred first (matched case- and space-insensitively)
    columns: dict[str, list[str]]
    #: groups of fields of which one must be mapped (default per kind)
    required: list[list[str]] | None = None
    time: TimeRule = TimeRule()
    numbers: NumberRule = NumberRule()
    cells: CellRule = CellRule()
    duration: DurationRule = DurationRule()
    #: raw event-type value (case-insensitive) -> type, or {type, direction, voicemail}
    event_types: dict[str, EventTypeEntry | Literal["voice", "sms", "mms", "video", "data", "other"]] = Field(
        default_factory=dict
    )
    #: event type when there is no event-type column, or its value is not in the vocabulary and
    #: no keyword (sms, mms, voice, data …) matches
    default_event_type: Literal["voice", "sms", "mms", "video", "data", "other"] = "voice"
    #: raw direction value (case-insensitive) -> MO/MT/FWD (added to the built-in vocabulary)
    directions: dict[str, Literal["MO", "MT", "FWD"]] = Field(default_factory=dict)
    #: ``calling_called``: a_number is the originator; ``target_other``: a_number is the target and is
    #: swapped with b_number on MT rows so both parties' records give the same originator
    parties: Literal["calling_called", "target_other"] = "calling_called"
    #: cells lists: where the locations come from
    location_source: Literal["operator", "opencellid", "sitefinder"] = "operator"
    #: breaks a detection tie between templates that fit a header equally well (higher wins)
    priority: int = 0
    #: cells/anpr with eastings and northings: their CRS
    crs: Literal["EPSG:27700", "EPSG:4326"] | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value  # type: ignore[no-any-return]

    @model_validator(mode="after")
    def _fields_known(self) -> Template:
        allowed = FIELDS[self.kind]
        for name, synonyms in self.columns.items():
            if name not in allowed:
                raise ValueError(f"unknown {self.kind} field {name!r} in columns (known: {', '.join(sorted(allowed))})")
            if not synonyms:
                raise ValueError(f"columns.{name} has no header names")
        for group in self.required_groups:
            for name in group:
                if name not in allowed:
                    raise ValueError(f"unknown {self.kind} field {name!r} in required")
        return self

    @property
    def required_groups(self) -> list[list[str]]:
        return self.required if self.required is not None else DEFAULT_REQUIRED[self.kind]

    def synonym_map(self) -> dict[str, str]:
        """Normalised header text -> canonical field."""
        out: dict[str, str] = {}
        for name, synonyms in self.columns.items():
            for synonym in synonyms:
                out.setdefault(norm_header(synonym), name)
        return out


@lru_cache(maxsize=65536)
def norm_header(text: str) -> str:
    """Header text compared case- and whitespace-insensitively (a BOM is ignored)."""
    return re.sub(r"\s+", " ", str(text).replace("\ufeff", "")).strip().lower()


# --- loading -------------------------------------------------------------------------------------


def _node_line(node: yaml.Node, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML node at pydantic location ``loc`` (deepest one found)."""
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(part):
                    node = value_node
                    line = key_node.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def parse_template(text: str, source: str) -> Template:
    """Validate YAML text as a template; errors name ``source`` and the YAML line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise TemplateError(
            f"{source}" + (f", line {line}" if line else "") + f": not valid YAML: {getattr(exc, 'problem', exc)}",
            file=source,
            line=line,
        ) from None
    if node is None or not isinstance(data, dict):
        raise TemplateError(f"{source}: a template must be a YAML mapping", file=source, line=1)
    try:
        return Template.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        # for model-level errors pydantic gives no location: look for the quoted field in the message
        line = _node_line(node, loc)
        msg = err["msg"]
        if not loc:
            m = re.search(r"field '([^']+)'", msg)
            if m:
                for i, raw_line in enumerate(text.splitlines(), 1):
                    if re.match(rf"\s*{re.escape(m.group(1))}\s*:", raw_line):
                        line = i
                        break
        where = ".".join(str(p) for p in loc) or "template"
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}"
        raise TemplateError(f"{source}, line {line}: {where}: {msg}", file=source, line=line, field=where) from None


def load_template_file(path: Path) -> Template:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{path}: cannot read template: {exc}", file=str(path)) from None
    return parse_template(text, str(path))


@lru_cache(maxsize=1)
def builtin_templates() -> dict[str, Template]:
    """Every built-in template by id (``ingest/templates/*.yaml``)."""
    out: dict[str, Template] = {}
    for path in sorted(TEMPLATE_DIR.glob("*.yaml")):
        template = load_template_file(path)
        if template.id in out:
            raise TemplateError(f"{path}: duplicate template id {template.id!r}", file=str(path))
        out[template.id] = template
    return out


def get_template(template_id: str) -> Template:
    templates = builtin_templates()
    if template_id not in templates:
        raise TemplateError(
            f"no built-in template {template_id!r} (known: {', '.join(sorted(templates))})", template=template_id
        )
    return templates[template_id]


# --- matching a header to a template ------------------------------------------------------------


@dataclass(frozen=True)
class HeaderMatch:
    """How well a header row fits a template."""

    template: Template
    #: canonical field -> column index in the header
    mapping: dict[str, int]
    #: share of the header's non-blank cells that the template recognises
    score: float
    #: required groups with no mapped field
    missing: list[str]

    @property
    def usable(self) -> bool:
        return not self.missing


_SYNONYMS: dict[int, tuple[Template, list[tuple[str, list[str]]], frozenset[str]]] = {}


def _normalised_synonyms(template: Template) -> tuple[list[tuple[str, list[str]]], frozenset[str]]:
    cached = _SYNONYMS.get(id(template))
    if cached is None or cached[0] is not template:
        fields = [(name, [norm_header(s) for s in names]) for name, names in template.columns.items()]
        cached = (template, fields, frozenset(s for _, names in fields for s in names))
        _SYNONYMS[id(template)] = cached
    return cached[1], cached[2]


def match_header(template: Template, header: list[str]) -> HeaderMatch:
    fields, all_synonyms = _normalised_synonyms(template)
    normalised = [norm_header(h) for h in header]
    position: dict[str, int] = {}
    for i, h in enumerate(normalised):
        position.setdefault(h, i)
    mapping: dict[str, int] = {}
    recognised: set[int] = set()
    for name, names in fields:
        for synonym in names:
            idx = position.get(synonym)
            if idx is not None and idx not in recognised:
                mapping[name] = idx
                recognised.add(idx)
                break
    # every other header cell that equals some synonym also counts as recognised (hidden duplicates)
    recognised |= {i for i, h in enumerate(normalised) if h in all_synonyms}
    nonblank = [i for i, h in enumerate(normalised) if h]
    score = len(recognised & set(nonblank)) / max(len(nonblank), 1)
    missing = [" or ".join(group) for group in template.required_groups if not any(f in mapping for f in group)]
    return HeaderMatch(template, mapping, score, missing)


def skeleton_yaml(header: list[str], kind: str = "cdr", best: Template | None = None) -> str:
    """A template skeleton for an unknown header: every column listed, to be mapped by the user."""
    known: dict[str, str] = {}
    for template in builtin_templates().values():
        if template.kind == kind:
            for norm, name in template.synonym_map().items():
                known.setdefault(norm, name)
    lines = [
        "# Suggested template: map each header to a canonical field (see docs/templates.md),",
        "# delete the lines you do not need, and check the time, numbers and cells rules.",
        "id: my_layout",
        "version: 1",
        f"kind: {kind}",
        "description: TODO describe the source of this layout",
        "columns:",
    ]
    unmapped = []
    for h in header:
        if not str(h).strip():
            continue
        field = known.get(norm_header(h))
        if field:
            lines.append(f"  {field}: [{_yaml_str(h)}]")
        else:
            unmapped.append(h)
    for h in unmapped:
        lines.append(f"  # TODO_field: [{_yaml_str(h)}]")
    rules = best or Template(id="x_skeleton", version="1", kind=kind, columns={})  # type: ignore[arg-type]
    lines += [
        "time:",
        f"  timezone: {rules.time.timezone}",
        f"  date_order: {rules.time.date_order}",
        "numbers:",
        f"  region: {rules.numbers.region}",
        f"  identifiers: {rules.numbers.identifiers}",
        "duration:",
        f"  format: {rules.duration.format}",
    ]
    return "\n".join(lines) + "\n"


def _yaml_str(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'
