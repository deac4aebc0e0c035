// The CALLED event ids touching each given number in a window: the first `cap` ids in order, and the total.
// params: case_id, keys, since, until, types, cap
// returns: number, ids, total
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})-[r:CALLED]-(:Number)
WHERE r.start >= $since AND r.start <= $until AND r.type IN $types
WITH n, r.event_id AS id ORDER BY id
WITH n, collect(DISTINCT id) AS ids
RETURN n.key AS number, ids[..$cap] AS ids, size(ids) AS total
ORDER BY number
