// ANPR reads at given cameras within per-probe windows (each probe is {cameras, since, until, probe}), as parallel lists.
// params: case_id, probes
// returns: probe, vrm, event_id, t, camera
UNWIND $probes AS p
UNWIND p.cameras AS cam
MATCH (k:Camera {case_id: $case_id, camera_id: cam})<-[r:READ_AT]-(v:Vehicle)
WHERE r.t >= p.since AND r.t <= p.until
WITH p, v, r, k ORDER BY p.probe, r.t, r.event_id, v.vrm
RETURN collect(p.probe) AS probe, collect(v.vrm) AS vrm, collect(r.event_id) AS event_id,
       collect(r.t.epochMillis) AS t, collect(k.camera_id) AS camera
