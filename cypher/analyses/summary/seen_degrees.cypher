// Per number of a case: how many SEEN_AT sightings it has (a degree-store count; no property is read).
// params: case_id
// returns: numbers, degrees
MATCH (n:Number {case_id: $case_id})
WITH n ORDER BY n.key
RETURN collect(n.key) AS numbers, collect(COUNT { (n)-[:SEEN_AT]->() }) AS degrees
