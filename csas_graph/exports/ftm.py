"""FollowTheMoney entities (line-delimited JSON) for Aleph-style tools.

FtM has no ``Phone`` schema; a phone number is a ``phone``-typed *value* that the FtM graph
reifies as a node. The mapping:

- a source file → ``Document`` (file name; its SHA-256 as ``keywords``, because FtM's
  ``contentHash`` is SHA-1), cited as ``proof``;
- a number → ``UserAccount`` (service "telephone number", ``username`` = the number as held,
  ``phone`` when FtM's phone type accepts it; fictional Ofcom drama ranges it refuses);
- a call or message → ``Call`` (an interval, not an edge) with caller/receiver numbers, times,
  duration, the event id as ``recordId``; ``caller``/``receiver`` only when the number is
  attributed to a person in the case;
- a person → ``Person``; an ANPR read → ``Event`` involving the ``Vehicle``;
- SIM/handset use is summarised on the account's ``description`` (FtM has no device schema).

Ids are deterministic (case + CSAS id), so re-exporting gives the same entity ids.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from followthemoney import model
from followthemoney.proxy import EntityProxy
from followthemoney.types import registry

from csas_graph.exports.data import CaseData

_CALL_TYPES = frozenset({"voice", "sms", "mms", "video", "other"})


def build_entities(data: CaseData) -> list[EntityProxy]:
    entities: list[EntityProxy] = []
    documents = {sha: _document(data.case_id, sha, f) for sha, f in data.sources.items()}
    entities += documents.values()
    people = {nid: _person(data.case_id, n) for nid, n in data.nodes.items() if n["label"] == "Person"}
    entities += people.values()
    holders = {
        link["source"]: people[link["target"]]
        for link in data.links
        if link["rel"] == "ATTRIBUTED_TO" and link["target"] in people
    }
    devices = _devices(data)
    for node_id, node in data.nodes.items():
        if node["label"] == "Number":
            entities.append(_account(data.case_id, node, holders.get(node_id), devices.get(node_id, [])))
    vehicles = {nid: _vehicle(data.case_id, n) for nid, n in data.nodes.items() if n["label"] == "Vehicle"}
    entities += vehicles.values()
    for event in data.events:
        if event["rel"] == "CALLED":
            entities.append(_call(data, event, holders, documents))
        elif event["rel"] == "READ_AT" and event["source"] in vehicles:
            entities.append(_anpr(data, event, vehicles[event["source"]], documents))
    return entities


def export_ftm(data: CaseData) -> tuple[bytes, int]:
    entities = build_entities(data)
    lines = [json.dumps(e.to_dict(), sort_keys=True, ensure_ascii=False) for e in entities]
    return ("\n".join(lines) + "\n").encode("utf-8"), len(entities)


def _make(schema: str, case_id: str, *key: str) -> EntityProxy:
    entity = model.make_entity(schema)
    entity.make_id("csas", case_id, schema, *key)
    return entity


def _document(case_id: str, sha: str, source: dict[str, Any]) -> EntityProxy:
    doc = _make("Document", case_id, sha)
    doc.add("fileName", source.get("file_name"))
    doc.add("title", source.get("file_name"))
    # FtM checksums are SHA-1; the file's SHA-256 is kept as a keyword (and in the summary)
    doc.add("keywords", sha)
    doc.add("generator", "CSAS-graph")
    doc.add("fileSize", source.get("size"))
    doc.add(
        "summary",
        f"source file of kind {source.get('kind')}; template {source.get('template_id')} "
        f"v{source.get('template_version')}; SHA-256 {sha}",
    )
    return doc


def _person(case_id: str, node: dict[str, Any]) -> EntityProxy:
    person = _make("Person", case_id, node["key"])
    person.add("name", node.get("name") or node["key"])
    person.add("address", node.get("address"))
    return person


def _phone(number: str) -> str | None:
    return registry.phone.clean(number) if number.startswith("+") else None


def _account(case_id: str, node: dict[str, Any], holder: EntityProxy | None, devices: list[str]) -> EntityProxy:
    account = _make("UserAccount", case_id, node["key"])
    account.add("username", node["key"])
    account.add("service", "telephone number")
    account.add("phone", _phone(node["key"]), cleaned=True)
    if holder is not None:
        account.add("owner", holder)
    notes = [f"kind {node.get('kind')}"] + devices
    account.add("description", "; ".join(notes))
    return account


def _devices(data: CaseData) -> dict[str, list[str]]:
    used: dict[str, list[str]] = defaultdict(list)
    for link in data.links:
        if link["rel"] in {"USED_SIM", "USED_HANDSET"}:
            what = "SIM (IMSI)" if link["rel"] == "USED_SIM" else "handset (IMEI)"
            used[link["source"]].append(
                f"used {what} {link['target'].split(':', 1)[1]} "
                f"from {link.get('first_seen')} to {link.get('last_seen')}"
            )
    return used


def _vehicle(case_id: str, node: dict[str, Any]) -> EntityProxy:
    vehicle = _make("Vehicle", case_id, node["key"])
    vehicle.add("registrationNumber", node["key"])
    vehicle.add("name", node["key"])
    return vehicle


def _call(
    data: CaseData, event: dict[str, Any], holders: dict[str, EntityProxy], documents: dict[str, EntityProxy]
) -> EntityProxy:
    call = _make("Call", data.case_id, event["event_id"])
    caller, receiver = event["source"].split(":", 1)[1], event["target"].split(":", 1)[1]
    call.add("callerNumber", _phone(caller), cleaned=True)
    call.add("receiverNumber", _phone(receiver), cleaned=True)
    if event["source"] in holders:
        call.add("caller", holders[event["source"]])
    if event["target"] in holders:
        call.add("receiver", holders[event["target"]])
    call.add("date", _day(event.get("start")))
    call.add("startDate", event.get("start"))
    call.add("endDate", event.get("end"))
    call.add("duration", event.get("duration_s"))
    call.add("recordId", event["event_id"])
    kind = event.get("type") if event.get("type") in _CALL_TYPES else "other"
    call.add(
        "summary",
        f"{kind} {caller} → {receiver} at {event.get('start')} UTC "
        f"({event.get('direction') or 'direction not recorded'}); "
        f"cells {event.get('first_cell') or '-'} / {event.get('last_cell') or '-'}; "
        f"sources {'; '.join(event.get('sources') or [])}",
    )
    _proof(call, event, documents)
    return call


def _anpr(
    data: CaseData, event: dict[str, Any], vehicle: EntityProxy, documents: dict[str, EntityProxy]
) -> EntityProxy:
    read = _make("Event", data.case_id, event["event_id"])
    camera = data.nodes.get(event["target"], {})
    read.add("name", f"ANPR read of {vehicle.first('registrationNumber')}")
    read.add("involved", vehicle)
    read.add("date", event.get("t"))
    read.add("location", str(camera.get("name") or event["target"].split(":", 1)[1]))
    read.add("recordId", event["event_id"])
    read.add("summary", f"camera {event['target'].split(':', 1)[1]}; direction {event.get('direction')}")
    _proof(read, event, documents)
    return read


def _proof(entity: EntityProxy, event: dict[str, Any], documents: dict[str, EntityProxy]) -> None:
    for source in event.get("sources") or []:
        doc = documents.get(source.split(":", 1)[0])
        if doc is not None:
            entity.add("proof", doc)


def _day(value: Any) -> str | None:
    return str(value)[:10] if value else None
