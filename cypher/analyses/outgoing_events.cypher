// CALLED events originated by any of the given numbers in [since, until] of the given types.
// params: case_id, keys, since, until, types
// returns: src, dst, event_id, type, start
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})-[r:CALLED]->(m:Number)
WHERE r.start >= $since AND r.start <= $until AND r.type IN $types
RETURN n.key AS src, m.key AS dst, r.event_id AS event_id, r.type AS type, r.start AS start
ORDER BY start, event_id
