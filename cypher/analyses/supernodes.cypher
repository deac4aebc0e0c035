// Every number of a case that is a supernode: a sentinel kind, or more distinct counterparts than max_degree.
// params: case_id, kinds, max_degree
// returns: number, kind, events, degree
MATCH (n:Number {case_id: $case_id})
WITH n, COUNT { (n)-[:CALLED]-() } AS events
WHERE n.kind IN $kinds OR events > $max_degree
WITH n, events, CASE WHEN events > $max_degree THEN COUNT { MATCH (n)-[:CALLED]-(m:Number) RETURN DISTINCT m } END AS degree
WHERE n.kind IN $kinds OR degree > $max_degree
RETURN n.key AS number, n.kind AS kind, events, degree
ORDER BY number
