// Append one audit record at the chain head and link it inside this transaction: the SET takes
// the head's write lock first, so concurrent appenders queue here and the chain cannot fork.
// Its hash is SHA-256(prev_hash || seq || body_hash) (csas_graph.audit.link_hash), body_hash
// computed by the caller over the record's other fields; apoc.util.sha256 joins its strings.
// The head exists from the migrations on (0073); without it nothing is appended and no row comes back.
// params: entry, body_hash
// returns: seq, prev_hash, hash
MATCH (h:AuditHead {id: 'audit'})
SET h._lock = true
WITH h, h.seq + 1 AS seq, h.hash AS prev
WITH h, seq, prev, apoc.util.sha256([prev, toString(seq), $body_hash]) AS hash
CREATE (a:AuditRecord)
SET a = $entry, a.seq = seq, a.prev_hash = prev, a.hash = hash
SET h.seq = seq, h.hash = hash
RETURN seq, prev AS prev_hash, hash
