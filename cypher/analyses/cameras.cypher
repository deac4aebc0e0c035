// Every camera of a case with its location.
// params: case_id
// returns: camera, lat, lon
MATCH (k:Camera {case_id: $case_id})
RETURN k.camera_id AS camera, k.location.latitude AS lat, k.location.longitude AS lon
ORDER BY camera
