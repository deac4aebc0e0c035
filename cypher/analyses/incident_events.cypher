// Every CALLED event touching any of the given numbers in [since, until] of the given types, as parallel lists in time order.
// params: case_id, keys, since, until, types
// returns: src, dst, event_id, type, start, duration_s
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})-[r:CALLED]-(:Number)
WHERE r.start >= $since AND r.start <= $until AND r.type IN $types
WITH DISTINCT r
WITH r ORDER BY r.start, r.event_id
RETURN collect(startNode(r).key) AS src, collect(endNode(r).key) AS dst, collect(r.event_id) AS event_id,
       collect(r.type) AS type, collect(r.start.epochMillis) AS start, collect(coalesce(r.duration_s, 0)) AS duration_s
