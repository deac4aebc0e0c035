// Sightings at given cells within per-probe windows: each probe is {cells, since, until, probe}.
// params: case_id, probes
// returns: probe, number, event_id, t, cell
UNWIND $probes AS p
UNWIND p.cells AS ck
MATCH (c:Cell {case_id: $case_id, key: ck})<-[s:SEEN_AT]-(n:Number)
WHERE s.t >= p.since AND s.t <= p.until
RETURN p.probe AS probe, n.key AS number, s.event_id AS event_id, s.t AS t, c.key AS cell
ORDER BY probe, t, event_id, number
