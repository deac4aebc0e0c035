// Sightings at given cells within per-probe windows (each probe is {cells, since, until, probe}), as parallel lists.
// A window is narrow and a busy cell holds many sightings, so the time index is sought, not the cell expanded.
// params: case_id, probes
// returns: probe, number, event_id, t, cell
UNWIND $probes AS p
MATCH (n:Number)-[s:SEEN_AT]->(c:Cell)
USING INDEX s:SEEN_AT(t)
WHERE s.t >= p.since AND s.t <= p.until AND s.case_id = $case_id AND c.key IN p.cells
WITH p, n, s, c ORDER BY p.probe, s.t, s.event_id, n.key, c.key
RETURN collect(p.probe) AS probe, collect(n.key) AS number, collect(s.event_id) AS event_id,
       collect(s.t.epochMillis) AS t, collect(c.key) AS cell
