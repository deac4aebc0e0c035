"""Timelines (one swimlane per number) and the 7×24 hour-of-week heat map, as plain SVG.

The SVG is built here, in Python, so a test can count what is drawn without a browser and the same
picture goes into the page, the standalone download and the PNG. Every mark carries a ``<title>``
(the tooltip) and ``data-`` attributes for its lane and time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from viz import assets
from viz.values import first_present, iso, to_int

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TYPE_COLOURS = {
    "voice": "#2f6fba",
    "sms": "#1b9e77",
    "mms": "#66a61e",
    "video": "#7570b3",
    "data": "#d95f02",
    "other": "#777777",
}
TIMELINE_CAPTIONS = ("Each mark is one recorded event or sighting; a phone used the cell at or before the time shown.",)
LANE_H, LEFT, RIGHT, TOP, AXIS_H = 34, 150, 50, 16, 40


def events_from_rows(rows: Iterable[Mapping[str, Any]], *, default_lane: str | None = None) -> list[dict[str, Any]]:
    """Timeline rows (sightings or calls) to ``{lane, t, type, detail}``, sorted by lane then time."""
    events = []
    for row in rows:
        t = iso(first_present(row, "t", "time", "start", "timestamp"))
        lane = first_present(row, "number", "lane", "key", "msisdn", "a") or default_lane
        if t is None or lane is None:
            continue
        parts = [
            f"{k}: {row[k]}"
            for k in ("type", "role", "cell", "cell_key", "other", "b", "duration_s", "event_id")
            if row.get(k) not in (None, "")
        ]
        events.append({"lane": str(lane), "t": t, "type": str(row.get("type") or "other"), "detail": "\n".join(parts)})
    events.sort(key=lambda e: (e["lane"], e["t"]))
    return events


def _parse(t: str) -> datetime:
    value = datetime.fromisoformat(t.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def swimlanes_svg(events: Sequence[Mapping[str, Any]], *, width: int = 1000, timezone: str = "UTC") -> str:
    """One lane per number, events as dots on a shared time axis labelled in ``timezone``."""
    lanes = sorted({e["lane"] for e in events})
    height = TOP + LANE_H * max(len(lanes), 1) + AXIS_H
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="csas-timeline" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    if not events:
        parts.append(f'<text x="{LEFT}" y="{TOP + 20}">No events in this window</text></svg>')
        return "".join(parts)
    times = [_parse(e["t"]) for e in events]
    start, end = min(times), max(times)
    span = max((end - start).total_seconds(), 60.0)
    plot_w = width - LEFT - RIGHT

    def x_of(t: datetime) -> float:
        return round(LEFT + plot_w * (t - start).total_seconds() / span, 2)

    for i, lane in enumerate(lanes):
        y = TOP + LANE_H * i
        count = sum(1 for e in events if e["lane"] == lane)
        fill = "#f4f6f8" if i % 2 == 0 else "#ffffff"
        parts.append(f'<rect x="0" y="{y}" width="{width}" height="{LANE_H}" fill="{fill}"/>')
        parts.append(
            f'<text x="6" y="{y + LANE_H / 2 + 4}" class="csas-lane-label" data-lane="{escape(lane)}" '
            f'data-count="{count}">{escape(lane)} ({count})</text>'
        )
    parts.extend(_time_axis(start, end, x_of, TOP + LANE_H * len(lanes), timezone))
    lane_index = {lane: i for i, lane in enumerate(lanes)}
    for event, t in zip(events, times, strict=True):
        cy = TOP + LANE_H * lane_index[event["lane"]] + LANE_H / 2
        colour = TYPE_COLOURS.get(event["type"], TYPE_COLOURS["other"])
        tip = f"{event['lane']}\n{_local(t, timezone)}\n{event['detail']}".strip()
        parts.append(
            f'<circle class="csas-event" cx="{x_of(t)}" cy="{cy}" r="4" fill="{colour}" fill-opacity="0.75" '
            f'data-lane="{escape(event["lane"])}" data-t="{escape(event["t"])}"><title>{escape(tip)}</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _local(t: datetime, timezone: str) -> str:
    return t.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S %Z")


def _time_axis(start: datetime, end: datetime, x_of: Any, y: float, timezone: str) -> list[str]:
    parts = [f'<line x1="{LEFT}" y1="{y}" x2="{x_of(end)}" y2="{y}" stroke="#333"/>']
    ticks = 6
    step = (end - start) / ticks if end > start else timedelta(0)
    for i in range(ticks + 1 if step else 1):
        t = start + step * i
        x = x_of(t)
        label = t.astimezone(ZoneInfo(timezone)).strftime("%d %b %H:%M")
        parts.append(f'<line x1="{x}" y1="{y}" x2="{x}" y2="{y + 5}" stroke="#333"/>')
        parts.append(f'<text x="{x}" y="{y + 18}" text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<text x="{LEFT}" y="{y + 34}" fill="#555">Times in {escape(timezone)}</text>')
    return parts


def build_timeline(
    events: Sequence[Mapping[str, Any]],
    *,
    timezone: str = "UTC",
    title: str = "Timeline",
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    lanes: dict[str, int] = {}
    for event in events:
        lanes[event["lane"]] = lanes.get(event["lane"], 0) + 1
    return {
        "kind": "timeline",
        "title": title,
        "captions": list(TIMELINE_CAPTIONS),
        "timezone": timezone,
        "lanes": [{"lane": lane, "events": n} for lane, n in sorted(lanes.items())],
        "event_count": len(events),
        "svg": swimlanes_svg(events, timezone=timezone),
        "meta": dict(meta or {}),
    }


# --- 7×24 hour-of-week heat map -----------------------------------------------------------------


def matrix_from_extra(extra: Mapping[str, Any], number: str | None = None) -> list[list[int]] | None:
    """Find the 7×24 matrix in a top-contacts result's ``extra`` (Monday first, hour 0 first).

    Accepts the matrix directly under a known key, or a mapping number → matrix, or a list of
    ``{number, matrix}``; returns None when no 7×24 matrix is there.
    """
    for key in ("hour_of_week", "matrix", "heatmap", "activity", "matrix_7x24", "hour_of_week_matrix"):
        found = _as_matrix(extra.get(key), number)
        if found is not None:
            return found
    for value in extra.values():
        found = _as_matrix(value, number)
        if found is not None:
            return found
    return None


def _as_matrix(value: Any, number: str | None) -> list[list[int]] | None:
    if _is_7x24(value):
        return [[to_int(v) or 0 for v in row] for row in value]
    if isinstance(value, Mapping):
        if number is not None and _is_7x24(value.get(number)):
            return _as_matrix(value[number], None)
        matrix = first_present(value, "matrix", "hour_of_week", "counts")
        if _is_7x24(matrix):
            return _as_matrix(matrix, None)
    if isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping) and (number is None or item.get("number") == number):
                found = _as_matrix(item, None)
                if found is not None:
                    return found
    return None


def _is_7x24(value: Any) -> bool:
    return (
        isinstance(value, list) and len(value) == 7 and all(isinstance(row, list) and len(row) == 24 for row in value)
    )


def heatmap_svg(matrix: Sequence[Sequence[int]], *, timezone: str = "UTC", cell: int = 28) -> str:
    """Days down, hours across; darker is busier; every square has its count as a tooltip."""
    left, top = 44, 24
    width, height = left + 24 * cell + 10, top + 7 * cell + 40
    peak = max((max(row) for row in matrix), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="csas-heatmap" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for hour in range(24):
        parts.append(f'<text x="{left + hour * cell + cell / 2}" y="{top - 8}" text-anchor="middle">{hour:02d}</text>')
    for day, row in enumerate(matrix):
        y = top + day * cell
        parts.append(f'<text x="6" y="{y + cell / 2 + 4}">{DAYS[day]}</text>')
        for hour, count in enumerate(row):
            shade = _shade(count / peak)
            tip = f"{DAYS[day]} {hour:02d}:00–{hour:02d}:59: {count} events"
            parts.append(
                f'<rect class="csas-hour" x="{left + hour * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}" '
                f'fill="{shade}" stroke="#e3e7eb" data-day="{day}" data-hour="{hour}" data-count="{count}">'
                f"<title>{tip}</title></rect>"
            )
    total = sum(sum(row) for row in matrix)
    parts.append(
        f'<text x="{left}" y="{top + 7 * cell + 22}" fill="#555">Hour of week in {escape(timezone)}; '
        f"{total} events; darkest = {peak if peak > 1 or total else 0}</text></svg>"
    )
    return "".join(parts)


def _shade(fraction: float) -> str:
    """White to dark blue."""
    fraction = max(0.0, min(1.0, fraction))
    if fraction == 0:
        return "#f7f9fb"
    low, high = (222, 235, 247), (8, 48, 107)
    rgb = [round(a + (b - a) * fraction) for a, b in zip(low, high, strict=True)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def build_heatmap(
    matrix: Sequence[Sequence[int]],
    *,
    timezone: str,
    title: str = "Hour-of-week activity",
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "kind": "heatmap",
        "title": title,
        "captions": [f"Events per hour of the week, in {timezone} (the case's local time)."],
        "timezone": timezone,
        "matrix": [list(row) for row in matrix],
        "total": sum(sum(row) for row in matrix),
        "svg": heatmap_svg(matrix, timezone=timezone),
        "meta": dict(meta or {}),
    }


def render_html(payload: Mapping[str, Any]) -> str:
    """A standalone page for a timeline or heat map payload (the SVG plus the PNG button)."""
    return assets.render_page(
        "standalone.html",
        title=str(payload.get("title", "Timeline")),
        payload=payload,
        styles=["css/charts.css"],
        scripts=["js/charts.js"],
    )
