// The calls and messages (CALLED) of a case in a UTC window. Only scalar columns, times as ISO
// strings plus epoch milliseconds for ordering: decoding driver temporals and nulls is slow.
// params: case_id, since, until
// returns: source, target, ms, event_id, start, end, duration_s, type, direction, first_cell, last_cell, imei, imsi, target_recorded, sources, src_sha256, src_row
MATCH (a:Number {case_id: $case_id})-[r:CALLED {case_id: $case_id}]->(b:Number)
WHERE ($since IS NULL OR r.start >= $since) AND ($until IS NULL OR r.start < $until)
RETURN 'Number:' + a.key AS source, 'Number:' + b.key AS target, r.start.epochMillis AS ms, r.event_id AS event_id,
       toString(r.start) AS start, toString(r.end) AS end, r.duration_s AS duration_s, r.type AS type,
       r.direction AS direction, r.first_cell AS first_cell, r.last_cell AS last_cell, r.imei AS imei,
       r.imsi AS imsi, r.target AS target_recorded, r.sources AS sources, r.src_sha256 AS src_sha256,
       r.src_row AS src_row
