// Cell sightings of the given numbers in [since, until], one row per number with parallel lists (fast to decode), in time order.
// params: case_id, keys, since, until
// returns: number, event_id, t, type, role, imei, cell
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})
// expanded from the number: with (c:Cell) the planner crosses the number with every cell (Expand(Into))
CALL (n) {
  MATCH (n)-[s:SEEN_AT]->(c)
  WHERE s.t >= $since AND s.t <= $until
  RETURN s, c
}
WITH n, s, c ORDER BY s.t, s.event_id, s.role
RETURN n.key AS number, collect(s.event_id) AS event_id, collect(s.t.epochMillis) AS t,
       collect(coalesce(s.type, '')) AS type, collect(coalesce(s.role, '')) AS role,
       collect(coalesce(s.imei, '')) AS imei, collect(c.key) AS cell
