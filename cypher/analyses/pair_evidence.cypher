// CALLED event ids between each given pair of numbers [a, b] in a window: first `cap` ids and the total.
// params: case_id, pairs, since, until, types, cap
// returns: a, b, ids, total
UNWIND $pairs AS pr
MATCH (a:Number {case_id: $case_id, key: pr[0]})-[r:CALLED]-(b:Number {case_id: $case_id, key: pr[1]})
WHERE r.start >= $since AND r.start <= $until AND r.type IN $types
WITH pr, r.event_id AS id ORDER BY id
WITH pr, collect(DISTINCT id) AS ids
RETURN pr[0] AS a, pr[1] AS b, ids[..$cap] AS ids, size(ids) AS total
ORDER BY a, b
