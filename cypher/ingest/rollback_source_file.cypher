// Roll back a file's load: delete its SourceFile once its events and nodes are gone.
// params: case_id, sha256
// returns: deleted
MATCH (f:SourceFile {case_id: $case_id, sha256: $sha256})
DETACH DELETE f
RETURN count(*) AS deleted
