// number_degrees.cypher answered from the CONTACT summary: kind, CALLED event degree, and (where that exceeds the
// threshold) distinct counterparts, which are the CONTACT neighbours (a self-loop edge counts the number itself).
// params: case_id, keys, max_degree
// returns: number, kind, events, degree
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})
WITH n, COUNT { (n)-[:CALLED]-() } AS events
RETURN n.key AS number, n.kind AS kind, events,
       CASE WHEN events > $max_degree THEN COUNT { MATCH (n)-[:CONTACT]-(m:Number) RETURN DISTINCT m } END AS degree
