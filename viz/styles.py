"""How each kind of entity looks on a link chart: shape, colour and icon, kept as data.

Icons are small SVG pictograms as ``data:`` URIs, so a chart needs no icon font or image server
and works offline. Shapes differ as well as colours so a chart printed in black and white (or read
by a colour-blind analyst) still tells a handset from a SIM.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class NodeStyle:
    """The look of one kind of node."""

    kind: str
    label: str
    shape: str  # a vis-network shape used when icons are off
    colour: str
    border: str
    glyph: str  # SVG path data drawn white on the colour, in a 24x24 box

    def icon_uri(self) -> str:
        """A 48x48 SVG badge: the glyph on a disc of the kind's colour."""
        svg = (
            "<svg xmlns='http://www.w3.org/2000/svg' width='48' height='48' viewBox='0 0 48 48'>"
            f"<circle cx='24' cy='24' r='22' fill='{self.colour}' stroke='{self.border}' stroke-width='3'/>"
            f"<g transform='translate(12 12)' fill='white'><path d='{self.glyph}'/></g></svg>"
        )
        return "data:image/svg+xml;charset=utf-8," + quote(svg, safe="")

    def vis_group(self, *, icons: bool) -> dict[str, object]:
        """The vis-network ``groups`` entry for this kind."""
        colour = {"background": self.colour, "border": self.border, "highlight": {"background": "#ffd24d"}}
        if icons:
            return {"shape": "image", "image": self.icon_uri(), "size": 18, "color": colour}
        return {"shape": self.shape, "size": 14, "color": colour}


_PHONE = "M7 2h10a1 1 0 0 1 1 1v18a1 1 0 0 1-1 1H7a1 1 0 0 1-1-1V3a1 1 0 0 1 1-1zm1 3v12h8V5zm3 13v2h2v-2z"
_NUMBER = "M6 3h4l2 5-2.5 1.5a11 11 0 0 0 5 5L16 12l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 4 5a2 2 0 0 1 2-2z"
_SIM = "M6 2h8l5 5v14a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V3a1 1 0 0 1 1-1zm2 9v8h8v-8zm2 2h4v4h-4z"
_CELL = (
    "M11 2h2l5 20h-2.2l-1.1-4.5H9.3L8.2 22H6zm1 4.5L9.8 15.5h4.4z"
    "M4 4l1.4 1.4a9 9 0 0 0 0 8.2L4 15a11 11 0 0 1 0-11zm16 0a11 11 0 0 1 0 11l-1.4-1.4a9 9 0 0 0 0-8.2z"
)
_VEHICLE = (
    "M5 11l2-5h10l2 5h1a1 1 0 0 1 1 1v5h-2a2 2 0 0 1-4 0H9a2 2 0 0 1-4 0H3v-5a1 1 0 0 1 1-1zm3-3.5L6.8 11h10.4L16 7.5z"
)
_CAMERA = (
    "M3 7h4l2-3h6l2 3h4a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1z"
    "m9 3a4 4 0 1 0 0 8 4 4 0 0 0 0-8z"
)
_PERSON = "M12 3a4 4 0 1 1 0 8 4 4 0 0 1 0-8zm-8 18a8 8 0 0 1 16 0z"
_GROUP = "M4 4h6v6H4zm10 0h6v6h-6zM4 14h6v6H4zm10 0h6v6h-6z"

#: every kind a link chart can show; ``collapsed`` is the marker for folded supernode leaves
STYLES: dict[str, NodeStyle] = {
    s.kind: s
    for s in (
        NodeStyle("number", "Number", "dot", "#2f6fba", "#1b4577", _NUMBER),
        NodeStyle("handset", "Handset (IMEI)", "square", "#6a3d9a", "#44245f", _PHONE),
        NodeStyle("sim", "SIM (IMSI)", "diamond", "#1b9e77", "#0f604a", _SIM),
        NodeStyle("cell", "Cell", "triangle", "#d95f02", "#8a3c01", _CELL),
        NodeStyle("vehicle", "Vehicle (VRM)", "box", "#b8860b", "#6e5007", _VEHICLE),
        NodeStyle("camera", "ANPR camera", "triangleDown", "#666666", "#333333", _CAMERA),
        NodeStyle("person", "Person", "ellipse", "#8c564b", "#543430", _PERSON),
        NodeStyle("supernode", "Supernode (excluded)", "star", "#c0392b", "#7b241c", _GROUP),
        NodeStyle("collapsed", "Collapsed contacts", "hexagon", "#999999", "#555555", _GROUP),
    )
}

#: Number kinds (docs/model.md) that are supernodes by nature
SUPERNODE_NUMBER_KINDS = frozenset({"voicemail", "short_code"})


def style_for(kind: str) -> NodeStyle:
    """The style of ``kind``; unknown kinds look like numbers rather than failing a chart."""
    return STYLES.get(kind, STYLES["number"])


def vis_groups(*, icons: bool) -> dict[str, dict[str, object]]:
    return {kind: style.vis_group(icons=icons) for kind, style in STYLES.items()}


def legend() -> list[dict[str, str]]:
    """Legend entries for the page: kind, label, colour and icon."""
    return [{"kind": s.kind, "label": s.label, "colour": s.colour, "icon": s.icon_uri()} for s in STYLES.values()]
