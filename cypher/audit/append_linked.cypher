// Append one audit record at the chain head and link it inside this transaction: the SET takes
// the head's write lock first, so concurrent appenders queue here and the chain cannot fork.
// Its hash is SHA-256(prev_hash || seq || body_hash) (csas_graph.audit.link_hash), body_hash
// computed by the caller over the record's other fields; apoc.util.sha256 joins its strings.
// params: entry, body_hash, genesis
// returns: record
MERGE (h:AuditHead {id: 'audit'})
  ON CREATE SET h.seq = 0, h.hash = $genesis
SET h._lock = true
WITH h, h.seq + 1 AS seq, h.hash AS prev
WITH h, seq, prev, apoc.util.sha256([prev, toString(seq), $body_hash]) AS hash
CREATE (a:AuditRecord)
SET a = $entry, a.seq = seq, a.prev_hash = prev, a.hash = hash
SET h.seq = seq, h.hash = hash
RETURN a {.*} AS record
