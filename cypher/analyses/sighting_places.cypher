// Where and when the given numbers were seen in [since, until] (event id, epoch ms, cell), one row per number, in time order.
// params: case_id, keys, since, until
// returns: number, event_id, t, cell
// SEEN_AT.party is the key of the number seen, so the (case_id, party, t, event_id) index seeks one number's window
// instead of expanding its whole history.
UNWIND $keys AS k
MATCH ()-[s:SEEN_AT]->(c)
USING INDEX s:SEEN_AT(case_id, party, t, event_id)
WHERE s.case_id = $case_id AND s.party = k AND s.t >= $since AND s.t <= $until AND s.event_id IS NOT NULL
WITH k, s, c ORDER BY s.t, s.event_id, s.role
RETURN k AS number, collect(s.event_id) AS event_id, collect(s.t.epochMillis) AS t, collect(c.key) AS cell
