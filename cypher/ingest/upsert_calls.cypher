// Create each call, SMS or video event not yet in the case (CALLED, originator -> recipient); for an
// event already there, append the row's "<sha256>:<row>" to its sources (never twice) and return it.
// params: case_id, rows
// returns: row, event_id, existing_direction, existing_target
UNWIND $rows AS r
OPTIONAL MATCH ()-[e:CALLED {case_id: $case_id, event_id: r.event_id}]->()
CALL (r, e) {
  WITH r, e WHERE e IS NULL
  MATCH (a:Number {case_id: $case_id, key: r.a_key})
  MATCH (b:Number {case_id: $case_id, key: r.b_key})
  CREATE (a)-[c:CALLED]->(b)
  SET c += r.props, c.start = CASE WHEN r.props.start IS NULL THEN null ELSE datetime({epochMillis: r.props.start}) END, c.end = CASE WHEN r.props.end IS NULL THEN null ELSE datetime({epochMillis: r.props.end}) END
}
CALL (r, e) {
  WITH r, e WHERE e IS NOT NULL AND NOT r.source IN e.sources
  SET e.sources = e.sources + r.source
}
WITH r, e WHERE e IS NOT NULL
RETURN r.row AS row, r.event_id AS event_id, e.direction AS existing_direction, e.target AS existing_target
