// Land a file: write its Number-SIM-Handset pairings (first/last seen, event counts) and mark its
// SourceFile complete, in one transaction, so a file is either complete with its pairings or neither.
// params: case_id, sha256, props, used_sim, in_handset, used_handset
// returns: source_file
CALL () {
  UNWIND $used_sim AS p
  MATCH (n:Number {case_id: $case_id, key: p.a})
  MATCH (s:SIM {case_id: $case_id, imsi: p.b})
  MERGE (n)-[u:USED_SIM]->(s)
  ON CREATE SET u.case_id = $case_id, u.first_seen = p.first, u.last_seen = p.last, u.events = p.events
  ON MATCH SET u.first_seen = CASE WHEN p.first < u.first_seen THEN p.first ELSE u.first_seen END,
               u.last_seen = CASE WHEN p.last > u.last_seen THEN p.last ELSE u.last_seen END,
               u.events = u.events + p.events
}
CALL () {
  UNWIND $in_handset AS p
  MATCH (s:SIM {case_id: $case_id, imsi: p.a})
  MATCH (h:Handset {case_id: $case_id, imei: p.b})
  MERGE (s)-[u:IN_HANDSET]->(h)
  ON CREATE SET u.case_id = $case_id, u.first_seen = p.first, u.last_seen = p.last, u.events = p.events
  ON MATCH SET u.first_seen = CASE WHEN p.first < u.first_seen THEN p.first ELSE u.first_seen END,
               u.last_seen = CASE WHEN p.last > u.last_seen THEN p.last ELSE u.last_seen END,
               u.events = u.events + p.events
}
CALL () {
  UNWIND $used_handset AS p
  MATCH (n:Number {case_id: $case_id, key: p.a})
  MATCH (h:Handset {case_id: $case_id, imei: p.b})
  MERGE (n)-[u:USED_HANDSET]->(h)
  ON CREATE SET u.case_id = $case_id, u.first_seen = p.first, u.last_seen = p.last, u.events = p.events
  ON MATCH SET u.first_seen = CASE WHEN p.first < u.first_seen THEN p.first ELSE u.first_seen END,
               u.last_seen = CASE WHEN p.last > u.last_seen THEN p.last ELSE u.last_seen END,
               u.events = u.events + p.events
}
MATCH (f:SourceFile {case_id: $case_id, sha256: $sha256})
SET f += $props, f.status = 'complete', f.completed_at = datetime()
RETURN f {.*} AS source_file
