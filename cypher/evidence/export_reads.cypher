// The ANPR reads (READ_AT) of a case in a UTC window; scalar columns, ISO time plus epoch ms.
// params: case_id, since, until
// returns: source, target, ms, event_id, t, direction, confidence, sources, src_sha256, src_row
MATCH (v:Vehicle {case_id: $case_id})-[r:READ_AT {case_id: $case_id}]->(k:Camera)
WHERE ($since IS NULL OR r.t >= $since) AND ($until IS NULL OR r.t < $until)
RETURN 'Vehicle:' + v.vrm AS source, 'Camera:' + k.camera_id AS target, r.t.epochMillis AS ms,
       r.event_id AS event_id, toString(r.t) AS t, r.direction AS direction, r.confidence AS confidence,
       r.sources AS sources, r.src_sha256 AS src_sha256, r.src_row AS src_row
