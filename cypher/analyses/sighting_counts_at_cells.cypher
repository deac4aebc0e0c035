// How many sightings each given number has at any of the given cells in [since, until] (exposure).
// params: case_id, keys, cells, since, until
// returns: number, sightings
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})-[s:SEEN_AT]->(c:Cell)
WHERE s.t >= $since AND s.t <= $until AND c.key IN $cells
RETURN n.key AS number, count(DISTINCT s.event_id) AS sightings
ORDER BY number
