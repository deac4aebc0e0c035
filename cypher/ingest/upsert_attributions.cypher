// Attribute numbers to people from a subscriber list (ATTRIBUTED_TO: Number -> Person), keeping every
// source row; returns the rows whose attribution was already in the case.
// params: case_id, sha256, rows
// returns: row
UNWIND $rows AS r
MERGE (n:Number {case_id: $case_id, key: r.number_key})
ON CREATE SET n += r.number_props, n.src_sha256 = $sha256
MERGE (p:Person {case_id: $case_id, key: r.person_key})
ON CREATE SET p += r.person_props, p.src_sha256 = $sha256
WITH r, n, p
OPTIONAL MATCH (n)-[old:ATTRIBUTED_TO]->(p)
CALL (r, n, p, old) {
  WITH r, n, p, old WHERE old IS NULL
  CREATE (n)-[a:ATTRIBUTED_TO]->(p)
  SET a.case_id = $case_id, a.sources = [r.source], a.src_sha256 = $sha256, a.src_row = r.row
}
CALL (r, old) {
  WITH r, old WHERE old IS NOT NULL AND NOT r.source IN old.sources
  SET old.sources = old.sources + r.source
}
WITH r, old WHERE old IS NOT NULL
RETURN r.row AS row
