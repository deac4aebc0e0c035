// The case and its source files' states, for the result cache's data-state key (null case: no such case).
// File times as ISO text, as in api/principal_case (the same key from either).
// params: case_id
// returns: case, sources
CALL () {
  OPTIONAL MATCH (c:Case {case_id: $case_id})
  RETURN c {.*} AS case
}
CALL () {
  OPTIONAL MATCH (f:SourceFile {case_id: $case_id})
  WITH f ORDER BY f.sha256
  RETURN collect(f {.sha256, .status, started_at: toString(f.started_at), completed_at: toString(f.completed_at),
                  .rows_read}) AS sources
}
RETURN case, sources
