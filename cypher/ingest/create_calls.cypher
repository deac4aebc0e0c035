// CREATE call events known to be new (checked by existing_calls in the same import), with a literal
// property map (null values are simply not stored). A concurrent import of the same event fails the
// (case_id, event_id) constraint and the batch is retried through upsert_calls.
// params: case_id, rows
// returns: none
UNWIND $rows AS r
MATCH (a:Number {case_id: $case_id, key: r.a_key})
MATCH (b:Number {case_id: $case_id, key: r.b_key})
CREATE (a)-[:CALLED {
  case_id: $case_id, event_id: r.event_id, type: r.props.type, start: datetime({epochMillis: r.props.start}),
  end: CASE WHEN r.props.end IS NULL THEN null ELSE datetime({epochMillis: r.props.end}) END,
  duration_s: r.props.duration_s, direction: r.props.direction, target: r.props.target,
  first_cell: r.props.first_cell, last_cell: r.props.last_cell, imei: r.props.imei, imsi: r.props.imsi,
  start_raw: r.props.start_raw, tz_source: r.props.tz_source, time_basis: r.props.time_basis,
  charging_id: r.props.charging_id, flags: r.props.flags, sources: r.props.sources,
  src_sha256: r.props.src_sha256, src_row: r.props.src_row
}]->(b)
