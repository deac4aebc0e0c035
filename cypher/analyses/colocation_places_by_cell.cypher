// Co-location of target pairs: each given number's sightings in [since, until] grouped by cell (event ids and epoch
// ms as parallel lists per number and cell, not sorted), as one row of lists. Grouping on the server sends each cell
// key once per number instead of once per sighting; the caller sorts times per cell.
// params: case_id, keys, since, until
// returns: number, cell, event_id, t
UNWIND $keys AS k
MATCH ()-[s:SEEN_AT]->(c)
USING INDEX s:SEEN_AT(case_id, party, t, event_id)
WHERE s.case_id = $case_id AND s.party = k AND s.t >= $since AND s.t <= $until AND s.event_id IS NOT NULL
WITH k, c, collect(s.event_id) AS event_id, collect(s.t.epochMillis) AS t
RETURN collect(k) AS number, collect(c.key) AS cell, collect(event_id) AS event_id, collect(t) AS t
