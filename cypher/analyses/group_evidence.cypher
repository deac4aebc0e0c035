// CALLED event ids with both ends among the given numbers, in a window: first `cap` ids and the total.
// params: case_id, keys, since, until, types, cap
// returns: ids, total
MATCH (a:Number {case_id: $case_id})-[r:CALLED]->(b:Number {case_id: $case_id})
WHERE a.key IN $keys AND b.key IN $keys AND r.start >= $since AND r.start <= $until AND r.type IN $types
WITH r.event_id AS id ORDER BY id
WITH collect(DISTINCT id) AS ids
RETURN ids[..$cap] AS ids, size(ids) AS total
