// The cell sightings (SEEN_AT) of a case in a UTC window; scalar columns, ISO time plus epoch ms.
// params: case_id, since, until
// returns: source, target, ms, event_id, t, type, role, party, time_basis, imei, sources, src_sha256, src_row
MATCH (a:Number {case_id: $case_id})-[r:SEEN_AT {case_id: $case_id}]->(c:Cell)
WHERE ($since IS NULL OR r.t >= $since) AND ($until IS NULL OR r.t < $until)
RETURN 'Number:' + a.key AS source, 'Cell:' + c.key AS target, r.t.epochMillis AS ms, r.event_id AS event_id,
       toString(r.t) AS t, r.type AS type, r.role AS role, r.party AS party, r.time_basis AS time_basis,
       r.imei AS imei, r.sources AS sources, r.src_sha256 AS src_sha256, r.src_row AS src_row
