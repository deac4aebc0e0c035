// Ids and times (epoch ms) of the CALLED events touching one number in [since, until], in time order.
// params: case_id, number, since, until
// returns: event_id, t
MATCH (n:Number {case_id: $case_id, key: $number})-[r:CALLED]-(:Number)
WHERE r.start >= $since AND r.start <= $until
WITH DISTINCT r
WITH r ORDER BY r.start, r.event_id
RETURN collect(r.event_id) AS event_id, collect(r.start.epochMillis) AS t
