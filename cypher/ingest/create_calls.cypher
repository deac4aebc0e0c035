// CREATE call events known to be new (checked by existing_calls in the same transaction). Each row is a
// list, not a map (half the bytes to send and unpack): [event_id, a_key, b_key, then the CALL_FIELDS of
// csas_graph/importer.py in order], times as epoch millis; null values are simply not stored. A
// concurrent import of the same event fails the (case_id, event_id) constraint and the batch is retried.
// params: case_id, rows
// returns: none
UNWIND $rows AS r
MATCH (a:Number {case_id: $case_id, key: r[1]})
MATCH (b:Number {case_id: $case_id, key: r[2]})
CREATE (a)-[:CALLED {
  case_id: $case_id, event_id: r[0], type: r[3], start: datetime({epochMillis: r[4]}),
  end: CASE WHEN r[5] IS NULL THEN null ELSE datetime({epochMillis: r[5]}) END,
  duration_s: r[6], direction: r[7], target: r[8], first_cell: r[9], last_cell: r[10], imei: r[11], imsi: r[12],
  start_raw: r[13], tz_source: r[14], time_basis: r[15], charging_id: r[16], flags: r[17], sources: r[18],
  src_sha256: r[19], src_row: r[20]
}]->(b)
