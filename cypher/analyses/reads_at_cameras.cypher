// ANPR reads at given cameras within per-probe windows (each probe is {cameras, since, until, probe}), as parallel lists.
// A window is narrow and a busy camera holds many reads, so the time index is sought, not the camera expanded.
// params: case_id, probes
// returns: probe, vrm, event_id, t, camera
UNWIND $probes AS p
MATCH (v:Vehicle)-[r:READ_AT]->(k:Camera)
USING INDEX r:READ_AT(t)
WHERE r.t >= p.since AND r.t <= p.until AND r.case_id = $case_id AND k.camera_id IN p.cameras
WITH p, v, r, k ORDER BY p.probe, r.t, r.event_id, v.vrm
RETURN collect(p.probe) AS probe, collect(v.vrm) AS vrm, collect(r.event_id) AS event_id,
       collect(r.t.epochMillis) AS t, collect(k.camera_id) AS camera
