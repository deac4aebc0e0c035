// The files of a case still marked 'loading' (a live import, or one that died mid-way).
// params: case_id
// returns: source_file
MATCH (f:SourceFile {case_id: $case_id, status: 'loading'})
RETURN f {.*} AS source_file
ORDER BY f.started_at
