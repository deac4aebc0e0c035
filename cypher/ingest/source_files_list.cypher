// Every source file of a case, in import order.
// params: case_id
// returns: source_file
MATCH (f:SourceFile {case_id: $case_id})
RETURN f {.*} AS source_file
ORDER BY f.started_at, f.sha256
