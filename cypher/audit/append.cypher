// Append audit records after the (locked) head and move the head to the last of them.
// params: rows, last_seq, last_hash
// returns: appended
MATCH (h:AuditHead {id: 'audit'})
UNWIND $rows AS row
CREATE (a:AuditRecord)
SET a = row
WITH h, count(a) AS appended
SET h.seq = $last_seq, h.hash = $last_hash
RETURN appended
