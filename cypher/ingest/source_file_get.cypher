// One source file of a case (its SourceFile node as a map), if it exists.
// params: case_id, sha256
// returns: source_file
MATCH (f:SourceFile {case_id: $case_id, sha256: $sha256})
RETURN f {.*} AS source_file
