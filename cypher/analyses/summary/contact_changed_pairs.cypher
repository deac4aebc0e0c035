// For each given number: the counterparts whose CONTACT summary edge no longer matches the CALLED events
// (missing, a different event count, or no event left). Counts only: no event property is read.
// params: case_id, keys, since, until, types
// returns: number, others
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})
CALL (n) {
  MATCH (n)-[r:CALLED]-(m:Number)
  WHERE r.start >= $since AND r.start <= $until AND r.type IN $types
  WITH m, count(DISTINCT r) AS events
  OPTIONAL MATCH (n)-[e:CONTACT]-(m)
  WITH m, events, e WHERE e IS NULL OR e.events <> events
  RETURN m.key AS other
  UNION
  MATCH (n)-[e:CONTACT]-(m:Number)
  WHERE NOT EXISTS { MATCH (n)-[r:CALLED]-(m) WHERE r.start >= $since AND r.start <= $until AND r.type IN $types }
  RETURN m.key AS other
}
WITH n, other ORDER BY other
RETURN n.key AS number, collect(DISTINCT other) AS others
ORDER BY number
