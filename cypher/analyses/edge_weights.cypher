// The whole case's contact graph: CALLED events aggregated per ordered pair of numbers.
// params: case_id, since, until, types
// returns: src, dst, events, duration_s
MATCH (a:Number {case_id: $case_id})-[r:CALLED]->(b:Number)
WHERE r.start >= $since AND r.start <= $until AND r.type IN $types
RETURN a.key AS src, b.key AS dst, count(r) AS events, sum(coalesce(r.duration_s, 0)) AS duration_s
ORDER BY src, dst
