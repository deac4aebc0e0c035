// Sightings at given cells within per-probe windows (each probe is {cells, since, until, probe}), as parallel lists.
// params: case_id, probes
// returns: probe, number, event_id, t, cell
UNWIND $probes AS p
UNWIND p.cells AS ck
MATCH (c:Cell {case_id: $case_id, key: ck})<-[s:SEEN_AT]-(n:Number)
WHERE s.t >= p.since AND s.t <= p.until
WITH p, n, s, c ORDER BY p.probe, s.t, s.event_id, n.key
RETURN collect(p.probe) AS probe, collect(n.key) AS number, collect(s.event_id) AS event_id,
       collect(s.t.epochMillis) AS t, collect(c.key) AS cell
