// Every event (CALLED, SEEN_AT, READ_AT) of a case in a UTC time window, oldest first.
// params: case_id, since, until
// returns: rel, source, target, props
CALL () {
  MATCH (a:Number {case_id: $case_id})-[r:CALLED {case_id: $case_id}]->(b:Number)
  WHERE ($since IS NULL OR r.start >= $since) AND ($until IS NULL OR r.start < $until)
  RETURN 'CALLED' AS rel, 'Number:' + a.key AS source, 'Number:' + b.key AS target, r.start AS t, r {.*} AS props
  UNION ALL
  MATCH (a:Number {case_id: $case_id})-[r:SEEN_AT {case_id: $case_id}]->(c:Cell)
  WHERE ($since IS NULL OR r.t >= $since) AND ($until IS NULL OR r.t < $until)
  RETURN 'SEEN_AT' AS rel, 'Number:' + a.key AS source, 'Cell:' + c.key AS target, r.t AS t, r {.*} AS props
  UNION ALL
  MATCH (v:Vehicle {case_id: $case_id})-[r:READ_AT {case_id: $case_id}]->(k:Camera)
  WHERE ($since IS NULL OR r.t >= $since) AND ($until IS NULL OR r.t < $until)
  RETURN 'READ_AT' AS rel, 'Vehicle:' + v.vrm AS source, 'Camera:' + k.camera_id AS target, r.t AS t, r {.*} AS props
}
RETURN rel, source, target, props
ORDER BY t, props.event_id, rel, coalesce(props.role, '')
