// Resolve event ids to their sources ("<sha256>:<row>") and check each SHA-256 names a SourceFile of the case.
// params: case_id, ids
// returns: event_id, kind, sources, files_found
UNWIND $ids AS id
CALL (id) {
  MATCH ()-[r:CALLED {case_id: $case_id, event_id: id}]->() RETURN 'CALLED' AS kind, r.sources AS sources
  UNION
  MATCH ()-[r:SEEN_AT {case_id: $case_id, event_id: id}]->() RETURN 'SEEN_AT' AS kind, r.sources AS sources
  UNION
  MATCH ()-[r:READ_AT {case_id: $case_id, event_id: id}]->() RETURN 'READ_AT' AS kind, r.sources AS sources
}
WITH id, kind, sources
RETURN id AS event_id, kind, sources,
       size([s IN sources WHERE EXISTS { MATCH (f:SourceFile {case_id: $case_id, sha256: split(s, ':')[0]}) }]) AS files_found
ORDER BY event_id, kind
