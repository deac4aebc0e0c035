// Counts of a case's events and nodes, for checking loads (tests, benchmarks, csas import --json).
// params: case_id
// returns: called, seen_at, read_at, numbers, cells, files
CALL () { MATCH ()-[r:CALLED]->() WHERE r.case_id = $case_id RETURN count(r) AS called }
CALL () { MATCH ()-[r:SEEN_AT]->() WHERE r.case_id = $case_id RETURN count(r) AS seen_at }
CALL () { MATCH ()-[r:READ_AT]->() WHERE r.case_id = $case_id RETURN count(r) AS read_at }
CALL () { MATCH (n:Number {case_id: $case_id}) RETURN count(n) AS numbers }
CALL () { MATCH (n:Cell {case_id: $case_id}) RETURN count(n) AS cells }
CALL () { MATCH (n:SourceFile {case_id: $case_id}) RETURN count(n) AS files }
RETURN called, seen_at, read_at, numbers, cells, files
