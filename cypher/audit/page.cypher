// A page of audit records in chain order, after a sequence number (for verification).
// params: after, limit
// returns: record
MATCH (a:AuditRecord)
WHERE a.seq > $after
RETURN a {.*} AS record
ORDER BY a.seq
LIMIT $limit
