// Take the write lock on the audit chain head (created on first use), then read its position.
// Setting a property first makes every concurrent appender queue here, so the chain cannot fork.
// params: genesis
// returns: seq, hash
MERGE (h:AuditHead {id: 'audit'})
  ON CREATE SET h.seq = 0, h.hash = $genesis
SET h._lock = true
WITH h
RETURN h.seq AS seq, h.hash AS hash
