// CREATE sightings known to be new, or expected to be (a sighting already in the case fails the
// (case_id, event_id, role, party) constraint and the transaction is run again with existing_sightings).
// Each row is a list: [event_id, role, party, cell, then the SIGHTING_FIELDS of csas_graph/importer.py
// in order], times as epoch millis; null values are not stored.
// params: case_id, rows
// returns: none
UNWIND $rows AS r
MATCH (n:Number {case_id: $case_id, key: r[2]})
MATCH (c:Cell {case_id: $case_id, key: r[3]})
CREATE (n)-[:SEEN_AT {
  case_id: $case_id, event_id: r[0], role: r[1], party: r[2], t: datetime({epochMillis: r[4]}),
  end: CASE WHEN r[5] IS NULL THEN null ELSE datetime({epochMillis: r[5]}) END,
  duration_s: r[6], type: r[7], imei: r[8], time_basis: r[9],
  flags: r[10], sources: r[11], src_sha256: r[12], src_row: r[13]
}]->(c)
