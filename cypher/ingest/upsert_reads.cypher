// Create each ANPR read (READ_AT: vehicle -> camera) not yet in the case; for one already there,
// append the row's source and return it.
// params: case_id, rows
// returns: row, event_id
UNWIND $rows AS r
OPTIONAL MATCH ()-[e:READ_AT {case_id: $case_id, event_id: r.event_id}]->()
CALL (r, e) {
  WITH r, e WHERE e IS NULL
  MATCH (v:Vehicle {case_id: $case_id, vrm: r.vrm})
  MATCH (k:Camera {case_id: $case_id, camera_id: r.camera_id})
  CREATE (v)-[x:READ_AT]->(k)
  SET x += r.props, x.t = CASE WHEN r.props.t IS NULL THEN null ELSE datetime({epochMillis: r.props.t}) END
}
CALL (r, e) {
  WITH r, e WHERE e IS NOT NULL AND NOT r.source IN e.sources
  SET e.sources = e.sources + r.source
}
WITH r, e WHERE e IS NOT NULL
RETURN r.row AS row, r.event_id AS event_id
