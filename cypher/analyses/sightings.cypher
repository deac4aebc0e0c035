// Cell sightings of the given numbers in [since, until], one row per number with parallel lists (fast to decode), in time order.
// params: case_id, keys, since, until
// returns: number, event_id, t, type, role, imei, cell
// SEEN_AT.party is the key of the number seen, so the (case_id, party, t, event_id) index seeks one number's window
// instead of expanding its whole history.
UNWIND $keys AS k
MATCH ()-[s:SEEN_AT]->(c)
USING INDEX s:SEEN_AT(case_id, party, t, event_id)
WHERE s.case_id = $case_id AND s.party = k AND s.t >= $since AND s.t <= $until AND s.event_id IS NOT NULL
WITH k, s, c ORDER BY s.t, s.event_id, s.role
RETURN k AS number, collect(s.event_id) AS event_id, collect(s.t.epochMillis) AS t,
       collect(coalesce(s.type, '')) AS type, collect(coalesce(s.role, '')) AS role,
       collect(coalesce(s.imei, '')) AS imei, collect(c.key) AS cell
