// Record that a file starts loading into a case (status 'loading'), linked to its case. Counts the loads
// begun on the case node (loads_begun): its properties then never return to an earlier state, so a result
// cached under that state cannot outlive a load that began later, even one rolled back (see result_cache).
// params: case_id, sha256, props
// returns: sha256
MATCH (c:Case {case_id: $case_id})
MERGE (f:SourceFile {case_id: $case_id, sha256: $sha256})
ON CREATE SET f += $props, f.status = 'loading', f.started_at = datetime(), f.heartbeat = datetime()
MERGE (f)-[:IN_CASE]->(c)
SET c.loads_begun = coalesce(c.loads_begun, 0) + 1
RETURN f.sha256 AS sha256
