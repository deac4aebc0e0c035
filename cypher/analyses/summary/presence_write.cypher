// Rebuild the PRESENCE summary edges of each given number: one (n)-[:PRESENCE]->(c) per cell it was seen at, with
// the times (epoch ms) and event ids of its sightings there in time order, as parallel lists: `t`/`ids` for events
// the number was seen at once, `pt`/`pids` for events seen twice (first and last cell), which a count must de-duplicate.
// params: case_id, keys
// returns: none
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})
CALL (n) {
  MATCH (n)-[old:PRESENCE]->(:Cell)
  DELETE old
}
CALL (n) {
  MATCH (n)-[s:SEEN_AT]->(c)
  WHERE s.t IS NOT NULL
  WITH s.event_id AS id, collect({c: c, t: s.t.epochMillis, role: s.role}) AS seen
  UNWIND seen AS x
  WITH x.c AS c, x.t AS t, id, x.role AS role, size(seen) > 1 AS paired
  ORDER BY t, id, role
  WITH c, collect(CASE WHEN paired THEN null ELSE t END) AS t, collect(CASE WHEN paired THEN null ELSE id END) AS ids,
       collect(CASE WHEN paired THEN t END) AS pt, collect(CASE WHEN paired THEN id END) AS pids
  CREATE (n)-[:PRESENCE {case_id: $case_id, t: t, ids: ids, pt: pt, pids: pids}]->(c)
}
