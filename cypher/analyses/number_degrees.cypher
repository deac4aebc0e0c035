// Kind, event degree and (where the event degree exceeds the threshold) distinct-counterpart degree of numbers.
// params: case_id, keys, max_degree
// returns: number, kind, events, degree
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})
WITH n, COUNT { (n)-[:CALLED]-() } AS events
// distinct counterparts never exceed events, so they are only counted where they could pass the threshold
RETURN n.key AS number, n.kind AS kind, events,
       CASE WHEN events > $max_degree THEN COUNT { MATCH (n)-[:CALLED]-(m:Number) RETURN DISTINCT m } END AS degree
