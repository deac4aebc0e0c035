// A vehicle's ANPR reads in [since, until] with the camera's location, in time order, for the map.
// params: case_id, vrm, since, until
// returns: event_id, t, camera_id, lat, lon
MATCH (v:Vehicle {case_id: $case_id, vrm: $vrm})-[r:READ_AT]->(k:Camera)
WHERE r.t >= $since AND r.t <= $until
RETURN r.event_id AS event_id, toString(r.t) AS t, k.camera_id AS camera_id,
       k.location.latitude AS lat, k.location.longitude AS lon
ORDER BY r.t, r.event_id
