// ANPR reads of one vehicle in [since, until], as parallel lists in time order.
// params: case_id, vrm, since, until
// returns: event_id, t, camera
MATCH (v:Vehicle {case_id: $case_id, vrm: $vrm})-[r:READ_AT]->(k:Camera)
WHERE r.t >= $since AND r.t <= $until
WITH r, k ORDER BY r.t, r.event_id
RETURN collect(r.event_id) AS event_id, collect(r.t.epochMillis) AS t, collect(k.camera_id) AS camera
