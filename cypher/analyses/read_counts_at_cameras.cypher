// How many reads each given vehicle has at any of the given cameras in [since, until] (exposure).
// params: case_id, vrms, cameras, since, until
// returns: vrm, reads
UNWIND $vrms AS vrm
MATCH (v:Vehicle {case_id: $case_id, vrm: vrm})-[r:READ_AT]->(k:Camera)
WHERE r.t >= $since AND r.t <= $until AND k.camera_id IN $cameras
RETURN v.vrm AS vrm, count(r) AS reads
ORDER BY vrm
