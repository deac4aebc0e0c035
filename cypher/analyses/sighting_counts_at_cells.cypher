// How many sightings each given number has at any of the given cells in [since, until] (exposure).
// Expanded from the cells (fewer relationships than the candidate phones' whole histories).
// params: case_id, keys, cells, since, until
// returns: number, sightings
UNWIND $cells AS ck
MATCH (c:Cell {case_id: $case_id, key: ck})<-[s:SEEN_AT]-(n:Number)
WHERE s.t >= $since AND s.t <= $until AND n.key IN $keys
RETURN n.key AS number, count(DISTINCT s.event_id) AS sightings
ORDER BY number
