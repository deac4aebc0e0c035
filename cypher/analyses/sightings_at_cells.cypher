// Sightings at given cells within per-probe windows (each probe is {cells, since, until, probe}), as parallel lists.
// A window is narrow and a busy cell holds many sightings, so the (case_id, t, party, event_id) index is sought, not
// the cell expanded; the number seen (party) and the event id come from the index entry. In no particular order
// (callers group and sort what they keep).
// params: case_id, probes
// returns: probe, number, event_id, t, cell
UNWIND $probes AS p
MATCH ()-[s:SEEN_AT]->(c)
USING INDEX s:SEEN_AT(case_id, t, party, event_id)
WHERE s.case_id = $case_id AND s.t >= p.since AND s.t <= p.until AND s.party IS NOT NULL AND s.event_id IS NOT NULL
  AND c.key IN p.cells
RETURN collect(p.probe) AS probe, collect(s.party) AS number, collect(s.event_id) AS event_id,
       collect(s.t.epochMillis) AS t, collect(c.key) AS cell
