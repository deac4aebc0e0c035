// ANPR reads at given cameras within per-probe windows: each probe is {cameras, since, until, probe}.
// params: case_id, probes
// returns: probe, vrm, event_id, t, camera
UNWIND $probes AS p
UNWIND p.cameras AS cam
MATCH (k:Camera {case_id: $case_id, camera_id: cam})<-[r:READ_AT]-(v:Vehicle)
WHERE r.t >= p.since AND r.t <= p.until
RETURN p.probe AS probe, v.vrm AS vrm, r.event_id AS event_id, r.t AS t, k.camera_id AS camera
ORDER BY probe, t, event_id, vrm
