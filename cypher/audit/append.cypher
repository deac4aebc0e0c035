// Append audit records if the chain head is still where the writer last saw it, and move the head.
// The SET takes the head's write lock first, so concurrent appenders queue here and the chain
// cannot fork; no row comes back when another writer moved the head (the caller re-reads it).
// params: rows, expect_seq, expect_hash, last_seq, last_hash
// returns: appended
MATCH (h:AuditHead {id: 'audit'})
SET h._lock = true
WITH h
WHERE h.seq = $expect_seq AND h.hash = $expect_hash
UNWIND $rows AS row
CREATE (a:AuditRecord)
SET a = row
WITH h, count(a) AS appended
SET h.seq = $last_seq, h.hash = $last_hash
RETURN appended
