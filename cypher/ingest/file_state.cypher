// A case's state before a file is imported, in one read: the loads still marked 'loading', this file's
// SourceFile if the case has it, and the cell-list configurations that resolve events' cells.
// params: case_id, sha256
// returns: loading, existing, cells
CALL () {
  OPTIONAL MATCH (f:SourceFile {case_id: $case_id, status: 'loading'})
  WITH f ORDER BY f.started_at
  RETURN collect(f {.*}) AS loading
}
CALL () {
  OPTIONAL MATCH (f:SourceFile {case_id: $case_id, sha256: $sha256})
  RETURN f {.*} AS existing
}
CALL () {
  OPTIONAL MATCH (c:Cell {case_id: $case_id})
  WHERE c.resolved = true AND c.cgi IS NOT NULL
  RETURN collect({cgi: c.cgi, key: c.key, valid_from: c['valid_from'], valid_to: c['valid_to']}) AS cells
}
RETURN loading, existing, cells
