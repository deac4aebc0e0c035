// Rebuild the CONTACT summary edges (a)-[:CONTACT]->(b), a.key <= b.key, of each row's anchor number `a` to the
// numbers in `others` (every counterpart when null): CALLED events aggregated as contact_edges.cypher does.
// params: case_id, rows, since, until, types, cap
// returns: none
UNWIND $rows AS row
MATCH (a:Number {case_id: $case_id, key: row.a})
CALL (a, row) {
  MATCH (a)-[old:CONTACT]-(m:Number)
  WHERE a.key <= m.key AND (row.others IS NULL OR m.key IN row.others)
  DELETE old
}
CALL (a, row) {
  // expanded from a: the WITH keeps the planner from scanning for b (Expand(Into) over every number)
  MATCH (a)-[r:CALLED]-(b)
  WITH DISTINCT b, r
  WHERE a.key <= b.key AND (row.others IS NULL OR b.key IN row.others)
    AND r.start >= $since AND r.start <= $until AND r.type IN $types
  WITH b, r, startNode(r) = a AS from_a
  ORDER BY r.event_id
  WITH b, collect(r.event_id) AS ids, count(r) AS events,
       sum(CASE WHEN r.type IN ['voice', 'video'] THEN 1 ELSE 0 END) AS calls,
       sum(CASE WHEN r.type IN ['sms', 'mms'] THEN 1 ELSE 0 END) AS sms,
       sum(CASE WHEN r.type = 'data' THEN 1 ELSE 0 END) AS data,
       sum(CASE WHEN from_a THEN 1 ELSE 0 END) AS a_to_b,
       sum(coalesce(r.duration_s, 0)) AS duration_s, min(r.start) AS first, max(r.start) AS last
  CREATE (a)-[:CONTACT {case_id: $case_id, events: events, calls: calls, sms: sms, data: data, a_to_b: a_to_b,
                        duration_s: duration_s, first: first.epochMillis, last: last.epochMillis, ids: ids[..$cap]}]->(b)
}
