// First and last CALLED activity (epoch milliseconds) and event count of every E.164 number of a case.
// params: case_id, since, until, types
// returns: number, first, last, events
MATCH (n:Number {case_id: $case_id, kind: 'e164'})-[r:CALLED]-(:Number)
WHERE r.start >= $since AND r.start <= $until AND r.type IN $types
RETURN n.key AS number, min(r.start).epochMillis AS first, max(r.start).epochMillis AS last, count(r) AS events
ORDER BY number
