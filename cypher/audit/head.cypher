// The audit chain head: the sequence number and hash of the last record (no row before the first).
// params: none
// returns: seq, hash
MATCH (h:AuditHead {id: 'audit'})
RETURN h.seq AS seq, h.hash AS hash
