// CREATE sightings known to be new (checked by existing_sightings), with a literal property map.
// A concurrent import of the same sighting fails the constraint; the batch then goes through
// upsert_sightings.
// params: case_id, rows
// returns: none
UNWIND $rows AS r
MATCH (n:Number {case_id: $case_id, key: r.party})
MATCH (c:Cell {case_id: $case_id, key: r.cell})
CREATE (n)-[:SEEN_AT {
  case_id: $case_id, event_id: r.event_id, role: r.role, party: r.party, t: datetime({epochMillis: r.props.t}),
  end: CASE WHEN r.props.end IS NULL THEN null ELSE datetime({epochMillis: r.props.end}) END,
  duration_s: r.props.duration_s, type: r.props.type, imei: r.props.imei, time_basis: r.props.time_basis,
  flags: r.props.flags, sources: r.props.sources, src_sha256: r.props.src_sha256, src_row: r.props.src_row
}]->(c)
