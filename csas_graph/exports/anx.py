"""i2 Analyst's Notebook chart XML (``.anx``).

The structure follows the published ANX import format::

    <Chart Rigorous="false" IdReferenceLinking="false">
      <StrengthCollection><Strength Id= Name= DotStyle=/>…</StrengthCollection>
      <AttributeClassCollection><AttributeClass Id= Name= Type=/>…</AttributeClassCollection>
      <EntityTypeCollection><EntityType Id= Name= IconFile= PreferredRepresentation=/>…</EntityTypeCollection>
      <LinkTypeCollection><LinkType Id= Name= Colour=/>…</LinkTypeCollection>
      <ChartItemCollection>
        <ChartItem Label= Description=><End><Entity EntityId= Identity=>
            <Icon><IconStyle Type=/></Icon></Entity></End>
          <AttributeCollection><Attribute AttributeClassReference= Value=/></AttributeCollection></ChartItem>
        <ChartItem Label= DateSet= TimeSet= DateTime=><Link End1Id= End2Id=>
            <LinkStyle Type= Strength= ArrowStyle= LineWidth=/></Link>…</ChartItem>
      </ChartItemCollection>
      <Summary>…</Summary>
    </Chart>

Entities are the case's numbers, handsets, SIMs, cells, vehicles, cameras and people; every
event is one dated link (UTC, stated in the chart summary), carrying its event id and source
file SHA-256 and row as attributes, so a chart item traces back to its evidence.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from csas_graph.exports.data import CaseData, display_label

#: CSAS label → (i2 entity type name, i2 standard icon file)
ENTITY_TYPES: dict[str, tuple[str, str]] = {
    "Number": ("Telephone Number", "Phone"),
    "Handset": ("Mobile Handset", "Mobile Phone"),
    "SIM": ("SIM Card", "SIM Card"),
    "Cell": ("Cell Site", "Mast"),
    "Vehicle": ("Vehicle", "Car"),
    "Camera": ("ANPR Camera", "Camera"),
    "Person": ("Person", "Person"),
}
#: CSAS relationship (and call type) → (i2 link type name, BGR colour, arrow)
LINK_TYPES: dict[str, tuple[str, int, str]] = {
    "CALLED": ("Call", 0, "ArrowOnHead"),
    "CALLED:sms": ("SMS", 8388608, "ArrowOnHead"),
    "CALLED:mms": ("MMS", 8388608, "ArrowOnHead"),
    "CALLED:data": ("Data", 8421504, "ArrowOnHead"),
    "SEEN_AT": ("Cell Site Use", 42495, "ArrowOnHead"),
    "READ_AT": ("ANPR Read", 32768, "ArrowOnHead"),
    "USED_SIM": ("Used SIM", 8421376, "ArrowNone"),
    "IN_HANDSET": ("SIM in Handset", 8421376, "ArrowNone"),
    "USED_HANDSET": ("Used Handset", 8421376, "ArrowNone"),
    "ATTRIBUTED_TO": ("Attributed To", 255, "ArrowNone"),
}
ATTRIBUTES = (
    ("event_id", "Event ID", "AttText"),
    ("type", "Event Type", "AttText"),
    ("duration_s", "Duration (s)", "AttNumber"),
    ("direction", "Direction", "AttText"),
    ("role", "Cell Role", "AttText"),
    ("time_basis", "Time Basis", "AttText"),
    ("imei", "IMEI", "AttText"),
    ("imsi", "IMSI", "AttText"),
    ("src_sha256", "Source SHA-256", "AttText"),
    ("src_row", "Source Row", "AttNumber"),
    ("sources", "All Sources", "AttText"),
    ("kind", "Kind", "AttText"),
    ("cgi", "CGI", "AttText"),
    ("azimuth", "Azimuth", "AttNumber"),
    ("beamwidth", "Beamwidth", "AttNumber"),
    ("valid_from", "Valid From", "AttText"),
    ("valid_to", "Valid To", "AttText"),
)
_ATTR_IDS = {key: f"AC{i + 1}" for i, (key, _, _) in enumerate(ATTRIBUTES)}


def export_anx(data: CaseData) -> tuple[bytes, int]:
    chart = ET.Element("Chart", {"Rigorous": "false", "IdReferenceLinking": "false"})
    _collections(chart)
    items = ET.SubElement(chart, "ChartItemCollection")
    entity_ids = {node_id: f"E{i + 1}" for i, node_id in enumerate(data.nodes)}
    for node_id, node in data.nodes.items():
        _entity(items, entity_ids[node_id], node)
    links = 0
    for edge in data.edges:
        if edge["source"] in entity_ids and edge["target"] in entity_ids:
            _link(items, entity_ids[edge["source"]], entity_ids[edge["target"]], edge)
            links += 1
    _summary(chart, data)
    ET.indent(chart)
    body = ET.tostring(chart, encoding="utf-8", xml_declaration=True)
    return body, len(data.nodes) + links


def _collections(chart: ET.Element) -> None:
    strengths = ET.SubElement(chart, "StrengthCollection")
    ET.SubElement(strengths, "Strength", {"Id": "STR1", "Name": "Confirmed", "DotStyle": "DotStyleSolid"})
    ET.SubElement(strengths, "Strength", {"Id": "STR2", "Name": "Tentative", "DotStyle": "DotStyleDotted"})
    classes = ET.SubElement(chart, "AttributeClassCollection")
    for key, name, kind in ATTRIBUTES:
        ET.SubElement(classes, "AttributeClass", {"Id": _ATTR_IDS[key], "Name": name, "Type": kind, "Visible": "false"})
    entity_types = ET.SubElement(chart, "EntityTypeCollection")
    for i, (name, icon) in enumerate(ENTITY_TYPES.values()):
        ET.SubElement(
            entity_types,
            "EntityType",
            {"Id": f"ET{i + 1}", "Name": name, "IconFile": icon, "PreferredRepresentation": "RepresentAsIcon"},
        )
    link_types = ET.SubElement(chart, "LinkTypeCollection")
    for i, (name, colour, _) in enumerate(LINK_TYPES.values()):
        ET.SubElement(link_types, "LinkType", {"Id": f"LT{i + 1}", "Name": name, "Colour": str(colour)})


def _entity(items: ET.Element, entity_id: str, node: dict[str, Any]) -> None:
    type_name = ENTITY_TYPES[node["label"]][0]
    item = ET.SubElement(
        items, "ChartItem", {"Label": display_label(node), "Description": f"{node['label']} {node['key']}"}
    )
    end = ET.SubElement(item, "End")
    entity = ET.SubElement(end, "Entity", {"EntityId": entity_id, "Identity": node["id"]})
    icon = ET.SubElement(entity, "Icon")
    ET.SubElement(icon, "IconStyle", {"Type": type_name})
    _attributes(item, node)


def _link(items: ET.Element, end1: str, end2: str, edge: dict[str, Any]) -> None:
    kind = f"{edge['rel']}:{edge.get('type')}"
    name, _, arrow = LINK_TYPES.get(kind) or LINK_TYPES[edge["rel"]]
    when = edge.get("start") or edge.get("t")
    attrs = {"Label": _link_label(edge, name), "Description": _description(edge)}
    if when:
        attrs.update({"DateSet": "true", "TimeSet": "true", "DateTime": _anx_datetime(when)})
    item = ET.SubElement(items, "ChartItem", attrs)
    link = ET.SubElement(item, "Link", {"End1Id": end1, "End2Id": end2})
    ET.SubElement(link, "LinkStyle", {"Type": name, "Strength": "Confirmed", "ArrowStyle": arrow, "LineWidth": "1"})
    _attributes(item, edge)


def _attributes(item: ET.Element, values: dict[str, Any]) -> None:
    present = [(key, values[key]) for key, _, _ in ATTRIBUTES if values.get(key) is not None]
    if not present:
        return
    collection = ET.SubElement(item, "AttributeCollection")
    for key, value in present:
        text = ";".join(str(v) for v in value) if isinstance(value, list) else str(value)
        ET.SubElement(collection, "Attribute", {"AttributeClassReference": _ATTR_IDS[key], "Value": text})


def _link_label(edge: dict[str, Any], name: str) -> str:
    if edge["rel"] == "CALLED" and edge.get("duration_s") is not None:
        return f"{name} {edge['duration_s']}s"
    if edge["rel"] == "SEEN_AT":
        return f"{name} ({edge.get('role', '')}, at or before)"
    return name


def _description(edge: dict[str, Any]) -> str:
    when = edge.get("start") or edge.get("t") or ""
    source = f"{edge.get('src_sha256', '')}:{edge.get('src_row', '')}"
    return f"{edge['rel']} {edge.get('event_id', '')} {when} UTC; source {source}"


def _anx_datetime(value: str) -> str:
    # ANX wants 'YYYY-MM-DDTHH:MM:SS' (no zone, no fraction); the chart summary says times are UTC
    text = str(value).replace("Z", "+00:00")
    return text[:19]


def _summary(chart: ET.Element, data: CaseData) -> None:
    summary = ET.SubElement(chart, "Summary")
    fields = ET.SubElement(summary, "FieldCollection")
    ET.SubElement(fields, "Field", {"Type": "SummaryFieldTitle", "Field": f"CSAS-graph case {data.case_id}"})
    ET.SubElement(
        fields,
        "Field",
        {
            "Type": "SummaryFieldComments",
            "Field": "All dates and times are UTC. A phone used a cell at or before the time shown; "
            "cell sites are not coverage. Each item carries its source file SHA-256 and row.",
        },
    )
