// CALLED events originated by any of the given numbers in [since, until] of the given types, as parallel lists in time order.
// params: case_id, keys, since, until, types
// returns: src, dst, event_id, type, start
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})-[r:CALLED]->(m:Number)
WHERE r.start >= $since AND r.start <= $until AND r.type IN $types
WITH n, m, r ORDER BY r.start, r.event_id
RETURN collect(n.key) AS src, collect(m.key) AS dst, collect(r.event_id) AS event_id, collect(r.type) AS type,
       collect(r.start.epochMillis) AS start
