// Record that a file starts loading into a case (status 'loading'), linked to its case.
// params: case_id, sha256, props
// returns: sha256
MATCH (c:Case {case_id: $case_id})
MERGE (f:SourceFile {case_id: $case_id, sha256: $sha256})
ON CREATE SET f += $props, f.status = 'loading', f.started_at = datetime(), f.heartbeat = datetime()
MERGE (f)-[:IN_CASE]->(c)
RETURN f.sha256 AS sha256
