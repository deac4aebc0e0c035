// Delete up to $batch nodes of a case (the Case node itself last), except audit records; counts by label.
// params: case_id, batch, include_case
// returns: label, deleted
MATCH (n)
WHERE n.case_id = $case_id AND NOT n:AuditRecord AND ($include_case OR NOT n:Case)
WITH n LIMIT $batch
WITH n, head(labels(n)) AS label
DETACH DELETE n
RETURN label, count(*) AS deleted
