// Delete up to $batch relationships carrying a case id, or touching a node of that case; counts by type.
// Audit records are never touched: they outlive the case and record its disposal.
// params: case_id, batch
// returns: type, deleted
CALL (*) {
  MATCH ()-[r]->() WHERE r.case_id = $case_id RETURN r
  UNION
  MATCH (n)-[r]-() WHERE n.case_id = $case_id AND NOT n:AuditRecord RETURN r
}
WITH DISTINCT r LIMIT $batch
WITH r, type(r) AS type
DELETE r
RETURN type, count(*) AS deleted
