// ANPR reads of one vehicle in [since, until] with the camera's location.
// params: case_id, vrm, since, until
// returns: event_id, t, camera, lat, lon
MATCH (v:Vehicle {case_id: $case_id, vrm: $vrm})-[r:READ_AT]->(k:Camera)
WHERE r.t >= $since AND r.t <= $until
RETURN r.event_id AS event_id, r.t AS t, k.camera_id AS camera, k.location.latitude AS lat,
       k.location.longitude AS lon
ORDER BY t, event_id
