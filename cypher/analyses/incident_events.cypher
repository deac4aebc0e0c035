// Every CALLED event touching any of the given numbers in [since, until] of the given types.
// params: case_id, keys, since, until, types
// returns: src, dst, event_id, type, start, duration_s
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})-[r:CALLED]-(:Number)
WHERE r.start >= $since AND r.start <= $until AND r.type IN $types
WITH DISTINCT r
RETURN startNode(r).key AS src, endNode(r).key AS dst, r.event_id AS event_id, r.type AS type,
       r.start AS start, r.duration_s AS duration_s
ORDER BY start, event_id
