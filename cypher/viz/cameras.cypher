// Every located ANPR camera of a case, for the map.
// params: case_id
// returns: camera_id, lat, lon, name, direction
MATCH (k:Camera {case_id: $case_id})
WHERE k.location IS NOT NULL
RETURN k.camera_id AS camera_id, k.location.latitude AS lat, k.location.longitude AS lon, k.name AS name,
       k.direction AS direction
ORDER BY camera_id
