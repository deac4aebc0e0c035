// Where and when the given numbers were seen in [since, until] (event id, epoch ms, cell), one row per number, in time order.
// params: case_id, keys, since, until
// returns: number, event_id, t, cell
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})
// expanded from the number: with (c:Cell) the planner crosses the number with every cell (Expand(Into))
CALL (n) {
  MATCH (n)-[s:SEEN_AT]->(c)
  WHERE s.t >= $since AND s.t <= $until
  RETURN s, c
}
WITH n, s, c ORDER BY s.t, s.event_id, s.role
RETURN n.key AS number, collect(s.event_id) AS event_id, collect(s.t.epochMillis) AS t, collect(c.key) AS cell
