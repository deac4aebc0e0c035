// Per number of a case: how many CALLED events touch it (a degree-store count; no property is read).
// params: case_id
// returns: numbers, degrees
MATCH (n:Number {case_id: $case_id})
WITH n ORDER BY n.key
RETURN collect(n.key) AS numbers, collect(COUNT { (n)-[:CALLED]-() }) AS degrees
