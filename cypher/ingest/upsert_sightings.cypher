// Create each sighting (SEEN_AT: a party's number at a cell, role first or last) not yet in the case;
// for one already there (same event, role and party), append the row's source and return it.
// params: case_id, rows
// returns: row, event_id, role
UNWIND $rows AS r
OPTIONAL MATCH ()-[e:SEEN_AT {case_id: $case_id, event_id: r.event_id, role: r.role, party: r.party}]->()
CALL (r, e) {
  WITH r, e WHERE e IS NULL
  MATCH (n:Number {case_id: $case_id, key: r.party})
  MATCH (c:Cell {case_id: $case_id, key: r.cell})
  CREATE (n)-[s:SEEN_AT]->(c)
  SET s += r.props, s.t = CASE WHEN r.props.t IS NULL THEN null ELSE datetime({epochMillis: r.props.t}) END, s.end = CASE WHEN r.props.end IS NULL THEN null ELSE datetime({epochMillis: r.props.end}) END
}
CALL (r, e) {
  WITH r, e WHERE e IS NOT NULL AND NOT r.source IN e.sources
  SET e.sources = e.sources + r.source
}
WITH r, e WHERE e IS NOT NULL
RETURN r.row AS row, r.event_id AS event_id, r.role AS role
