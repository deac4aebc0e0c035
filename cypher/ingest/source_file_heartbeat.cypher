// Mark a loading file as alive and record how many rows it has loaded so far.
// params: case_id, sha256, rows_done
// returns: none
MATCH (f:SourceFile {case_id: $case_id, sha256: $sha256, status: 'loading'})
SET f.heartbeat = datetime(), f.rows_done = $rows_done
