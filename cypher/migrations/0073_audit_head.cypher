// The audit chain's head exists from the start, so an append finds it (MATCH) instead of merging it;
// at genesis it points at no record (seq 0, the all-zero hash: csas_graph.audit.GENESIS).
MERGE (h:AuditHead {id: 'audit'})
  ON CREATE SET h.seq = 0, h.hash = '0000000000000000000000000000000000000000000000000000000000000000'
