// Audit records in chain order, optionally only for some cases and/or one user (null = any).
// params: case_ids, user, after, limit
// returns: record
MATCH (a:AuditRecord)
WHERE a.seq > $after
  AND ($case_ids IS NULL OR a.case_id IN $case_ids)
  AND ($user IS NULL OR a.user = $user)
RETURN a {.*} AS record
ORDER BY a.seq
LIMIT $limit
